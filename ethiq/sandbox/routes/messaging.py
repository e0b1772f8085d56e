"""Messaging Services (messaging.twilio.com/v1): the service, its sender pool, its webhooks.

The account is the one whose credentials sign the request (v1 URLs name no account): a
subaccount's service is made with the subaccount's own credentials.
https://www.twilio.com/docs/messaging/api/service-resource
https://www.twilio.com/docs/messaging/api/phonenumber-resource

Advanced Opt-Out has no REST resource (Twilio configures it in the Console); the sandbox's
control API stands in for that Console step (``POST /_sandbox/messaging-services/{sid}/opt-out``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Response, delete, get, post

from ethiq.sandbox.auth import authenticate
from ethiq.sandbox.context import Sandbox, sandbox_of
from ethiq.sandbox.errors import TwilioApiError, invalid_parameter, not_found
from ethiq.sandbox.formats import new_sid, now
from ethiq.sandbox.routes.common import (
    AnyRequest,
    Params,
    json_response,
    paging,
    params_of,
    query_of,
    v1_page_response,
)
from ethiq.sandbox.routes.compliance import TOLLFREE, campaign_json, tollfree_json
from ethiq.sandbox.state import Account, IncomingNumber, MessagingService

__all__ = ["ROUTES", "service_for_send"]

BASE = "https://messaging.twilio.com/v1/Services"
INVALID_SERVICE = 21705
NO_SENDERS = 21704
INVALID_NUMBER = 21421
IN_ANOTHER_SERVICE = 21712
NOT_SMS_CAPABLE = 21715
_FLAGS = {
    "UseInboundWebhookOnNumber": "use_inbound_webhook_on_number",
    "StickySender": "sticky_sender",
    "AreaCodeGeomatch": "area_code_geomatch",
    "SmartEncoding": "smart_encoding",
}
_URLS = {
    "InboundRequestUrl": "inbound_request_url",
    "FallbackUrl": "fallback_url",
    "StatusCallback": "status_callback",
}
_USECASES = {"notifications", "marketing", "verification", "discussion", "poll", "undeclared"}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _render(service: MessagingService) -> dict[str, Any]:
    url = f"{BASE}/{service.sid}"
    return {
        "sid": service.sid,
        "account_sid": service.account_sid,
        "friendly_name": service.friendly_name,
        "date_created": _iso(service.date_created),
        "date_updated": _iso(service.date_updated),
        "inbound_request_url": service.inbound_request_url,
        "inbound_method": service.inbound_method,
        "fallback_url": service.fallback_url,
        "fallback_method": service.fallback_method,
        "status_callback": service.status_callback,
        "sticky_sender": service.sticky_sender,
        "mms_converter": True,
        "smart_encoding": service.smart_encoding,
        "scan_message_content": "inherit",
        "fallback_to_long_code": True,
        "area_code_geomatch": service.area_code_geomatch,
        "synchronous_validation": False,
        "validity_period": 36000,
        "url": url,
        "links": {
            "phone_numbers": f"{url}/PhoneNumbers",
            "short_codes": f"{url}/ShortCodes",
            "alpha_senders": f"{url}/AlphaSenders",
            "us_app_to_person": f"{url}/Compliance/Usa2p",
        },
        "usecase": service.usecase,
        # Twilio sets it once the service's campaign is verified.
        "us_app_to_person_registered": service.a2p_campaign is not None
        and service.a2p_campaign[1] == "VERIFIED",
        "use_inbound_webhook_on_number": service.use_inbound_webhook_on_number,
    }


def _render_sender(service: MessagingService, number: IncomingNumber) -> dict[str, Any]:
    added = service.senders[number.sid]
    capabilities = [c for c, on in (("SMS", number.sms), ("MMS", number.mms)) if on]
    return {
        "sid": number.sid,
        "account_sid": number.account_sid,
        "service_sid": service.sid,
        "date_created": _iso(added),
        "date_updated": _iso(added),
        "phone_number": number.phone_number,
        "country_code": number.iso_country,
        "capabilities": capabilities + (["Voice"] if number.voice else []),
        "url": f"{BASE}/{service.sid}/PhoneNumbers/{number.sid}",
    }


def _principal(request: AnyRequest) -> tuple[Sandbox, Account]:
    sandbox = sandbox_of(request)
    with sandbox.store.lock:
        account = authenticate(sandbox.store, request.headers.get("authorization"))
    return sandbox, account


def _service(sandbox: Sandbox, account: Account, sid: str) -> MessagingService:
    service = sandbox.store.messaging_services.get(sid)
    if service is None or service.account_sid != account.sid:
        raise not_found(f"/v1/Services/{sid}")
    return service


def _apply(service: MessagingService, params: Params) -> None:
    if (name := params.get("FriendlyName")) is not None:
        if not name or len(name) > 64:  # noqa: PLR2004 (Twilio: up to 64 characters)
            raise invalid_parameter("FriendlyName must be 1-64 characters")
        service.friendly_name = name
    for param, attribute in _URLS.items():
        if param in params:
            value = params.get(param) or None
            if value is not None and not value.startswith(("http://", "https://")):
                raise invalid_parameter(f"{param} must be an http(s) URL")
            setattr(service, attribute, value)
    for param, attribute in _FLAGS.items():
        flag = params.flag(param)
        if flag is not None:
            setattr(service, attribute, flag)
    if (usecase := params.get("Usecase")) is not None:
        if usecase not in _USECASES:
            raise invalid_parameter(f"Usecase must be one of {', '.join(sorted(_USECASES))}")
        service.usecase = usecase


@post("/messaging/v1/Services", status_code=201)
async def create_service(request: AnyRequest) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    params = await params_of(request)
    if not params.get("FriendlyName"):
        raise invalid_parameter("FriendlyName is required")
    service = MessagingService(sid=new_sid("MG"), account_sid=account.sid, friendly_name="")
    _apply(service, params)
    with sandbox.store.lock:
        sandbox.store.messaging_services[service.sid] = service
        return json_response(_render(service), 201)


@get("/messaging/v1/Services")
async def list_services(request: AnyRequest) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        found = [
            _render(s)
            for s in sandbox.store.messaging_services.values()
            if s.account_sid == account.sid
        ]
    return v1_page_response(
        "services", found, lambda r: r, url=BASE, pages=paging(query_of(request))
    )


@get("/messaging/v1/Services/{sid:str}")
async def fetch_service(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        return json_response(_render(_service(sandbox, account, sid)))


@post("/messaging/v1/Services/{sid:str}", status_code=200)
async def update_service(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    params = await params_of(request)
    with sandbox.store.lock:
        service = _service(sandbox, account, sid)
        _apply(service, params)
        return json_response(_render(service))


@delete("/messaging/v1/Services/{sid:str}", status_code=204)
async def delete_service(request: AnyRequest, sid: str) -> None:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        _service(sandbox, account, sid)
        del sandbox.store.messaging_services[sid]


@get("/messaging/v1/Services/{sid:str}/Compliance/Usa2p/{campaign_sid:str}")
async def fetch_campaign(
    request: AnyRequest, sid: str, campaign_sid: str
) -> Response[dict[str, Any]]:
    """The service's A2P 10DLC campaign (``routes/compliance.py``);
    https://www.twilio.com/docs/messaging/api/usapptoperson-resource."""
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        service = _service(sandbox, account, sid)
        if service.a2p_campaign is None or service.a2p_campaign[0] != campaign_sid:
            raise not_found(f"/v1/Services/{sid}/Compliance/Usa2p/{campaign_sid}")
        return json_response(campaign_json(sandbox, service))


@get("/messaging/v1/Services/{sid:str}/Compliance/Usa2p")
async def list_campaigns(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    """The service's campaigns (at most one)."""
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        service = _service(sandbox, account, sid)
        found = [service] if service.a2p_campaign is not None else []
        return v1_page_response(
            "compliance",
            found,
            lambda s: campaign_json(sandbox, s),
            url=f"{BASE}/{sid}/Compliance/Usa2p",
            pages=paging(query_of(request)),
        )


TOLLFREE_STATUSES = frozenset({"PENDING_REVIEW", "IN_REVIEW", "TWILIO_APPROVED", "TWILIO_REJECTED"})


@get("/messaging/v1/Tollfree/Verifications")
async def list_tollfree_verifications(request: AnyRequest) -> Response[dict[str, Any]]:
    """The account's Toll-Free Verifications, by number or status.
    https://www.twilio.com/docs/messaging/api/tollfree-verification-resource"""
    sandbox, account = _principal(request)
    query = query_of(request)
    number_sid, status = query.get("TollfreePhoneNumberSid"), query.get("Status")
    with sandbox.store.lock:
        found = [
            n
            for n in sandbox.store.numbers.values()
            if n.account_sid == account.sid
            and n.tollfree_verification is not None
            and (number_sid is None or n.sid == number_sid)
            and (status is None or n.tollfree_verification[1] == status)
        ]
        return v1_page_response(
            "verifications", found, tollfree_json, url=TOLLFREE, pages=paging(query)
        )


@get("/messaging/v1/Tollfree/Verifications/{sid:str}")
async def fetch_tollfree_verification(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        for number in sandbox.store.numbers.values():
            verification = number.tollfree_verification
            if number.account_sid == account.sid and verification and verification[0] == sid:
                return json_response(tollfree_json(number))
    raise not_found(f"/v1/Tollfree/Verifications/{sid}")


@post("/messaging/v1/Services/{sid:str}/PhoneNumbers", status_code=201)
async def add_sender(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    params = await params_of(request)
    number_sid = params.get("PhoneNumberSid") or ""
    with sandbox.store.lock:
        service = _service(sandbox, account, sid)
        number = sandbox.store.numbers.get(number_sid)
        if number is None or number.account_sid != account.sid:
            raise TwilioApiError(400, INVALID_NUMBER, f"Phone Number {number_sid} is invalid")
        if not (number.sms or number.mms):
            raise TwilioApiError(
                400, NOT_SMS_CAPABLE, "Phone Number does not have SMS or MMS capabilities"
            )
        current = sandbox.store.service_of(number.sid)
        if current is not None and current.sid != service.sid:
            raise TwilioApiError(
                409,
                IN_ANOTHER_SERVICE,
                "Phone Number or Short Code is associated with another Messaging Service",
            )
        service.senders.setdefault(number.sid, now())
        return json_response(_render_sender(service, number), 201)


@get("/messaging/v1/Services/{sid:str}/PhoneNumbers")
async def list_senders(request: AnyRequest, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        service = _service(sandbox, account, sid)
        found = [
            _render_sender(service, sandbox.store.numbers[n])
            for n in service.senders
            if n in sandbox.store.numbers
        ]
    url = f"{BASE}/{sid}/PhoneNumbers"
    return v1_page_response(
        "phone_numbers", found, lambda r: r, url=url, pages=paging(query_of(request))
    )


@get("/messaging/v1/Services/{sid:str}/PhoneNumbers/{number_sid:str}")
async def fetch_sender(request: AnyRequest, sid: str, number_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        service = _service(sandbox, account, sid)
        number = sandbox.store.numbers.get(number_sid)
        if number is None or number_sid not in service.senders:
            raise not_found(f"/v1/Services/{sid}/PhoneNumbers/{number_sid}")
        return json_response(_render_sender(service, number))


@delete("/messaging/v1/Services/{sid:str}/PhoneNumbers/{number_sid:str}", status_code=204)
async def remove_sender(request: AnyRequest, sid: str, number_sid: str) -> None:
    sandbox, account = _principal(request)
    with sandbox.store.lock:
        service = _service(sandbox, account, sid)
        if number_sid not in service.senders:
            raise not_found(f"/v1/Services/{sid}/PhoneNumbers/{number_sid}")
        del service.senders[number_sid]


def service_for_send(
    sandbox: Sandbox, account: Account, sid: str
) -> tuple[MessagingService, IncomingNumber]:
    """A message created with ``MessagingServiceSid``: the service and the sender Twilio picks
    from its pool (the pool's first number; caller holds the lock)."""
    service = sandbox.store.messaging_services.get(sid)
    if not sid.startswith("MG") or service is None or service.account_sid != account.sid:
        raise TwilioApiError(400, INVALID_SERVICE, "The Messaging Service is invalid")
    pool = [sandbox.store.numbers[n] for n in service.senders if n in sandbox.store.numbers]
    if not pool:
        raise TwilioApiError(400, NO_SENDERS, "The Messaging Service contains no phone numbers")
    return service, pool[0]


ROUTES = [
    list_tollfree_verifications,
    fetch_tollfree_verification,
    create_service,
    list_services,
    fetch_service,
    update_service,
    delete_service,
    fetch_campaign,
    list_campaigns,
    add_sender,
    list_senders,
    fetch_sender,
    remove_sender,
]
