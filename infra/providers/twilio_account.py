"""A tenant's Twilio subaccount: isolation, its own usage, its own SMS reputation.

Deleting closes it (irreversible in Twilio; it releases the subaccount's numbers).
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi import dynamic
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.rest.api.v2010.account import AccountInstance

from infra.providers.base import CREDENTIALS, TwilioProvider
from infra.providers.retry import call_twilio

__all__ = ["Subaccount", "SubaccountProvider"]

_NOT_FOUND = 404


class SubaccountProvider(TwilioProvider):
    kind = "subaccount"
    update_fields = ("friendly_name",)

    def account_sid(self, props: dict[str, Any]) -> str | None:
        return None  # managed from the parent account

    def find(self, client: Client, props: dict[str, Any]) -> dict[str, Any] | None:
        found = call_twilio(
            lambda: client.api.v2010.accounts.list(
                friendly_name=props["friendly_name"], status="active", limit=1
            ),
            what="looking up the subaccount",
        )
        return _outs(found[0]) if found else None

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _outs(client.api.v2010.accounts.create(friendly_name=props["friendly_name"])),
            what="creating the subaccount",
            lookup=lambda: self.find(client, props),
        )

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _outs(
                client.api.v2010.accounts(sid).update(friendly_name=props["friendly_name"])
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
        "friendly_name": account.friendly_name,
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
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        secret = pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS, "auth_token"])
        super().__init__(
            SubaccountProvider(),
            name,
            {
                "friendly_name": friendly_name,
                CREDENTIALS: credentials,
                "sid": None,
                "auth_token": None,
            },
            pulumi.ResourceOptions.merge(opts, secret),
        )
