"""US texting registration as Twilio's ISV guides run it: Trust Hub, A2P 10DLC, toll-free.

- **Trust Hub** (trusthub.twilio.com/v1): a Secondary Customer Profile (``CustomerProfiles``,
  ``BU…``, policy :data:`SECONDARY_PROFILE_POLICY`) and an A2P Messaging Profile
  (``TrustProducts``, policy :data:`A2P_PROFILE_POLICY`), each holding End Users (``IT…``:
  business information, authorized representative, A2P profile information) and a product
  holding its profile (``EntityAssignments``). A bundle is ``draft`` until its owner submits it
  (``Status=pending-review``); Twilio then reviews it (``in-review``, ``twilio-approved``).
  https://www.twilio.com/docs/trust-hub/trusthub-rest-api
- **Brand** (``/v1/a2p/BrandRegistrations``, ``BN…``): needs both bundles submitted; starts
  ``PENDING``, and The Campaign Registry's vetting moves it to ``APPROVED`` or ``FAILED`` (with
  ``failure_reason``), asynchronously. No API deletes one (Twilio's contract has GET and POST
  only on a brand): a DELETE gets 405 and 20004, as any method a resource lacks.
  https://www.twilio.com/docs/messaging/api/brand-registration-resource
- **Campaign** (``/v1/Services/{MG}/Compliance/Usa2p``, ``QE…``): one per Messaging Service,
  for an ``APPROVED`` brand; starts ``IN_PROGRESS``, then ``VERIFIED`` or ``FAILED`` (with
  ``errors``). Texts of the service's US long codes to US numbers fail with 30034 until it is
  verified (``routes/messages.py``).
  https://www.twilio.com/docs/messaging/api/usapptoperson-resource
- **Toll-Free Verification** (``/v1/Tollfree/Verifications``, ``HH…``): one per toll-free
  number; ``PENDING_REVIEW``, then ``IN_REVIEW`` and ``TWILIO_APPROVED`` or ``TWILIO_REJECTED``
  (with ``rejection_reason``); texts fail with 30032 until approved.
  https://www.twilio.com/docs/messaging/api/tollfree-verification-resource

The reviews are Twilio's and TCR's, days long: the control API decides their outcome
(``POST /_sandbox/a2p/brands/{sid}``, ``…/messaging-services/{sid}/a2p-campaign``,
``…/numbers/{phone}/tollfree-verification``), so a test says when vetting ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from litestar import Response, delete, get, post

from ethiq.sandbox.auth import authenticate
from ethiq.sandbox.context import Sandbox, sandbox_of
from ethiq.sandbox.errors import invalid_parameter, not_found
from ethiq.sandbox.formats import new_sid
from ethiq.sandbox.routes.common import AnyRequest, Params, json_response, params_of
from ethiq.sandbox.state import Account, IncomingNumber, MessagingService

__all__ = [
    "A2P_PROFILE_POLICY",
    "ROUTES",
    "SECONDARY_PROFILE_POLICY",
    "TOLLFREE",
    "Brand",
    "ComplianceState",
    "campaign_json",
    "compliance",
    "tollfree_json",
]

# Trust Hub policies of the ISV guide: Secondary Customer Profile, A2P Messaging Profile.
# https://www.twilio.com/docs/messaging/compliance/a2p-10dlc/onboarding-isv-api
SECONDARY_PROFILE_POLICY: Final = "RNdfbf3fae0e1107f8aded0e7cead80bf5"
A2P_PROFILE_POLICY: Final = "RNb0d4771c2c98518d916a3d4cd70a8f8b"
_END_USER_TYPES: Final = frozenset(
    {
        "customer_profile_business_information",
        "authorized_representative_1",
        "authorized_representative_2",
        "us_a2p_messaging_profile_information",
    }
)
_SUBMITTED: Final = frozenset({"pending-review", "in-review", "twilio-approved"})
_USECASES: Final = frozenset(
    {"ACCOUNT_NOTIFICATION", "CUSTOMER_CARE", "DELIVERY_NOTIFICATION", "FRAUD_ALERT", "MIXED"}
)
_TOLLFREE_REQUIRED: Final = (
    "BusinessName",
    "BusinessWebsite",
    "NotificationEmail",
    "UseCaseCategories",
    "UseCaseSummary",
    "ProductionMessageSample",
    "OptInImageUrls",
    "OptInType",
    "MessageVolume",
    "TollfreePhoneNumberSid",
)
_OPT_IN_TYPES: Final = frozenset({"VERBAL", "WEB_FORM", "PAPER_FORM", "VIA_TEXT", "MOBILE_QR_CODE"})
TRUSTHUB: Final = "https://trusthub.twilio.com/v1"
MESSAGING: Final = "https://messaging.twilio.com/v1"


@dataclass(slots=True)
class Bundle:
    """A Customer Profile or a Trust Product: what it holds, where its review stands."""

    sid: str
    account_sid: str
    kind: str  # "CustomerProfiles" or "TrustProducts"
    friendly_name: str
    email: str
    policy_sid: str
    status: str = "draft"
    assigned: list[str] = field(default_factory=list)  # End User / bundle sids


@dataclass(slots=True)
class Brand:
    sid: str
    account_sid: str
    customer_profile_bundle_sid: str
    a2p_profile_bundle_sid: str
    brand_type: str
    status: str = "PENDING"
    failure_reason: str | None = None


@dataclass(slots=True)
class ComplianceState:
    bundles: dict[str, Bundle] = field(default_factory=dict)
    # End Users and Supporting Documents: (account, type, attributes).
    end_users: dict[str, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)
    brands: dict[str, Brand] = field(default_factory=dict)
    # A campaign's brand and TCR's errors (its status lives on the service: messages read it).
    campaigns: dict[str, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)


def compliance(sandbox: Sandbox) -> ComplianceState:
    """The store's registrations (``Store.compliance``, emptied by a reset)."""
    state = sandbox.store.compliance
    if not isinstance(state, ComplianceState):
        state = sandbox.store.compliance = ComplianceState()
    return state


def _principal(request: AnyRequest) -> tuple[Sandbox, Account]:
    sandbox = sandbox_of(request)
    with sandbox.store.lock:
        account = authenticate(sandbox.store, request.headers.get("authorization"))
    return sandbox, account


def _required(params: Params, *names: str) -> None:
    for name in names:
        if not params.get(name):
            raise invalid_parameter(f"Missing required parameter {name} in the post body")


# --- Trust Hub ------------------------------------------------------------------------------


def _bundle_json(bundle: Bundle) -> dict[str, Any]:
    return {
        "sid": bundle.sid,
        "account_sid": bundle.account_sid,
        "policy_sid": bundle.policy_sid,
        "friendly_name": bundle.friendly_name,
        "status": bundle.status,
        "email": bundle.email,
        "url": f"{TRUSTHUB}/{bundle.kind}/{bundle.sid}",
    }


# What each policy requires before a bundle can be submitted (the ISV guide's steps).
_POLICY_NEEDS: Final = {
    "CustomerProfiles": frozenset(
        {
            "customer_profile_business_information",
            "authorized_representative_1",
            "customer_profile_address",
        }
    ),
    "TrustProducts": frozenset({"us_a2p_messaging_profile_information", "CustomerProfiles"}),
}


def _held(state: ComplianceState, bundle: Bundle) -> set[str]:
    """The types of what ``bundle`` holds (a held bundle counts by its kind)."""
    held = set()
    for item in bundle.assigned:
        if item in state.end_users:
            held.add(state.end_users[item][1])
        elif item in state.bundles:
            held.add(state.bundles[item].kind)
    return held


def _bundle(sandbox: Sandbox, account: Account, kind: str, sid: str) -> Bundle:
    bundle = compliance(sandbox).bundles.get(sid)
    if bundle is None or bundle.account_sid != account.sid or bundle.kind != kind:
        raise not_found(f"/v1/{kind}/{sid}")
    return bundle


async def _create_bundle(request: AnyRequest, kind: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    params = await params_of(request)
    _required(params, "FriendlyName", "Email", "PolicySid")
    policy = params.get("PolicySid") or ""
    expected = SECONDARY_PROFILE_POLICY if kind == "CustomerProfiles" else A2P_PROFILE_POLICY
    if policy not in {SECONDARY_PROFILE_POLICY, A2P_PROFILE_POLICY} or policy != expected:
        raise invalid_parameter(f"PolicySid {policy} is not a policy of {kind}")
    bundle = Bundle(
        new_sid("BU"),
        account.sid,
        kind,
        params.get("FriendlyName") or "",
        params.get("Email") or "",
        policy,
    )
    with sandbox.store.lock:
        compliance(sandbox).bundles[bundle.sid] = bundle
        return json_response(_bundle_json(bundle), 201)


async def _update_bundle(request: AnyRequest, kind: str, sid: str) -> Response[dict[str, Any]]:
    """Only ``Status=pending-review`` (submit: a draft holding End Users) and the name."""
    sandbox, account = _principal(request)
    params = await params_of(request)
    with sandbox.store.lock:
        bundle = _bundle(sandbox, account, kind, sid)
        status = params.get("Status")
        if status is not None:
            if status != "pending-review":
                raise invalid_parameter("Status can only be set to pending-review")
            missing = _POLICY_NEEDS[bundle.kind] - _held(compliance(sandbox), bundle)
            if missing:  # what the policy's evaluation would report non-compliant
                raise invalid_parameter(f"{kind} {sid} lacks {', '.join(sorted(missing))}")
            if bundle.status == "draft":
                bundle.status = "pending-review"
        if name := params.get("FriendlyName"):
            bundle.friendly_name = name
        return json_response(_bundle_json(bundle))


async def _assign(request: AnyRequest, kind: str, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    params = await params_of(request)
    _required(params, "ObjectSid")
    item = params.get("ObjectSid") or ""
    with sandbox.store.lock:
        state = compliance(sandbox)
        bundle = _bundle(sandbox, account, kind, sid)
        owner = (state.end_users.get(item) or ("",))[0] or getattr(
            state.bundles.get(item), "account_sid", ""
        )
        if owner != account.sid:
            raise invalid_parameter(f"ObjectSid {item} is no End User or bundle of the account")
        if bundle.status != "draft":
            raise invalid_parameter(f"{kind} {sid} is {bundle.status}: no longer editable")
        bundle.assigned.append(item)
        return json_response(
            {
                "sid": new_sid("BV"),
                "account_sid": account.sid,
                "object_sid": item,
                f"{'customer_profile' if kind == 'CustomerProfiles' else 'trust_product'}_sid": sid,
                "url": f"{TRUSTHUB}/{kind}/{sid}/EntityAssignments",
            },
            201,
        )


def _delete_bundle(sandbox: Sandbox, account: Account, kind: str, sid: str) -> None:
    with sandbox.store.lock:
        _bundle(sandbox, account, kind, sid)
        del compliance(sandbox).bundles[sid]


@post("/trusthub/v1/CustomerProfiles", status_code=201)
async def create_profile(request: AnyRequest) -> Response[dict[str, Any]]:
    return await _create_bundle(request, "CustomerProfiles")


@get("/trusthub/v1/CustomerProfiles/{sid:str}")
async def fetch_profile(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        return json_response(_bundle_json(_bundle(sandbox, account, "CustomerProfiles", sid)))


@post("/trusthub/v1/CustomerProfiles/{sid:str}", status_code=200)
async def update_profile(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    return await _update_bundle(request, "CustomerProfiles", sid)


@delete("/trusthub/v1/CustomerProfiles/{sid:str}", status_code=204)
async def delete_profile(request: AnyRequest, sid: str) -> None:
    _delete_bundle(*_principal(request), "CustomerProfiles", sid)


@post("/trusthub/v1/CustomerProfiles/{sid:str}/EntityAssignments", status_code=201)
async def assign_profile(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    return await _assign(request, "CustomerProfiles", sid)


@post("/trusthub/v1/TrustProducts", status_code=201)
async def create_product(request: AnyRequest) -> Response[dict[str, Any]]:
    return await _create_bundle(request, "TrustProducts")


@get("/trusthub/v1/TrustProducts/{sid:str}")
async def fetch_product(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        return json_response(_bundle_json(_bundle(sandbox, account, "TrustProducts", sid)))


@post("/trusthub/v1/TrustProducts/{sid:str}", status_code=200)
async def update_product(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    return await _update_bundle(request, "TrustProducts", sid)


@delete("/trusthub/v1/TrustProducts/{sid:str}", status_code=204)
async def delete_product(request: AnyRequest, sid: str) -> None:
    _delete_bundle(*_principal(request), "TrustProducts", sid)


@post("/trusthub/v1/TrustProducts/{sid:str}/EntityAssignments", status_code=201)
async def assign_product(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    return await _assign(request, "TrustProducts", sid)


@post("/trusthub/v1/EndUsers", status_code=201)
async def create_end_user(request: AnyRequest) -> Response[dict[str, Any]]:
    """An End User: ``Type`` among the policies' and ``Attributes`` a JSON object."""
    sandbox, account = _principal(request)
    params = await params_of(request)
    _required(params, "FriendlyName", "Type")
    kind = params.get("Type") or ""
    if kind not in _END_USER_TYPES:
        raise invalid_parameter(f"Type {kind} is not an End User type of the A2P policies")
    try:
        attributes = json.loads(params.get("Attributes") or "{}")
    except json.JSONDecodeError:
        raise invalid_parameter("Attributes must be a JSON object") from None
    if not isinstance(attributes, dict):
        raise invalid_parameter("Attributes must be a JSON object")
    sid = new_sid("IT")
    with sandbox.store.lock:
        compliance(sandbox).end_users[sid] = (account.sid, kind, attributes)
    body = {
        "sid": sid,
        "account_sid": account.sid,
        "friendly_name": params.get("FriendlyName"),
        "type": kind,
        "attributes": attributes,
        "url": f"{TRUSTHUB}/EndUsers/{sid}",
    }
    return json_response(body, 201)


@post("/trusthub/v1/SupportingDocuments", status_code=201)
async def create_document(request: AnyRequest) -> Response[dict[str, Any]]:
    """A Supporting Document: here the profile's ``customer_profile_address``, whose
    ``Attributes`` name an Address (``address_sids``) of the account."""
    sandbox, account = _principal(request)
    params = await params_of(request)
    _required(params, "FriendlyName", "Type")
    if params.get("Type") != "customer_profile_address":
        raise invalid_parameter("Type must be customer_profile_address")
    try:
        attributes = json.loads(params.get("Attributes") or "{}")
    except json.JSONDecodeError:
        raise invalid_parameter("Attributes must be a JSON object") from None
    address = attributes.get("address_sids") if isinstance(attributes, dict) else None
    with sandbox.store.lock:
        found = sandbox.store.addresses.get(str(address))
        if found is None or found.account_sid != account.sid:
            raise invalid_parameter("Attributes.address_sids is not an Address of the account")
        sid = new_sid("RD")
        compliance(sandbox).end_users[sid] = (account.sid, "customer_profile_address", attributes)
    body = {
        "sid": sid,
        "account_sid": account.sid,
        "friendly_name": params.get("FriendlyName"),
        "type": "customer_profile_address",
        "status": "draft",
        "attributes": attributes,
        "url": f"{TRUSTHUB}/SupportingDocuments/{sid}",
    }
    return json_response(body, 201)


# --- A2P 10DLC brand and campaign ----------------------------------------------------------


def _brand_json(brand: Brand) -> dict[str, Any]:
    return {
        "sid": brand.sid,
        "account_sid": brand.account_sid,
        "customer_profile_bundle_sid": brand.customer_profile_bundle_sid,
        "a2p_profile_bundle_sid": brand.a2p_profile_bundle_sid,
        "brand_type": brand.brand_type,
        "status": brand.status,
        "failure_reason": brand.failure_reason,
        "errors": [{"description": brand.failure_reason}] if brand.failure_reason else [],
        "identity_status": "VERIFIED" if brand.status == "APPROVED" else "UNVERIFIED",
        "url": f"{MESSAGING}/a2p/BrandRegistrations/{brand.sid}",
    }


@post("/messaging/v1/a2p/BrandRegistrations", status_code=201)
async def create_brand(request: AnyRequest) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    params = await params_of(request)
    _required(params, "CustomerProfileBundleSid", "A2PProfileBundleSid")
    brand_type = params.get("BrandType") or "STANDARD"
    if brand_type not in {"STANDARD", "SOLE_PROPRIETOR"}:
        raise invalid_parameter("BrandType must be STANDARD or SOLE_PROPRIETOR")
    with sandbox.store.lock:
        state = compliance(sandbox)
        for name, kind in (
            ("CustomerProfileBundleSid", "CustomerProfiles"),
            ("A2PProfileBundleSid", "TrustProducts"),
        ):
            bundle = state.bundles.get(params.get(name) or "")
            if bundle is None or bundle.account_sid != account.sid or bundle.kind != kind:
                raise invalid_parameter(f"{name} is not a {kind} bundle of the account")
            if bundle.status not in _SUBMITTED:
                raise invalid_parameter(f"{name} {bundle.sid} is {bundle.status}: submit it")
        brand = Brand(
            new_sid("BN"),
            account.sid,
            params.get("CustomerProfileBundleSid") or "",
            params.get("A2PProfileBundleSid") or "",
            brand_type,
        )
        state.brands[brand.sid] = brand
        return json_response(_brand_json(brand), 201)


@get("/messaging/v1/a2p/BrandRegistrations/{sid:str}")
async def fetch_brand(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        brand = compliance(sandbox).brands.get(sid)
        if brand is None or brand.account_sid != account.sid:
            raise not_found(f"/v1/a2p/BrandRegistrations/{sid}")
        return json_response(_brand_json(brand))


def _service(sandbox: Sandbox, account: Account, sid: str) -> MessagingService:
    service = sandbox.store.messaging_services.get(sid)
    if service is None or service.account_sid != account.sid:
        raise not_found(f"/v1/Services/{sid}")
    return service


def campaign_json(sandbox: Sandbox, service: MessagingService) -> dict[str, Any]:
    """The service's campaign as Twilio renders it (caller holds the lock)."""
    assert service.a2p_campaign is not None  # noqa: S101 - callers check
    campaign, status = service.a2p_campaign
    brand, errors = compliance(sandbox).campaigns.get(campaign, ("", []))
    return {
        "sid": campaign,
        "account_sid": service.account_sid,
        "brand_registration_sid": brand or None,
        "messaging_service_sid": service.sid,
        "campaign_status": status,
        "errors": errors,
        "us_app_to_person_usecase": "ACCOUNT_NOTIFICATION",
        "url": f"{MESSAGING}/Services/{service.sid}/Compliance/Usa2p/{campaign}",
    }


@post("/messaging/v1/Services/{sid:str}/Compliance/Usa2p", status_code=201)
async def create_campaign(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    """A campaign for the service, under an approved brand: one per service."""
    sandbox, account = _principal(request)
    params = await params_of(request)
    _required(
        params,
        "BrandRegistrationSid",
        "Description",
        "MessageFlow",
        "MessageSamples",
        "UsAppToPersonUsecase",
        "HasEmbeddedLinks",
        "HasEmbeddedPhone",
    )
    usecase = params.get("UsAppToPersonUsecase") or ""
    if usecase not in _USECASES:
        raise invalid_parameter(f"UsAppToPersonUsecase {usecase} is not a use case")
    samples = params.values.get("MessageSamples", [])
    if not all(20 <= len(s) <= 1024 for s in samples):  # noqa: PLR2004 (Twilio's limits)
        raise invalid_parameter("each of MessageSamples must be 20-1024 characters")
    with sandbox.store.lock:
        service = _service(sandbox, account, sid)
        brand = compliance(sandbox).brands.get(params.get("BrandRegistrationSid") or "")
        if brand is None or brand.account_sid != account.sid:
            raise invalid_parameter("BrandRegistrationSid is not a brand of the account")
        if brand.status != "APPROVED":
            raise invalid_parameter(f"the brand {brand.sid} is {brand.status}, not APPROVED")
        if service.a2p_campaign is not None:
            # One campaign per service. Twilio's error dictionary names no code for a second
            # one (the campaign's documented codes, 21717 brand, 21719/21720 use case, 21727
            # missing and 21728 length, are other refusals): 400 and 20001, as for any invalid
            # request (errors.INVALID_PARAMETER).
            raise invalid_parameter(
                f"the Messaging Service {sid} already has the A2P 10DLC campaign "
                f"{service.a2p_campaign[0]}: a service holds one campaign"
            )
        campaign = new_sid("QE")
        service.a2p_campaign = (campaign, "IN_PROGRESS")
        compliance(sandbox).campaigns[campaign] = (brand.sid, [])
        return json_response(campaign_json(sandbox, service), 201)


@delete("/messaging/v1/Services/{sid:str}/Compliance/Usa2p/{campaign:str}", status_code=204)
async def delete_campaign(request: AnyRequest, sid: str, campaign: str) -> None:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        service = _service(sandbox, account, sid)
        if service.a2p_campaign is None or service.a2p_campaign[0] != campaign:
            raise not_found(f"/v1/Services/{sid}/Compliance/Usa2p/{campaign}")
        service.a2p_campaign = None
        compliance(sandbox).campaigns.pop(campaign, None)


# --- Toll-Free Verification ----------------------------------------------------------------


TOLLFREE: Final = f"{MESSAGING}/Tollfree/Verifications"


def tollfree_json(number: IncomingNumber) -> dict[str, Any]:
    """A number's Toll-Free Verification as Twilio renders it (callers check it has one)."""
    assert number.tollfree_verification is not None  # noqa: S101 - callers filter
    sid, status, reason = number.tollfree_verification
    return {
        "sid": sid,
        "account_sid": number.account_sid,
        "tollfree_phone_number_sid": number.sid,
        "tollfree_phone_number": number.phone_number,
        "status": status,
        "rejection_reason": reason or None,
        "error_code": None,
        "url": f"{TOLLFREE}/{sid}",
    }


@post("/messaging/v1/Tollfree/Verifications", status_code=201)
async def create_tollfree_verification(request: AnyRequest) -> Response[dict[str, Any]]:
    """One per toll-free number of the account, ``PENDING_REVIEW`` until reviewed."""
    sandbox, account = _principal(request)
    params = await params_of(request)
    _required(params, *_TOLLFREE_REQUIRED)
    if (params.get("OptInType") or "") not in _OPT_IN_TYPES:
        raise invalid_parameter(f"OptInType must be one of {sorted(_OPT_IN_TYPES)}")
    with sandbox.store.lock:
        number = sandbox.store.numbers.get(params.get("TollfreePhoneNumberSid") or "")
        if number is None or number.account_sid != account.sid or not number.toll_free:
            raise invalid_parameter("TollfreePhoneNumberSid is not a toll-free number of yours")
        if number.tollfree_verification is not None:
            raise invalid_parameter("a verification exists for this toll-free number")
        number.tollfree_verification = (new_sid("HH"), "PENDING_REVIEW", "")
        return json_response(tollfree_json(number), 201)


@delete("/messaging/v1/Tollfree/Verifications/{sid:str}", status_code=204)
async def delete_tollfree_verification(request: AnyRequest, sid: str) -> None:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        found: IncomingNumber | None = next(
            (
                n
                for n in sandbox.store.numbers.values()
                if n.account_sid == account.sid
                and n.tollfree_verification
                and n.tollfree_verification[0] == sid
            ),
            None,
        )
        if found is None:
            raise not_found(f"/v1/Tollfree/Verifications/{sid}")
        found.tollfree_verification = None


ROUTES = [
    create_profile,
    fetch_profile,
    update_profile,
    delete_profile,
    assign_profile,
    create_product,
    fetch_product,
    update_product,
    delete_product,
    assign_product,
    create_end_user,
    create_document,
    create_brand,
    fetch_brand,
    create_campaign,
    delete_campaign,
    create_tollfree_verification,
    delete_tollfree_verification,
]
