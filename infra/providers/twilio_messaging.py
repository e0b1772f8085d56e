"""The tenant's Messaging Service: the number in its sender pool, its webhooks on the runtime.

Every SMS of the tenant (alerts, replies to the person) is sent with ``messaging_service_sid``,
so Twilio applies the service's Advanced Opt-Out: French and English keywords whose state Twilio
enforces (a blocked contact gets 21610), answered by Twilio, forwarded with ``OptOutType``.
https://www.twilio.com/docs/messaging/api/service-resource
https://www.twilio.com/docs/messaging/api/phonenumber-resource
https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out

Two things are not declarable here, and the stack says so in its outputs:

- **Advanced Opt-Out keywords** have no REST resource (the Messaging Services API, and the twilio
  SDK generated from Twilio's OpenAPI, have none): an operator sets them once per service in the
  Console (docs/runbooks.md, "Advanced Opt-Out"), from :data:`runtime.alerts.keywords.
  ADVANCED_OPT_OUT`;
- messaging.twilio.com URLs name no account: requests act on the account whose credentials sign
  them, so this provider authenticates as the subaccount
  (:class:`infra.providers.base.SubaccountProvider`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import pulumi
from pulumi import dynamic
from twilio.base.exceptions import TwilioRestException

from infra.providers.base import CREDENTIALS, SubaccountProvider
from infra.providers.ownership import parse_tag
from infra.providers.retry import ProvisioningError, call_twilio

if TYPE_CHECKING:  # the SDK's client loads requests: ~0.2 s per process, types only
    from twilio.rest import Client

__all__ = ["CONSOLE_STEP", "MessagingSender", "MessagingService"]

_NOT_FOUND = 404
CONSOLE_STEP: Final = (
    "Advanced Opt-Out is set in the Twilio Console only: Messaging > Services > {sid} > "
    "Opt-Out Management, the French and English keywords and replies that "
    "`ethiq tenant opt-out-replies {tenant}` prints (docs/runbooks.md, Advanced Opt-Out)"
)
_FIELDS: Final = ("inbound_request_url", "status_callback", "use_inbound_webhook_on_number")


def _fetched(get: Any) -> dict[str, Any] | None:
    try:
        result: dict[str, Any] | None = get()
    except TwilioRestException as error:
        if error.status == _NOT_FOUND:
            return None
        raise
    return result


def _service(service: Any) -> dict[str, Any]:
    """What Twilio holds, under the input names: a webhook changed in Twilio shows as drift."""
    return {
        "sid": service.sid,
        "twilio_name": service.friendly_name,
        "inbound_request_url": service.inbound_request_url,
        "status_callback": service.status_callback,
        "use_inbound_webhook_on_number": service.use_inbound_webhook_on_number,
    }


def _settings(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "friendly_name": props["twilio_name"],
        "inbound_request_url": props["inbound_request_url"],
        "inbound_method": "POST",
        "status_callback": props["status_callback"],
        # The service's inbound URL, not the number's: one place for the webhook Twilio signs.
        "use_inbound_webhook_on_number": False,
        "usecase": "notifications",
    }


def _campaign_status(client: Client, service_sid: str, campaign: str) -> str:
    """The status of the service's A2P 10DLC campaign ``campaign`` (``QE…``), checked on
    Twilio (https://www.twilio.com/docs/messaging/api/usapptoperson-resource): a campaign that
    is not this service's, or that failed vetting, stops the update with what to do."""
    if not campaign.startswith("QE"):
        return campaign  # "" (none) or "pending": nothing registered yet
    try:
        found = call_twilio(
            lambda: client.messaging.v1.services(service_sid).us_app_to_person(campaign).fetch(),
            what="reading the A2P 10DLC campaign",
        )
    except ProvisioningError as error:
        if "HTTP 404" not in str(error):
            raise
        raise ProvisioningError(
            f"the A2P 10DLC campaign {campaign} is not registered on this tenant's Messaging "
            f"Service {service_sid}: register the campaign on that service (Messaging > "
            "Regulatory Compliance), or correct ethiq:a2pCampaign"
        ) from None
    status = str(found.campaign_status or "")
    if status == "FAILED":
        raise ProvisioningError(
            f"the A2P 10DLC campaign {campaign} failed vetting (Twilio: FAILED): fix and "
            "resubmit it in the Console (Messaging > Regulatory Compliance > Campaigns); US "
            "recipients get no texts until it is verified"
        )
    if status != "VERIFIED":
        pulumi.log.warn(
            f"the A2P 10DLC campaign {campaign} is {status or 'not verified yet'}: US "
            "recipients get no texts until it is verified"
        )
    return status


TOLLFREE_APPROVED: Final = "TWILIO_APPROVED"
TOLLFREE_REJECTED: Final = "TWILIO_REJECTED"
TOLLFREE_NONE: Final = "NOT_SUBMITTED"


def _tollfree_status(client: Client, number_sid: str) -> str:
    """The Toll-Free Verification status of the tenant's toll-free number, checked on Twilio
    (https://www.twilio.com/docs/messaging/api/tollfree-verification-resource); an unverified
    toll-free number's texts to the US and Canada fail (30032). Like the A2P 10DLC campaign:
    approved passes, under review warns on every ``up``, rejected stops the update with what
    to do. None submitted yet warns: it is submitted for the number this ``up`` buys."""
    found = call_twilio(
        lambda: client.messaging.v1.tollfree_verifications.list(
            tollfree_phone_number_sid=number_sid, limit=1
        ),
        what="reading the Toll-Free Verification",
    )
    if not found:
        pulumi.log.warn(
            f"no Toll-Free Verification was submitted for the tenant's toll-free number "
            f"{number_sid}: submit it (Messaging > Regulatory Compliance > Toll-Free "
            "Verifications); US and Canadian recipients get no texts until it is approved"
        )
        return TOLLFREE_NONE
    verification = found[0]
    status = str(verification.status or "")
    if status == TOLLFREE_REJECTED:
        raise ProvisioningError(
            f"the Toll-Free Verification {verification.sid} of the tenant's number was rejected "
            f"({verification.rejection_reason or 'no reason given'}): fix and resubmit it in "
            "the Console (Messaging > Regulatory Compliance > Toll-Free Verifications); US and "
            "Canadian recipients get no texts until it is approved"
        )
    if status != TOLLFREE_APPROVED:
        pulumi.log.warn(
            f"the Toll-Free Verification {verification.sid} is {status or 'not reviewed yet'}: "
            "US and Canadian recipients get no texts until it is approved"
        )
    return status


class MessagingServiceProvider(SubaccountProvider):
    kind = "Messaging Service"
    update_fields = ("friendly_name", *_FIELDS, "a2p_campaign")
    replace_fields = ("account_sid",)

    def _with_campaign(
        self, client: Client, outs: dict[str, Any], props: dict[str, Any]
    ) -> dict[str, Any]:
        campaign = str(props.get("a2p_campaign") or "")
        status = _campaign_status(client, outs["sid"], campaign)
        return outs | {"a2p_campaign": campaign, "a2p_campaign_status": status}

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        services = call_twilio(
            lambda: client.messaging.v1.services.list(limit=100),
            what="listing Messaging Services",
        )
        return [
            _service(s)
            for s in services
            if parse_tag(s.friendly_name).name == props["friendly_name"]
        ]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        return call_twilio(
            lambda: _fetched(lambda: _service(client.messaging.v1.services(sid).fetch())),
            what="reading the Messaging Service",
        )

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        outs = call_twilio(
            lambda: _service(client.messaging.v1.services.create(**_settings(props))),
            what="creating the Messaging Service",
            lookup=lambda: self.mine(client, props),
        )
        return self._with_campaign(client, outs, props)

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        outs = call_twilio(
            lambda: _service(client.messaging.v1.services(sid).update(**_settings(props))),
            what="updating the Messaging Service",
        )
        return self._with_campaign(client, outs, props)

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        def delete() -> None:
            try:
                client.messaging.v1.services(sid).delete()
            except TwilioRestException as error:
                if error.status != _NOT_FOUND:
                    raise

        call_twilio(delete, what="deleting the Messaging Service")


class MessagingSenderProvider(SubaccountProvider):
    """The number in the service's sender pool (the pool entry's SID is the number's)."""

    kind = "Messaging Service sender"
    update_fields = ("toll_free",)
    replace_fields = ("account_sid", "service_sid", "phone_number_sid")
    tagged = False

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        """As every resource, and a toll-free sender not approved yet is read again on every
        ``up`` (its review goes on at Twilio)."""
        result = super().diff(_id, olds, news)
        pending = news.get("toll_free") and olds.get("toll_free_status") != TOLLFREE_APPROVED
        if pending and not result.changes:
            return dynamic.DiffResult(changes=True, replaces=[], delete_before_replace=False)
        return result

    def _verified(
        self, client: Client, outs: dict[str, Any], props: dict[str, Any]
    ) -> dict[str, Any]:
        if not props.get("toll_free"):
            return outs
        return outs | {"toll_free_status": _tollfree_status(client, props["phone_number_sid"])}

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        pool = call_twilio(
            client.messaging.v1.services(props["service_sid"]).phone_numbers.list,
            what="listing the Messaging Service's senders",
        )
        return [{"sid": n.sid} for n in pool if n.sid == props["phone_number_sid"]]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        pool = client.messaging.v1.services(props["service_sid"]).phone_numbers
        return call_twilio(
            lambda: _fetched(lambda: {"sid": pool(sid).fetch().sid}),
            what="reading the Messaging Service's sender",
        )

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        pool = client.messaging.v1.services(props["service_sid"]).phone_numbers
        outs = call_twilio(
            lambda: {"sid": pool.create(phone_number_sid=props["phone_number_sid"]).sid},
            what="adding the number to the Messaging Service",
            lookup=lambda: self.mine(client, props),
        )
        return self._verified(client, outs, props)

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return self._verified(client, {"sid": sid}, props)  # the other fields replace

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        def delete() -> None:
            try:
                client.messaging.v1.services(props["service_sid"]).phone_numbers(sid).delete()
            except TwilioRestException as error:
                if error.status != _NOT_FOUND:
                    raise

        call_twilio(delete, what="removing the number from the Messaging Service")


def _options(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    extra = pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS])
    return pulumi.ResourceOptions.merge(opts, extra)


class MessagingService(dynamic.Resource, module="ethiq", name="TwilioMessagingService"):
    sid: pulumi.Output[str]
    a2p_campaign_status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        owner: pulumi.Input[dict[str, str]],
        inbound_request_url: pulumi.Input[str],
        status_callback: pulumi.Input[str],
        credentials: pulumi.Input[dict[str, str]],
        a2p_campaign: str = "",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "account_sid": account_sid,
            "a2p_campaign": a2p_campaign,
            "a2p_campaign_status": None,
            "friendly_name": friendly_name,
            "owner": owner,
            "inbound_request_url": inbound_request_url,
            "status_callback": status_callback,
            "use_inbound_webhook_on_number": False,
            CREDENTIALS: credentials,
            "sid": None,
        }
        super().__init__(MessagingServiceProvider(), name, props, _options(opts))


class MessagingSender(dynamic.Resource, module="ethiq", name="TwilioMessagingSender"):
    sid: pulumi.Output[str]
    # A toll-free sender's only (``toll_free=True``): its Toll-Free Verification's status.
    toll_free_status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        service_sid: pulumi.Input[str],
        phone_number_sid: pulumi.Input[str],
        credentials: pulumi.Input[dict[str, str]],
        toll_free: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "account_sid": account_sid,
            "service_sid": service_sid,
            "phone_number_sid": phone_number_sid,
            CREDENTIALS: credentials,
            "sid": None,
        }
        if toll_free:  # only then: a local tenant's inputs stay as they were
            props |= {"toll_free": True, "toll_free_status": None}
        super().__init__(MessagingSenderProvider(), name, props, _options(opts))
