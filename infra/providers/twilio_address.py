"""The person's emergency address: an Address with ``EmergencyEnabled`` in the subaccount,
registered as the number's ``EmergencyAddressSid`` (infra/tenant.py).

Twilio's way to change a number's emergency address is to associate a new address
(https://www.twilio.com/docs/voice/sip/api/emergency-calling-api#change-address): any change of
the address replaces the resource (create-before-delete, so the number points at the new one
before the old one goes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
from pulumi import dynamic
from twilio.base.exceptions import TwilioRestException

from infra.providers.base import CREDENTIALS, TwilioProvider
from infra.providers.ownership import parse_tag
from infra.providers.retry import call_twilio

if TYPE_CHECKING:  # the SDK's client loads requests: ~0.2 s per process, types only
    from twilio.rest import Client

__all__ = ["EmergencyAddress", "EmergencyAddressProvider"]

_FIELDS = ("customer_name", "street", "city", "region", "postal_code", "iso_country")
_NOT_FOUND = 404


def _outs(address: Any) -> dict[str, Any]:
    """What Twilio holds, under the input names: an address changed in Twilio shows as drift."""
    return {
        "sid": address.sid,
        "twilio_name": address.friendly_name,
        "emergency_enabled": bool(address.emergency_enabled),
        **{field: getattr(address, field) for field in _FIELDS},
    }


class EmergencyAddressProvider(TwilioProvider):
    kind = "emergency address"
    update_fields = ("friendly_name", "emergency_enabled")
    replace_fields = ("account_sid", *_FIELDS)

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        found = call_twilio(lambda: client.addresses.list(limit=100), what="listing addresses")
        return [
            _outs(a) for a in found if parse_tag(a.friendly_name).name == props["friendly_name"]
        ]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        def get() -> dict[str, Any] | None:
            try:
                return _outs(client.addresses(sid).fetch())
            except TwilioRestException as error:
                if error.status == _NOT_FOUND:
                    return None
                raise

        return call_twilio(get, what="reading the emergency address")

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _outs(
                client.addresses.create(
                    friendly_name=props["twilio_name"],
                    emergency_enabled=True,
                    auto_correct_address=False,  # the person's address as they wrote it
                    **{field: props[field] for field in _FIELDS},
                )
            ),
            what="registering the emergency address",
            lookup=lambda: self.mine(client, props),
        )

    def adopt(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        found = self.fetch(client, sid, props)
        if found is not None and any(found[f] != props[f] for f in _FIELDS):
            return self.make(client, props)  # another address under our name: a new one
        return self.change(client, sid, props)

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _outs(
                client.addresses(sid).update(
                    friendly_name=props["twilio_name"], emergency_enabled=True
                )
            ),
            what="updating the emergency address",
        )

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        def delete() -> None:
            try:
                client.addresses(sid).delete()
            except TwilioRestException as error:
                if error.status != _NOT_FOUND:
                    raise

        call_twilio(delete, what="deleting the emergency address")


class EmergencyAddress(dynamic.Resource, module="ethiq", name="TwilioEmergencyAddress"):
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        owner: pulumi.Input[dict[str, str]],
        address: dict[str, str],
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "account_sid": account_sid,
            "friendly_name": friendly_name,
            "owner": owner,
            "emergency_enabled": True,
            **{field: address[field] for field in _FIELDS},
            CREDENTIALS: credentials,
            "sid": None,
        }
        secret = pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS])
        super().__init__(
            EmergencyAddressProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )
