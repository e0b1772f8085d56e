"""The tenant's phone number: bought near the person, pointed at the runtime.

Search, in order, until something fits (voice + SMS, no address requirement, in the region):

1. within 25 miles of ``near``;
2. within 100 miles of ``near``;
3. anywhere in the region.

Then buy the first candidate; a number taken meanwhile (21422) moves on to the next. Nothing
anywhere: a clear error. Webhook URLs and the friendly name are updated in place; the number is
kept when ``near`` changes (people keep their number). People forward their calls to it, so the
tenant protects it until ``ethiq:allowDestroy`` (infra/tenant.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import pulumi
from pulumi import dynamic
from twilio.base.exceptions import TwilioRestException

from infra.providers.base import CREDENTIALS, TwilioProvider
from infra.providers.database import billing_activation
from infra.providers.ownership import parse_tag
from infra.providers.retry import ProvisioningError, call_twilio

if TYPE_CHECKING:  # the resource classes cost ~0.3 s to import: types only
    from twilio.rest import Client
    from twilio.rest.api.v2010.account.incoming_phone_number import IncomingPhoneNumberInstance


__all__ = ["ACTIVATION", "HELD", "SEARCH_STEPS", "TOLL_FREE", "PhoneNumber", "PhoneNumberProvider"]

SEARCH_STEPS: Final = (("within 25 miles", 25), ("within 100 miles", 100), ("in the region", None))
_URL_FIELDS: Final = ("voice_url", "voice_fallback_url", "status_callback", "sms_url")
# GET for the Twilio-hosted fallback (static documents, infra/providers/twilio_serverless.py).
_METHOD_FIELDS: Final = ("voice_fallback_method",)
# The person's emergency address (twilio_address.py); "" while there is none. Twilio's contract
# takes no empty EmergencyAddressSid, so only a set one is sent.
_EMERGENCY = "emergency_address_sid"
# What the purchase was gated on (runtime/billing/activation.py), an input the provider's check
# adds: the activation-gate policy reads it before the engine buys the number.
ACTIVATION: Final = "activation"
# A number in the state from before the gate: it was bought then, nothing is bought now.
HELD: Final = {"source": "held", "note": "number bought before activation gating"}
# ethiq:sender toll-free: the number is bought among toll-free ones (kept when the key changes,
# like ``near``: people forward their calls to it).
TOLL_FREE: Final = "toll_free"
_NOT_AVAILABLE = 21422
_NO_MATCH = 21452
_NOT_FOUND = 404


class PhoneNumberProvider(TwilioProvider):
    kind = "phone number"
    update_fields = ("friendly_name", *_URL_FIELDS, *_METHOD_FIELDS, _EMERGENCY)
    replace_fields = ("account_sid",)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.CheckResult:
        """Add what buying the number is gated on. The engine checks (then runs the policies
        on) a resource's inputs before every step, with no old inputs when it is about to be
        created: only then is the tenant's billing account read. A number already bought keeps
        the record of its purchase, so a later change of KYC status never blocks the stack
        (e.g. adding an emergency contact)."""
        if olds:
            return dynamic.CheckResult({**news, ACTIVATION: olds.get(ACTIVATION) or HELD}, [])
        return dynamic.CheckResult({**news, ACTIVATION: billing_activation(news)}, [])

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        found = call_twilio(
            lambda: client.incoming_phone_numbers.list(limit=100),
            what="looking up the tenant's number",
        )
        return [
            _outs(n) for n in found if parse_tag(n.friendly_name).name == props["friendly_name"]
        ]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        def get() -> dict[str, Any] | None:
            try:
                return _outs(client.incoming_phone_numbers(sid).fetch())
            except TwilioRestException as error:
                if error.status == _NOT_FOUND:
                    return None
                raise

        return call_twilio(get, what="reading the tenant's number")

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        for candidate in self.candidates(client, props):
            try:
                return call_twilio(
                    lambda number=candidate: _outs(  # type: ignore[misc]
                        client.incoming_phone_numbers.create(
                            phone_number=number,
                            friendly_name=props["twilio_name"],
                            **_webhooks(props),
                        )
                    ),
                    what=f"buying {candidate}",
                    lookup=lambda: self.mine(client, props),
                )
            except ProvisioningError as error:
                if error.code != _NOT_AVAILABLE:
                    raise
        raise ProvisioningError(
            f"every number found in {props['country']}-{props['in_region']} was taken while "
            "buying; run the update again",
            _NOT_AVAILABLE,
        )

    def candidates(self, client: Client, props: dict[str, Any]) -> list[str]:
        """Numbers to try, from the first search step that finds any (a toll-free number has
        no place: one search, https://www.twilio.com/docs/phone-numbers/api/availablephonenumbertollfree-resource)."""
        if props.get(TOLL_FREE):
            found = call_twilio(
                lambda: client.available_phone_numbers(props["country"]).toll_free.list(
                    voice_enabled=True, sms_enabled=True, limit=20
                ),
                what="searching for a toll-free number",
            )
            if found:
                return [n.phone_number for n in found if n.phone_number]
            raise ProvisioningError(
                f"no Twilio toll-free number with voice and SMS in {props['country']}: ask "
                "Twilio about inventory, or set ethiq:sender: local",
                _NO_MATCH,
            )
        for _label, distance in SEARCH_STEPS:
            criteria: dict[str, Any] = {
                "in_region": props["in_region"],
                "voice_enabled": True,
                "sms_enabled": True,
                "exclude_all_address_required": True,
                "limit": 20,
            }
            if distance is not None:
                criteria |= {"near_lat_long": props["near"], "distance": distance}
            try:
                found = call_twilio(
                    lambda c=criteria: client.available_phone_numbers(  # type: ignore[misc]
                        props["country"]
                    ).local.list(**c),
                    what="searching for a number",
                )
            except ProvisioningError as error:
                if error.code != _NO_MATCH:
                    raise
                found = []  # some searches answer 21452 instead of an empty list: widen
            if found:
                return [n.phone_number for n in found if n.phone_number]
        steps = ", ".join(label for label, _ in SEARCH_STEPS)
        raise ProvisioningError(
            f"no Twilio number with voice and SMS and no address requirement near "
            f"{props['near']} in {props['country']}-{props['in_region']} (searched {steps}). "
            "Set ethiq:near to another place in the region, or ask Twilio about inventory.",
            _NO_MATCH,
        )

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _outs(
                client.incoming_phone_numbers(sid).update(
                    friendly_name=props["twilio_name"], **_webhooks(props)
                )
            ),
            what="updating the number's webhooks",
        )

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        def release() -> None:
            try:
                client.incoming_phone_numbers(sid).delete()
            except TwilioRestException as error:
                if error.status != _NOT_FOUND:  # already released, e.g. with its subaccount
                    raise

        call_twilio(release, what="releasing the number")


def _webhooks(props: dict[str, Any]) -> dict[str, str]:
    emergency = props.get(_EMERGENCY) or ""
    return ({_EMERGENCY: emergency} if emergency else {}) | {
        "voice_url": props["voice_url"],
        "voice_method": "POST",
        "voice_fallback_url": props["voice_fallback_url"],
        "voice_fallback_method": props.get("voice_fallback_method") or "POST",
        "status_callback": props["status_callback"],
        "status_callback_method": "POST",
        "sms_url": props["sms_url"],
        "sms_method": "POST",
    }


def _outs(number: IncomingPhoneNumberInstance) -> dict[str, Any]:
    """What Twilio holds, under the input names: a webhook changed in Twilio shows as drift."""
    live = {field: getattr(number, field) for field in (*_URL_FIELDS, *_METHOD_FIELDS)}
    return {
        "sid": number.sid,
        "phone_number": number.phone_number,
        "twilio_name": number.friendly_name,
        **live,
        _EMERGENCY: number.emergency_address_sid or "",
    }


class PhoneNumber(dynamic.Resource, module="ethiq", name="TwilioPhoneNumber"):
    sid: pulumi.Output[str]
    phone_number: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        owner: pulumi.Input[dict[str, str]],
        country: pulumi.Input[str],
        in_region: pulumi.Input[str],
        near: pulumi.Input[str],
        webhooks: Mapping[str, pulumi.Input[str]],
        credentials: pulumi.Input[dict[str, str]],
        tenant: str,
        database_url: pulumi.Input[str],
        voice_fallback_method: str = "POST",
        emergency_address_sid: pulumi.Input[str] = "",
        toll_free: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "account_sid": account_sid,
            "friendly_name": friendly_name,
            "owner": owner,
            "country": country,
            "in_region": in_region,
            "near": near,
            "voice_fallback_method": voice_fallback_method,
            _EMERGENCY: emergency_address_sid,
            CREDENTIALS: credentials,
            # Where the provider's check reads the tenant's billing account (secret).
            "tenant": tenant,
            "database_url": database_url,
            "sid": None,
            "phone_number": None,
        }
        props |= {field: webhooks[field] for field in _URL_FIELDS}
        if toll_free:  # only then: a local tenant's inputs stay as they were
            props[TOLL_FREE] = True
        secret = pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS, "database_url"])
        super().__init__(
            PhoneNumberProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )
