"""The control API under ``/_sandbox/``: state, request log, faults, calls, violations, reset.

Everything but ``health`` needs the parent account's credentials (HTTP Basic, like Twilio).
Bodies are JSON; see :class:`ethiq.sandbox.client.SandboxControl` for the typed client.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, delete, get, post

from ethiq.sandbox import render
from ethiq.sandbox.auth import basic_credentials
from ethiq.sandbox.context import Sandbox, sandbox_of
from ethiq.sandbox.errors import TwilioApiError, authenticate_error, invalid_parameter
from ethiq.sandbox.faults import FaultSpec
from ethiq.sandbox.formats import is_e164, new_sid
from ethiq.sandbox.journal import RequestEntry, Violation
from ethiq.sandbox.routes import compliance, messages
from ethiq.sandbox.routes.common import AnyRequest, json_response
from ethiq.sandbox.routes.messaging import TOLLFREE_STATUSES
from ethiq.sandbox.state import Call, Credential, Handset, OptOutLanguage, SipEndpoint
from ethiq.sandbox.voice import InboundCallSpec

__all__ = ["ROUTES", "CallSpec", "OptOutSpec", "SipCallSpec", "SipEndpointSpec"]

BASE = "/_sandbox"


class CallSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A live inbound call to one of our numbers (``to``), owned by that number's account."""

    to: str
    from_: str = msgspec.field(name="from")
    status: str = "in-progress"
    forwarded_from: str | None = None
    caller_name: str | None = None


class OptOutSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A recipient who replied STOP: messages to them fail with 21610."""

    phone_number: str


class SipEndpointSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """How the SIP app registered as ``address`` (``user@domain``) answers Twilio's INVITEs."""

    address: str
    behaviour: str = "answer"  # answer, no-answer, busy, offline
    secure_only: bool = True


SIP_BEHAVIOURS = frozenset({"answer", "no-answer", "busy", "offline"})


def _control(request: AnyRequest) -> Sandbox:
    sandbox = sandbox_of(request)
    credentials = basic_credentials(request.headers.get("authorization"))
    parent = (sandbox.settings.account_sid, sandbox.settings.auth_token)
    if credentials != parent:
        raise authenticate_error()
    return sandbox


@get(f"{BASE}/health")
async def health(request: AnyRequest) -> dict[str, Any]:
    """Readiness probe (no credentials): says whether contract checks are on, and why."""
    sandbox = sandbox_of(request)
    return {
        "status": "ok",
        "account_sid": sandbox.settings.account_sid,
        "contract_checks": sandbox.contract is not None,
        "contract_notice": sandbox.contract_notice,
    }


@get(f"{BASE}/requests")
async def requests_log(request: AnyRequest) -> dict[str, list[RequestEntry]]:
    return {"requests": _control(request).log.entries()}


@get(f"{BASE}/violations")
async def violations(request: AnyRequest) -> dict[str, Any]:
    sandbox = _control(request)
    items: list[Violation] = sandbox.violations.items()
    return {"contract_checks": sandbox.contract is not None, "violations": items}


@post(f"{BASE}/reset", status_code=200)
async def reset(request: AnyRequest) -> dict[str, str]:
    _control(request).reset()
    return {"status": "reset"}


@get(f"{BASE}/state")
async def state(request: AnyRequest) -> dict[str, Any]:
    sandbox = _control(request)
    store = sandbox.store
    with store.lock:
        return {
            "accounts": [render.account(a) for a in store.accounts.values()],
            "incoming_phone_numbers": [render.incoming_number(n) for n in store.numbers.values()],
            "sip_domains": [render.sip_domain(d, store) for d in store.domains.values()],
            "credential_lists": [
                render.credential_list(c) for c in store.credential_lists.values()
            ],
            "credentials": [render.credential(c) for c in store.credentials.values()],
            "credential_list_mappings": [
                {**render.mapping(m, store), "domain_sid": m.domain_sid, "kind": m.kind}
                for m in store.mappings.values()
            ],
            "messages": [render.message(m) for m in store.messages.values()],
            "calls": [
                {**render.call(c), "twiml": c.twiml, "urls": c.urls, "events": list(c.events)}
                for c in store.calls.values()
            ],
            "transcriptions": [
                {**render.transcription(t), "parameters": t.parameters}
                for t in store.transcriptions.values()
            ],
            "opt_outs": sorted(store.opt_outs),
            "messaging_services": [
                {
                    "sid": m.sid,
                    "account_sid": m.account_sid,
                    "friendly_name": m.friendly_name,
                    "senders": sorted(m.senders),
                    "advanced_opt_out": [o.language for o in m.advanced_opt_out],
                }
                for m in store.messaging_services.values()
            ],
            # US texting brands: Twilio's API deletes none, so a destroy leaves them here.
            "a2p_brands": [
                {"sid": b.sid, "account_sid": b.account_sid, "status": b.status}
                for b in compliance.compliance(sandbox).brands.values()
            ],
            "conferences": [
                {
                    **render.conference(c),
                    "participants": [render.participant(p) for p in c.participants.values()],
                }
                for c in store.conferences.values()
            ],
        }


@get(f"{BASE}/faults")
async def list_faults(request: AnyRequest) -> dict[str, list[FaultSpec]]:
    return {"faults": _control(request).faults.active()}


@post(f"{BASE}/faults")
async def add_fault(request: AnyRequest, data: FaultSpec) -> FaultSpec:
    try:
        return _control(request).faults.add(data)
    except ValueError as error:
        raise invalid_parameter(str(error)) from None


@delete(f"{BASE}/faults/{{fault_id:int}}", status_code=204)
async def remove_fault(request: AnyRequest, fault_id: int) -> None:
    if not _control(request).faults.remove(fault_id):
        raise TwilioApiError(404, 20404, f"No fault {fault_id}")


@delete(f"{BASE}/faults", status_code=204)
async def clear_faults(request: AnyRequest) -> None:
    _control(request).faults.clear()


@post(f"{BASE}/calls")
async def register_call(request: AnyRequest, data: CallSpec) -> Response[dict[str, Any]]:
    sandbox = _control(request)
    with sandbox.store.lock:
        number = sandbox.store.number_by_phone(data.to)
        if number is None:
            raise invalid_parameter(f"{data.to} is not a number of any sandbox account")
        call = Call(
            sid=new_sid("CA"),
            account_sid=number.account_sid,
            to=data.to,
            from_=data.from_,
            phone_number_sid=number.sid,
            status=data.status,
            forwarded_from=data.forwarded_from,
            caller_name=data.caller_name,
        )
        sandbox.store.calls[call.sid] = call
        return json_response(render.call(call), 201)


@post(f"{BASE}/calls/inbound", status_code=200)
async def inbound_call(request: AnyRequest, data: InboundCallSpec) -> dict[str, Any]:
    """Place a scripted inbound call and run it to its end, as Twilio would; report it."""
    sandbox = _control(request)
    try:
        return await sandbox.voice.inbound(data)
    except LookupError as error:
        raise invalid_parameter(str(error)) from None


class SipCallSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A call the SIP app ``from`` (``sip:user@domain``) places to ``to`` (``sip:N@domain``)."""

    to: str
    from_: str = msgspec.field(name="from")


@post(f"{BASE}/calls/from-sip", status_code=200)
async def sip_call(request: AnyRequest, data: SipCallSpec) -> dict[str, Any]:
    """Place a call from a SIP app through its domain's voice URL, as Twilio would; report it."""
    sandbox = _control(request)
    try:
        return await sandbox.voice.from_sip(data.from_, data.to)
    except LookupError as error:
        raise invalid_parameter(str(error)) from None


@post(f"{BASE}/sip-endpoints", status_code=201)
async def sip_endpoint(request: AnyRequest, data: SipEndpointSpec) -> SipEndpointSpec:
    sandbox = _control(request)
    if data.behaviour not in SIP_BEHAVIOURS:
        raise invalid_parameter(f"behaviour must be one of {sorted(SIP_BEHAVIOURS)}")
    address = data.address.removeprefix("sips:").removeprefix("sip:").split(";", 1)[0]
    with sandbox.store.lock:
        sandbox.store.sip_endpoints[address] = SipEndpoint(data.behaviour, data.secure_only)
    return data


class SipRegisterSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A SIP app's REGISTER to ``domain`` (``x.sip.twilio.com``) with its digest credentials."""

    domain: str
    username: str
    password: str


@post(f"{BASE}/sip/register", status_code=200)
async def sip_register(request: AnyRequest, data: SipRegisterSpec) -> dict[str, Any]:
    """Twilio accepts a REGISTER only on a domain with registration on, from a credential of a
    list mapped to the domain's *registrations* (calls mappings do not count); anything else is
    challenged again (401). https://www.twilio.com/docs/voice/sip/register-sip-endpoints"""
    store = _control(request).store
    with store.lock:
        domain = next((d for d in store.domains.values() if d.domain_name == data.domain), None)
        if domain is None:
            return {"status": 404, "reason": "no such SIP domain"}
        if not domain.sip_registration:
            return {"status": 403, "reason": "registration is off on this domain"}
        lists = {k[2] for k in store.mappings if k[0] == domain.sid and k[1] == "registrations"}
        digest = Credential.digest(data.password)
        ok = any(
            c.credential_list_sid in lists
            and c.username == data.username
            and c.password_sha256 == digest
            for c in store.credentials.values()
        )
    return (
        {"status": 200, "reason": "registered"}
        if ok
        else {"status": 401, "reason": "bad credentials"}
    )


class HandsetSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A phone at ``number`` (not one of ours): its call forwarding and whether it answers."""

    number: str
    forwarding: str = "off"  # off, unconditional, no-answer
    forward_to: str | None = None
    answers: bool = False
    ring_s: int = 20
    passes_forwarded_from: bool = True


FORWARDINGS = frozenset({"off", "unconditional", "no-answer"})


@post(f"{BASE}/handsets", status_code=201)
async def handset(request: AnyRequest, data: HandsetSpec) -> HandsetSpec:
    sandbox = _control(request)
    if data.forwarding not in FORWARDINGS:
        raise invalid_parameter(f"forwarding must be one of {sorted(FORWARDINGS)}")
    if data.forwarding != "off" and not data.forward_to:
        raise invalid_parameter("forward_to is required when forwarding is on")
    with sandbox.store.lock:
        sandbox.store.handsets[data.number] = Handset(
            data.forwarding, data.forward_to, data.answers, data.ring_s, data.passes_forwarded_from
        )
    return data


class InboundSmsSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    from_: str = msgspec.field(name="from")
    to: str
    body: str


@post(f"{BASE}/sms/inbound", status_code=200)
async def inbound_sms(request: AnyRequest, data: InboundSmsSpec) -> dict[str, Any]:
    """A text to one of our numbers, handled as Twilio handles it (keywords, then webhook)."""
    sandbox = _control(request)
    try:
        return await messages.inbound_sms(sandbox, data.from_, data.to, data.body)
    except LookupError as error:
        raise invalid_parameter(str(error)) from None


class SmsOutcomeSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What the carrier does with messages to ``phone_number``."""

    phone_number: str
    status: str = "delivered"  # delivered, undelivered, failed
    error_code: int | None = None  # e.g. 30003 unreachable, 30005 unknown, 30007 filtered


@post(f"{BASE}/sms-outcomes", status_code=201)
async def sms_outcome(request: AnyRequest, data: SmsOutcomeSpec) -> SmsOutcomeSpec:
    sandbox = _control(request)
    if data.status not in {"delivered", "undelivered", "failed"}:
        raise invalid_parameter("status must be delivered, undelivered or failed")
    with sandbox.store.lock:
        sandbox.store.sms_outcomes[data.phone_number] = (data.status, data.error_code)
    return data


@post(f"{BASE}/opt-outs", status_code=201)
async def add_opt_out(request: AnyRequest, data: OptOutSpec) -> dict[str, str]:
    sandbox = _control(request)
    if not is_e164(data.phone_number):
        raise invalid_parameter(f"{data.phone_number} is not an E.164 number")
    with sandbox.store.lock:
        sandbox.store.opt_outs.add(data.phone_number)
    return {"phone_number": data.phone_number}


class OptOutLanguageSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    language: str
    keywords: dict[str, list[str]]  # by OptOutType: STOP, START, HELP
    replies: dict[str, str]


class AdvancedOptOutSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    languages: list[OptOutLanguageSpec]


_REQUIRED_KEYWORDS = {"STOP": "STOP", "START": "START", "HELP": "HELP"}


class CampaignSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    status: str = "VERIFIED"
    failure_reason: str = ""  # TCR's reason, when FAILED


class BrandSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    status: str = "APPROVED"
    failure_reason: str = ""


_BRAND_STATUSES = frozenset({"PENDING", "IN_REVIEW", "APPROVED", "FAILED", "SUSPENDED"})


@post(f"{BASE}/a2p/brands/{{sid:str}}", status_code=200)
async def a2p_brand(request: AnyRequest, sid: str, data: BrandSpec) -> dict[str, Any]:
    """The Campaign Registry's vetting of a brand registered through the API: its outcome."""
    sandbox = _control(request)
    if data.status not in _BRAND_STATUSES:
        raise invalid_parameter(f"status must be one of {sorted(_BRAND_STATUSES)}")
    with sandbox.store.lock:
        brand = compliance.compliance(sandbox).brands.get(sid)
        if brand is None:
            raise invalid_parameter(f"no brand registration {sid}")
        brand.status = data.status
        brand.failure_reason = data.failure_reason or None
    return {"sid": sid, "status": data.status}


_CAMPAIGN_STATUSES = frozenset({"IN_PROGRESS", "VERIFIED", "FAILED", "PENDING"})


@post(f"{BASE}/messaging-services/{{sid:str}}/a2p-campaign", status_code=200)
async def a2p_campaign(request: AnyRequest, sid: str, data: CampaignSpec) -> dict[str, Any]:
    """An A2P 10DLC campaign registered on the service (the Console's Regulatory Compliance
    step and The Campaign Registry's vetting), or its status changed; one per service."""
    sandbox = _control(request)
    if data.status not in _CAMPAIGN_STATUSES:
        raise invalid_parameter(f"status must be one of {sorted(_CAMPAIGN_STATUSES)}")
    with sandbox.store.lock:
        service = sandbox.store.messaging_services.get(sid)
        if service is None:
            raise invalid_parameter(f"no Messaging Service {sid}")
        campaign = service.a2p_campaign[0] if service.a2p_campaign else new_sid("QE")
        service.a2p_campaign = (campaign, data.status)
        registered = compliance.compliance(sandbox).campaigns
        brand = registered.get(campaign, ("", []))[0]
        failed = data.status == "FAILED" and data.failure_reason
        registered[campaign] = (brand, [{"description": data.failure_reason}] if failed else [])
    return {"sid": campaign, "status": data.status}


class TollfreeSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    status: str = "TWILIO_APPROVED"
    rejection_reason: str = ""


@post(f"{BASE}/numbers/{{phone:str}}/tollfree-verification", status_code=200)
async def tollfree_verification(
    request: AnyRequest, phone: str, data: TollfreeSpec
) -> dict[str, Any]:
    """A Toll-Free Verification submitted for our toll-free number ``phone`` (the Console's
    step), or its review's outcome; one per number."""
    sandbox = _control(request)
    if data.status not in TOLLFREE_STATUSES:
        raise invalid_parameter(f"status must be one of {sorted(TOLLFREE_STATUSES)}")
    with sandbox.store.lock:
        number = sandbox.store.number_by_phone(phone)
        if number is None or not number.toll_free:
            raise invalid_parameter(f"{phone} is not a toll-free number of any account")
        previous = number.tollfree_verification
        sid = previous[0] if previous else new_sid("HH")
        number.tollfree_verification = (sid, data.status, data.rejection_reason)
    return {"sid": sid, "status": data.status}


@post(f"{BASE}/messaging-services/{{sid:str}}/opt-out", status_code=200)
async def advanced_opt_out(
    request: AnyRequest, sid: str, data: AdvancedOptOutSpec
) -> dict[str, Any]:
    """The Console step of Advanced Opt-Out (Twilio has no REST resource for it): the service's
    keywords and replies per language. As in the Console, STOP, START and HELP cannot be
    removed: they stay in the first language."""
    sandbox = _control(request)
    languages = []
    for index, spec in enumerate(data.languages):
        if set(spec.keywords) - set(_REQUIRED_KEYWORDS):
            raise invalid_parameter("keywords are listed by STOP, START and HELP")
        keywords = {kind: tuple(words) for kind, words in spec.keywords.items()}
        if index == 0:
            for kind, word in _REQUIRED_KEYWORDS.items():
                if word not in keywords.get(kind, ()):
                    keywords[kind] = (word, *keywords.get(kind, ()))
        languages.append(OptOutLanguage(spec.language, keywords, dict(spec.replies)))
    with sandbox.store.lock:
        service = sandbox.store.messaging_services.get(sid)
        if service is None:
            raise invalid_parameter(f"no Messaging Service {sid}")
        service.advanced_opt_out = tuple(languages)
    return {"sid": sid, "languages": [lang.language for lang in languages]}


ROUTES = [
    health,
    requests_log,
    violations,
    reset,
    state,
    list_faults,
    add_fault,
    remove_fault,
    clear_faults,
    register_call,
    inbound_call,
    sip_call,
    sip_endpoint,
    sip_register,
    handset,
    sms_outcome,
    inbound_sms,
    add_opt_out,
    advanced_opt_out,
    a2p_brand,
    a2p_campaign,
    tollfree_verification,
]
