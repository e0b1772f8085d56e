"""US texting registration made by the stack, as Twilio's ISV guides do it through the API.

- **A2P 10DLC brand** (:class:`A2PBrand`): a Secondary Customer Profile in Trust Hub (business
  information with the EIN, an authorized representative, the business address as an Address
  and its Supporting Document), an A2P Messaging Profile holding it, both submitted, then the
  ``BrandRegistration`` made of the two. https://www.twilio.com/docs/messaging/compliance/
  a2p-10dlc/onboarding-isv-api
- **A2P 10DLC campaign** (:class:`A2PCampaign`): the ``UsAppToPerson`` of the tenant's Messaging
  Service under that brand, made once The Campaign Registry approved the brand.
  https://www.twilio.com/docs/messaging/api/usapptoperson-resource
- **Toll-Free Verification** (:class:`TollfreeVerification`) of a toll-free sender.
  https://www.twilio.com/docs/messaging/api/tollfree-verification-resource

Vetting takes Twilio and TCR days: each resource is read again on every ``up`` until it is
approved (its ``diff`` says so), and its ``status`` output says where it stands; the tenant's
``usTexting`` output sums the registration up (:func:`us_texting_status`). A failed vetting is
a warning with TCR's reason, not a stop: the rest of the tenant's stack still applies.

The identity (EIN, address, representative) is a secret input from the stack's secret config:
every output that copies it is listed in ``additional_secret_outputs``, so the state holds it
encrypted only. All three live in the tenant's subaccount and sign with its credentials (v1
URLs name no account). Twilio's API deletes no brand: a destroy leaves it (and the profiles it
holds) at Twilio (``retain_on_delete``); the campaign and the verification are deleted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Final

import pulumi
from pulumi import dynamic
from twilio.base.exceptions import TwilioRestException

from infra.providers.base import CREDENTIALS, SubaccountProvider
from infra.providers.retry import ProvisioningError, call_twilio

if TYPE_CHECKING:  # the SDK's client loads requests: ~0.2 s per process, types only
    from twilio.rest import Client

__all__ = [
    "A2PBrand",
    "A2PBrandProvider",
    "A2PCampaign",
    "A2PCampaignProvider",
    "TollfreeVerification",
    "TollfreeVerificationProvider",
    "registry_us_texting",
    "retained_brand",
    "us_texting_status",
]

_NOT_FOUND = 404
IDENTITY: Final = "identity"
# Trust Hub policies of the ISV guide: Secondary Customer Profile, A2P Messaging Profile.
SECONDARY_PROFILE_POLICY: Final = "RNdfbf3fae0e1107f8aded0e7cead80bf5"
A2P_PROFILE_POLICY: Final = "RNb0d4771c2c98518d916a3d4cd70a8f8b"
BRAND_APPROVED: Final = "APPROVED"
CAMPAIGN_VERIFIED: Final = "VERIFIED"
TOLLFREE_APPROVED: Final = "TWILIO_APPROVED"
WAITING_FOR_BRAND: Final = "WAITING_FOR_BRAND"
PENDING: Final = "pending registration"
_EIN = re.compile(r"^\d{2}-?\d{7}$")
_FAILED = frozenset({"FAILED", "TWILIO_REJECTED", "SUSPENDED"})


def us_texting_status(*statuses: str | None) -> str:
    """One line for the tenant's ``usTexting`` output from its registrations' statuses:
    ``verified`` when all are approved, ``failed (…)`` when one failed, else
    :data:`PENDING`."""
    failed = [s for s in statuses if s and s.split(":")[0] in _FAILED]
    if failed:
        return f"failed ({'; '.join(failed)})"
    approved = {BRAND_APPROVED, CAMPAIGN_VERIFIED, TOLLFREE_APPROVED}
    if statuses and all(s in approved for s in statuses):
        return "verified"
    return PENDING


def retained_brand(sid: str) -> str:
    """What a destroy (or a replacement) of a brand says: it stays registered at Twilio."""
    return (
        f"the A2P 10DLC brand {sid} stays registered at Twilio, with its Trust Hub profiles and "
        "address (Twilio's API deletes no brand): delete it in the Console (Messaging > "
        "Regulatory Compliance > Brands) if the business texts no more"
    )


def registry_us_texting(
    summary: str | None, campaign_status: str | None, tollfree_status: str | None = None
) -> str:
    """What the runtime's registry keeps for the person's page (``TenantRecord.us_texting``):
    ``approved``, ``pending`` (failed vetting included: texts are blocked alike) or ``""`` (no
    sender to register). ``summary`` is the stack's own registration (:func:`us_texting_status`),
    else the status of a campaign the operator declared (``ethiq:a2pCampaign``), else the
    Toll-Free Verification of a toll-free sender as the sender pool read it on Twilio
    (``ethiq:sender: toll-free`` without ``ethiq:usTexting``, in Canada as in the US: the
    verification submitted in the Console). Twilio's statuses are ``PENDING_REVIEW``,
    ``IN_REVIEW``, ``TWILIO_APPROVED`` and ``TWILIO_REJECTED``
    (https://www.twilio.com/docs/messaging/api/tollfree-verification-resource); none
    submitted yet (``NOT_SUBMITTED``) is pending too."""
    line = (
        summary
        or (us_texting_status(campaign_status) if campaign_status else "")
        or (us_texting_status(tollfree_status) if tollfree_status else "")
    )
    if not line:
        return ""
    return "approved" if line == "verified" else "pending"


def _identity(props: dict[str, Any]) -> dict[str, Any]:
    """The secret identity, checked: what a bad one lacks is said before anything is made."""
    identity = props.get(IDENTITY)
    if not isinstance(identity, dict):
        raise ProvisioningError("the US texting identity (ethiq:usTextingIdentity) is missing")
    ein = str(identity.get("ein") or "")
    address = identity.get("address")
    fields = ("street", "city", "region", "postalCode")
    if not _EIN.match(ein):
        raise ProvisioningError("ethiq:usTextingIdentity: ein is not an EIN (12-3456789)")
    if not isinstance(address, dict) or not all(address.get(k) for k in fields):
        raise ProvisioningError(
            f"ethiq:usTextingIdentity: address needs {', '.join(fields)} (the business's)"
        )
    return identity


def _gone(action: Callable[[], Any], what: str) -> None:
    """Delete, a 404 meaning already deleted."""

    def delete() -> None:
        try:
            action()
        except TwilioRestException as error:
            if error.status != _NOT_FOUND:
                raise

    call_twilio(delete, what=what)


def _fetched(get: Callable[[], Any], what: str) -> Any | None:
    def fetch() -> Any | None:
        try:
            return get()
        except TwilioRestException as error:
            if error.status == _NOT_FOUND:
                return None
            raise

    return call_twilio(fetch, what=what)


def _warn_failed(kind: str, status: str, reason: str | None, fix: str) -> None:
    pulumi.log.warn(
        f"the {kind} failed vetting ({status}: {reason or 'no reason given'}): {fix}; "
        "US recipients get no texts until it is approved"
    )


class _Pending(SubaccountProvider):
    """A registration under review at Twilio: read again on every ``up`` until approved."""

    tagged = False
    approved: str = ""
    # Twilio holds one per service or number: a replacement deletes the old one first.
    one_at_a_time: bool = False

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        result = super().diff(_id, olds, news)
        pending = olds.get("status") != self.approved
        return dynamic.DiffResult(
            changes=bool(result.changes) or pending,
            replaces=result.replaces,
            delete_before_replace=self.one_at_a_time and bool(result.replaces),
        )

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        return []  # nothing to adopt: each is made once per resource, its SID kept in the state


class A2PBrandProvider(_Pending):
    kind = "A2P 10DLC brand"
    replace_fields = ("account_sid", "business", IDENTITY)
    approved = BRAND_APPROVED

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        identity, business = _identity(props), props["business"]
        trust = client.trusthub.v1
        made: list[Callable[[], Any]] = []  # what to remove if a later step fails
        try:
            profile = call_twilio(
                lambda: trust.customer_profiles.create(
                    friendly_name=props["friendly_name"],
                    email=business["email"],
                    policy_sid=SECONDARY_PROFILE_POLICY,
                ),
                what="creating the Trust Hub customer profile",
            )
            made.append(trust.customer_profiles(profile.sid).delete)
            address = identity["address"]
            place = call_twilio(
                lambda: client.addresses.create(
                    customer_name=business["name"],
                    street=address["street"],
                    city=address["city"],
                    region=address["region"],
                    postal_code=address["postalCode"],
                    iso_country="US",
                    friendly_name=props["friendly_name"],
                ),
                what="creating the business address",
            )
            made.append(client.addresses(place.sid).delete)
            contact = business["contact"]
            held = [
                (
                    "end_users",
                    "customer_profile_business_information",
                    {
                        "business_name": business["name"],
                        "business_identity": "direct_customer",
                        "business_type": business["type"],
                        "business_industry": business["industry"],
                        "business_registration_identifier": "EIN",
                        "business_registration_number": identity["ein"],
                        "business_regions_of_operation": "USA_AND_CANADA",
                        "website_url": business["website"],
                        "social_media_profile_urls": "",
                    },
                ),
                (
                    "end_users",
                    "authorized_representative_1",
                    {
                        "first_name": contact["firstName"],
                        "last_name": contact["lastName"],
                        "email": contact["email"],
                        "phone_number": contact["phone"],
                        "business_title": contact["title"],
                        "job_position": contact.get("position") or "Director",
                    },
                ),
                ("supporting_documents", "customer_profile_address", {"address_sids": place.sid}),
            ]
            profile_items = trust.customer_profiles(
                profile.sid
            ).customer_profiles_entity_assignments
            for collection, type_, attributes in held:
                item = call_twilio(
                    partial(
                        getattr(trust, collection).create,
                        friendly_name=f"{props['friendly_name']} {type_}",
                        type=type_,
                        attributes=attributes,
                    ),
                    what=f"creating the profile's {type_}",
                )
                call_twilio(
                    partial(profile_items.create, object_sid=item.sid),
                    what=f"assigning the {type_} to the customer profile",
                )
            call_twilio(
                lambda: trust.customer_profiles(profile.sid).update(status="pending-review"),
                what="submitting the customer profile for review",
            )
            product = call_twilio(
                lambda: trust.trust_products.create(
                    friendly_name=props["friendly_name"],
                    email=business["email"],
                    policy_sid=A2P_PROFILE_POLICY,
                ),
                what="creating the A2P messaging profile",
            )
            made.append(trust.trust_products(product.sid).delete)
            messaging = call_twilio(
                lambda: trust.end_users.create(
                    friendly_name=f"{props['friendly_name']} A2P profile",
                    type="us_a2p_messaging_profile_information",
                    attributes={"company_type": business.get("companyType") or "private"},
                ),
                what="creating the A2P messaging profile information",
            )
            assignments = trust.trust_products(product.sid).trust_products_entity_assignments
            for sid in (messaging.sid, profile.sid):
                call_twilio(
                    partial(assignments.create, object_sid=sid),
                    what="assigning to the A2P messaging profile",
                )
            call_twilio(
                lambda: trust.trust_products(product.sid).update(status="pending-review"),
                what="submitting the A2P messaging profile for review",
            )
            brand = call_twilio(
                lambda: client.messaging.v1.brand_registrations.create(
                    customer_profile_bundle_sid=profile.sid,
                    a2p_profile_bundle_sid=product.sid,
                    brand_type="STANDARD",
                ),
                what="registering the A2P 10DLC brand",
            )
        except Exception:
            for remove in reversed(made):  # no half-made registration left behind
                try:
                    remove()
                except TwilioRestException as error:
                    pulumi.log.warn(f"cleaning up a failed brand registration: {error}")
            raise
        return {
            "sid": brand.sid,
            "customer_profile_sid": profile.sid,
            "trust_product_sid": product.sid,
            "address_sid": place.sid,
            "status": str(brand.status),
        }

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        brand = _fetched(
            client.messaging.v1.brand_registrations(sid).fetch, "reading the A2P 10DLC brand"
        )
        if brand is None:
            return None
        status = str(brand.status)
        if status in _FAILED:
            _warn_failed(
                "A2P 10DLC brand",
                status,
                brand.failure_reason,
                "correct ethiq:usTexting / ethiq:usTextingIdentity and apply (a new brand)",
            )
            status = f"{status}: {brand.failure_reason or 'no reason given'}"
        return {"sid": brand.sid, "status": status}

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return self.fetch(client, sid, props) or {"sid": sid, "status": "gone"}

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        """Twilio's API deletes no brand: :class:`A2PBrand` is retained on delete, so the engine
        calls this only for a state written before it was (kept, and said, alike)."""
        pulumi.log.warn(retained_brand(sid))


class A2PCampaignProvider(_Pending):
    """The service's campaign, made once its brand is approved: until then it waits (no SID),
    and the brand's status, an input, brings the update that registers it."""

    kind = "A2P 10DLC campaign"
    update_fields = ("brand_status",)
    replace_fields = ("account_sid", "service_sid", "brand_sid", "campaign")
    approved = CAMPAIGN_VERIFIED
    one_at_a_time = True

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        if props.get("brand_status") != BRAND_APPROVED:
            pulumi.log.warn(
                f"the A2P 10DLC campaign waits for its brand {props['brand_sid']} "
                f"({props.get('brand_status') or 'PENDING'}): US recipients get no texts yet"
            )
            return {"sid": f"waiting-{props['service_sid']}", "status": WAITING_FOR_BRAND}
        campaign = props["campaign"]
        # Twilio holds one campaign per Messaging Service and documents no code for a second
        # one: look first (an earlier up whose answer was lost), adopt it if it is this brand's.
        if (existing := self._registered(client, props)) is not None:
            return existing
        try:
            made = call_twilio(
                lambda: client.messaging.v1.services(props["service_sid"]).us_app_to_person.create(
                    brand_registration_sid=props["brand_sid"],
                    description=campaign["description"],
                    message_flow=campaign["messageFlow"],
                    message_samples=campaign["messageSamples"],
                    us_app_to_person_usecase=campaign["usecase"],
                    has_embedded_links=campaign["hasEmbeddedLinks"],
                    has_embedded_phone=campaign["hasEmbeddedPhone"],
                ),
                what="registering the A2P 10DLC campaign",
            )
        except ProvisioningError:  # a retry after a lost answer is refused: it was made
            if (existing := self._registered(client, props)) is not None:
                return existing
            raise
        return {"sid": made.sid, "campaign_sid": made.sid, "status": str(made.campaign_status)}

    @staticmethod
    def _registered(client: Client, props: dict[str, Any]) -> dict[str, Any] | None:
        """The service's campaign if it has one: adopted when it is this stack's brand's (the
        service and the brand are the stack's own), else a clear error, since Twilio takes no
        second campaign on a service.
        https://www.twilio.com/docs/messaging/api/usapptoperson-resource"""
        service, brand = props["service_sid"], props["brand_sid"]
        found = call_twilio(
            lambda: client.messaging.v1.services(service).us_app_to_person.list(limit=20),
            what="reading the Messaging Service's A2P 10DLC campaigns",
        )
        for campaign in found:
            if (other := campaign.brand_registration_sid) != brand:
                raise ProvisioningError(
                    f"the Messaging Service {service} already has the A2P 10DLC campaign "
                    f"{campaign.sid} of another brand ({other or 'none'}) "
                    "and Twilio takes one campaign per service: delete it (Messaging > "
                    "Regulatory Compliance > Campaigns), or declare it as ethiq:a2pCampaign "
                    "instead of ethiq:usTexting"
                )
            pulumi.log.info(
                f"the A2P 10DLC campaign {campaign.sid} of brand {brand} is already registered "
                f"on the Messaging Service {service}: adopted"
            )
            return {
                "sid": campaign.sid,
                "campaign_sid": campaign.sid,
                "status": str(campaign.campaign_status),
            }
        return None

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        if not sid.startswith("QE"):
            return {"sid": sid, "status": WAITING_FOR_BRAND}
        found = _fetched(
            client.messaging.v1.services(props["service_sid"]).us_app_to_person(sid).fetch,
            "reading the A2P 10DLC campaign",
        )
        if found is None:
            return None
        status = str(found.campaign_status)
        if status in _FAILED:
            reason = (
                "; ".join(str(e.get("description") or e) for e in (found.errors or []) if e) or None
            )
            _warn_failed(
                "A2P 10DLC campaign",
                status,
                reason,
                "correct ethiq:usTexting (campaign) and apply (a new campaign)",
            )
            status = f"{status}: {reason or 'no reason given'}"
        return {"sid": sid, "campaign_sid": sid, "status": status}

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        if not sid.startswith("QE"):
            return self.make(client, props)  # its brand may be approved now
        return self.fetch(client, sid, props) or self.make(client, props)

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        campaign = props.get("campaign_sid") or sid
        if not str(campaign).startswith("QE"):
            return  # never registered
        _gone(
            client.messaging.v1.services(props["service_sid"]).us_app_to_person(campaign).delete,
            "deleting the A2P 10DLC campaign",
        )


class TollfreeVerificationProvider(_Pending):
    kind = "Toll-Free Verification"
    replace_fields = ("account_sid", "phone_number_sid", "business", IDENTITY)
    approved = TOLLFREE_APPROVED
    one_at_a_time = True

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        identity, business = _identity(props), props["business"]
        address, contact, campaign = identity["address"], business["contact"], props["campaign"]
        made = call_twilio(
            lambda: client.messaging.v1.tollfree_verifications.create(
                business_name=business["name"],
                business_website=business["website"],
                notification_email=business["email"],
                use_case_categories=["ACCOUNT_NOTIFICATIONS"],
                use_case_summary=campaign["description"],
                production_message_sample=campaign["messageSamples"][0],
                opt_in_image_urls=[campaign["optInImageUrl"]],
                opt_in_type="VIA_TEXT",  # contacts answer the invitation (OUI / YES)
                message_volume="1,000",
                tollfree_phone_number_sid=props["phone_number_sid"],
                business_street_address=address["street"],
                business_city=address["city"],
                business_state_province_region=address["region"],
                business_postal_code=address["postalCode"],
                business_country="US",
                business_contact_first_name=contact["firstName"],
                business_contact_last_name=contact["lastName"],
                business_contact_email=contact["email"],
                business_contact_phone=contact["phone"],
                business_registration_number=identity["ein"],
                business_registration_authority="EIN",
                business_registration_country="US",
                additional_information=campaign["messageFlow"],
            ),
            what="submitting the Toll-Free Verification",
        )
        return {"sid": made.sid, "status": str(made.status)}

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        found = _fetched(
            client.messaging.v1.tollfree_verifications(sid).fetch,
            "reading the Toll-Free Verification",
        )
        if found is None:
            return None
        status = str(found.status)
        if status in _FAILED:
            _warn_failed(
                "Toll-Free Verification",
                status,
                found.rejection_reason,
                "correct ethiq:usTexting / ethiq:usTextingIdentity and apply (a new submission)",
            )
            status = f"{status}: {found.rejection_reason or 'no reason given'}"
        return {"sid": sid, "status": status}

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return self.fetch(client, sid, props) or {"sid": sid, "status": "gone"}

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        _gone(
            client.messaging.v1.tollfree_verifications(sid).delete,
            "deleting the Toll-Free Verification",
        )


def _options(
    opts: pulumi.ResourceOptions | None, *, retain: bool = False
) -> pulumi.ResourceOptions:
    extra = pulumi.ResourceOptions(
        additional_secret_outputs=[CREDENTIALS, IDENTITY], retain_on_delete=retain or None
    )
    return pulumi.ResourceOptions.merge(opts, extra)


class A2PBrand(dynamic.Resource, module="ethiq", name="TwilioA2PBrand"):
    sid: pulumi.Output[str]
    status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        friendly_name: str,
        business: dict[str, Any],
        identity: pulumi.Input[dict[str, Any]],  # secret: EIN and address
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "account_sid": account_sid,
            "friendly_name": friendly_name,
            "business": business,
            IDENTITY: pulumi.Output.secret(identity),
            CREDENTIALS: credentials,
            "sid": None,
            "status": None,
        }
        # Twilio's API has no DELETE for a brand (the contract's /v1/a2p/BrandRegistrations/{Sid}
        # has GET and POST only; the resource page lists create, fetch, read and update:
        # https://www.twilio.com/docs/messaging/api/brand-registration-resource). A destroy or
        # a replacement drops it from the state and leaves it at Twilio, shown `[retain]`
        # (https://www.pulumi.com/docs/iac/concepts/resources/options/retainondelete/).
        super().__init__(A2PBrandProvider(), name, props, _options(opts, retain=True))


class A2PCampaign(dynamic.Resource, module="ethiq", name="TwilioA2PCampaign"):
    status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        service_sid: pulumi.Input[str],
        brand_sid: pulumi.Input[str],
        brand_status: pulumi.Input[str],
        campaign: dict[str, Any],
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "account_sid": account_sid,
            "service_sid": service_sid,
            "brand_sid": brand_sid,
            "brand_status": brand_status,
            "campaign": campaign,
            CREDENTIALS: credentials,
            "sid": None,
            "campaign_sid": None,
            "status": None,
        }
        super().__init__(A2PCampaignProvider(), name, props, _options(opts))


class TollfreeVerification(dynamic.Resource, module="ethiq", name="TwilioTollfreeVerification"):
    status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        phone_number_sid: pulumi.Input[str],
        business: dict[str, Any],
        campaign: dict[str, Any],
        identity: pulumi.Input[dict[str, Any]],  # secret: EIN and address
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "account_sid": account_sid,
            "phone_number_sid": phone_number_sid,
            "business": business,
            "campaign": campaign,
            IDENTITY: pulumi.Output.secret(identity),
            CREDENTIALS: credentials,
            "sid": None,
            "status": None,
        }
        super().__init__(TollfreeVerificationProvider(), name, props, _options(opts))
