"""A spend limit of the tenant's subaccount: a Twilio Usage Trigger on its monthly spend.

Twilio recommends a subaccount per end user with Usage Triggers for their allocated usage
(https://www.twilio.com/docs/usage/api/usage-trigger): each trigger watches ``totalprice``
by ``price``, recurs ``monthly`` (GMT) and calls the runtime once the month's spend reaches its
value, once per month. The stack declares one per threshold (80 % and 100 % of the tenant's
monthly limit, infra/tenant.py). Twilio can update only the callback and the friendly name, so
any other change replaces the trigger (create-before-delete: the new one watches first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import pulumi
from pulumi import dynamic
from twilio.base.exceptions import TwilioRestException

from infra.providers.base import CREDENTIALS, TwilioProvider
from infra.providers.ownership import parse_tag
from infra.providers.retry import call_twilio

if TYPE_CHECKING:  # the SDK's client loads requests: ~0.2 s per process, types only
    from twilio.rest import Client

__all__ = ["SPEND", "UsageTrigger", "UsageTriggerProvider"]

# What every spend trigger watches (Twilio's usage category for all of an account's spend).
SPEND: Final = {"usage_category": "totalprice", "trigger_by": "price", "recurring": "monthly"}
_WATCH: Final = (*SPEND, "trigger_value")
_NOT_FOUND = 404


def _outs(trigger: Any) -> dict[str, Any]:
    """What Twilio holds, under the input names: a trigger changed in Twilio shows as drift."""
    return {
        "sid": trigger.sid,
        "twilio_name": trigger.friendly_name,
        "callback_url": trigger.callback_url,
        "usage_category": trigger.usage_category,
        "trigger_by": trigger.trigger_by,
        "recurring": trigger.recurring,
        "trigger_value": _value(trigger.trigger_value),
    }


def _value(value: Any) -> str:
    """Twilio answers ``"8"`` or ``"8.00"``: one spelling, so a diff compares amounts."""
    return f"{float(value):.2f}"


class UsageTriggerProvider(TwilioProvider):
    kind = "usage trigger"
    update_fields = ("friendly_name", "callback_url")
    replace_fields = ("account_sid", *_WATCH)

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        found = call_twilio(
            lambda: client.usage.triggers.list(limit=100), what="listing usage triggers"
        )
        return [
            _outs(t) for t in found if parse_tag(t.friendly_name).name == props["friendly_name"]
        ]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        def get() -> dict[str, Any] | None:
            try:
                return _outs(client.usage.triggers(sid).fetch())
            except TwilioRestException as error:
                if error.status == _NOT_FOUND:
                    return None
                raise

        return call_twilio(get, what="reading the usage trigger")

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _outs(
                client.usage.triggers.create(
                    callback_url=props["callback_url"],
                    callback_method="POST",
                    trigger_value=props["trigger_value"],
                    usage_category=props["usage_category"],
                    trigger_by=props["trigger_by"],
                    recurring=props["recurring"],
                    friendly_name=props["twilio_name"],
                )
            ),
            what="creating the usage trigger",
            lookup=lambda: self.mine(client, props),
        )

    def adopt(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        found = self.fetch(client, sid, props)
        if found is not None and any(found[f] != props[f] for f in _WATCH):
            return self.make(client, props)  # ours, but watching something else: a new one
        return self.change(client, sid, props)

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _outs(
                client.usage.triggers(sid).update(
                    callback_url=props["callback_url"],
                    callback_method="POST",
                    friendly_name=props["twilio_name"],
                )
            ),
            what="updating the usage trigger",
        )

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        def delete() -> None:
            try:
                client.usage.triggers(sid).delete()
            except TwilioRestException as error:
                if error.status != _NOT_FOUND:  # already gone, e.g. with its subaccount
                    raise

        call_twilio(delete, what="deleting the usage trigger")


class UsageTrigger(dynamic.Resource, module="ethiq", name="TwilioUsageTrigger"):
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        friendly_name: str,
        owner: pulumi.Input[dict[str, str]],
        amount_usd: float,
        callback_url: str,
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "account_sid": account_sid,
            "friendly_name": friendly_name,
            "owner": owner,
            "callback_url": callback_url,
            "trigger_value": _value(amount_usd),
            **SPEND,
            CREDENTIALS: credentials,
            "sid": None,
        }
        secret = pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS])
        super().__init__(
            UsageTriggerProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )
