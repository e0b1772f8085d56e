"""A tenant's Twilio subaccount: isolation, its own usage, its own SMS reputation.

Deleting closes it (irreversible in Twilio; it releases the subaccount's numbers), so the tenant
protects it until ``ethiq:allowDestroy`` (infra/tenant.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
from pulumi import dynamic
from twilio.base.exceptions import TwilioRestException

from infra.providers.base import CREDENTIALS, TwilioProvider
from infra.providers.ownership import parse_tag
from infra.providers.retry import call_twilio

if TYPE_CHECKING:  # the resource classes cost ~0.3 s to import: types only
    from twilio.rest import Client
    from twilio.rest.api.v2010.account import AccountInstance


__all__ = ["Subaccount", "SubaccountProvider"]

_NOT_FOUND = 404


class SubaccountProvider(TwilioProvider):
    kind = "subaccount"
    update_fields = ("friendly_name",)

    def account_sid(self, props: dict[str, Any]) -> str | None:
        return None  # managed from the parent account

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        # Twilio filters FriendlyName by equality only, and the tag differs per owner: page
        # through the active subaccounts (on create only; 1000 a page).
        label = props["friendly_name"]
        found = call_twilio(
            lambda: list(client.api.v2010.accounts.stream(status="active", page_size=1000)),
            what="looking up the subaccount",
        )
        return [
            _outs(a)
            for a in found
            if a.sid != client.username and parse_tag(a.friendly_name).name == label
        ]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        def get() -> dict[str, Any] | None:
            try:
                return _outs(client.api.v2010.accounts(sid).fetch())
            except TwilioRestException as error:
                if error.status == _NOT_FOUND:
                    return None
                raise

        live = call_twilio(get, what="reading the subaccount")
        # A closed subaccount is gone for good (Twilio released its numbers); a suspended one
        # is reported as drift through its status.
        return None if live is None or live["status"] == "closed" else live

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _outs(client.api.v2010.accounts.create(friendly_name=props["twilio_name"])),
            what="creating the subaccount",
            lookup=lambda: self.mine(client, props),
        )

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _outs(
                client.api.v2010.accounts(sid).update(friendly_name=props["twilio_name"])
            ),
            what="updating the subaccount",
        )

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        def close() -> None:
            try:
                client.api.v2010.accounts(sid).update(status="closed")
            except TwilioRestException as error:
                if error.status != _NOT_FOUND:
                    raise

        call_twilio(close, what="closing the subaccount")


def _outs(account: AccountInstance) -> dict[str, Any]:
    return {
        "sid": account.sid,
        "twilio_name": account.friendly_name,
        "auth_token": account.auth_token,
        "status": account.status,
    }


class Subaccount(dynamic.Resource, module="ethiq", name="TwilioSubaccount"):
    sid: pulumi.Output[str]
    auth_token: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        friendly_name: pulumi.Input[str],
        owner: pulumi.Input[dict[str, str]],
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        secret = pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS, "auth_token"])
        super().__init__(
            SubaccountProvider(),
            name,
            {
                "friendly_name": friendly_name,
                "owner": owner,
                CREDENTIALS: credentials,
                "sid": None,
                "auth_token": None,
                "status": None,
            },
            pulumi.ResourceOptions.merge(opts, secret),
        )
