"""Calls: placing one (``POST /Calls``, to a phone the control API models as a handset), live
calls' updates and real-time transcriptions."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post

from ethiq.sandbox import render
from ethiq.sandbox.context import Sandbox
from ethiq.sandbox.errors import TwilioApiError, invalid_parameter, not_found
from ethiq.sandbox.formats import API_VERSION, is_e164, new_sid, now
from ethiq.sandbox.routes.common import AnyRequest, authorized, json_response, params_of
from ethiq.sandbox.state import Call, Transcription

__all__ = ["ROUTES"]

ACCOUNT = f"/{API_VERSION}/Accounts/{{account_sid:str}}"
NOT_IN_PROGRESS = 21220
FROM_NOT_VERIFIED = 21210
INVALID_TO = 21211
MAX_TIMEOUT_S = 600
LIVE = frozenset({"queued", "ringing", "in-progress"})


def _call(sandbox: Sandbox, account_sid: str, sid: str) -> Call:
    call = sandbox.store.calls.get(sid)
    if call is None or call.account_sid != account_sid:
        raise not_found(f"/{API_VERSION}/Accounts/{account_sid}/Calls/{sid}.json")
    return call


def _require_live(call: Call, action: str) -> None:
    if call.status not in LIVE:
        raise TwilioApiError(400, NOT_IN_PROGRESS, f"Call is not in-progress. Cannot {action}.")


MAX_SIP_URI = 255  # a SIP URI's body is "under 255 characters"


@post(f"{ACCOUNT}/Calls")
async def create_call(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    """Twilio dials ``To`` (a number or a SIP address) from ``From`` (a number of the account:
    a caller ID Twilio has not verified is refused, 21210); ``Twiml`` or ``Url`` runs when the
    call is answered.
    https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource"""
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    to, from_ = params.get("To") or "", params.get("From") or ""
    twiml, url = params.get("Twiml"), params.get("Url")
    # ``To`` is a phone number, a SIP address or a client: a SIP URI's body is "under 255
    # characters" (https://www.twilio.com/docs/voice/api/sip-making-calls).
    sip = to.startswith(("sip:", "sips:")) and len(to) < MAX_SIP_URI
    if not sip and not is_e164(to):
        raise TwilioApiError(400, INVALID_TO, f"Invalid 'To' Phone Number: {to}")
    if not twiml and not url:
        raise invalid_parameter("Either Url, Twiml or ApplicationSid is required")
    try:
        timeout = int(params.get("Timeout") or 60)
    except ValueError:
        raise invalid_parameter("Timeout must be an integer") from None
    with sandbox.store.lock:
        owned = sandbox.store.number_by_phone(from_)
        if owned is None or owned.account_sid != account.sid:
            raise TwilioApiError(
                400,
                FROM_NOT_VERIFIED,
                f"The source phone number provided, {from_}, is not yet verified for your "
                "account. You may only make calls from phone numbers that you've verified or "
                "purchased from Twilio.",
            )
        call = Call(
            sid=new_sid("CA"),
            account_sid=account.sid,
            to=to,
            from_=from_,
            phone_number_sid=owned.sid,
            status="queued",
            direction="outbound-api",
            label="outbound",
        )
        sandbox.store.calls[call.sid] = call
        body = render.call(call)
    sandbox.voice.spawn(
        sandbox.voice.outbound(
            call,
            account,
            twiml=twiml,
            url=url,
            status_callback=params.get("StatusCallback"),
            timeout_s=min(max(timeout, 1), MAX_TIMEOUT_S),
        )
    )
    return json_response(body, 201)


@get(f"{ACCOUNT}/Calls/{{sid:str}}")
async def fetch_call(request: AnyRequest, account_sid: str, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        return json_response(render.call(_call(sandbox, account.sid, sid)))


@post(f"{ACCOUNT}/Calls/{{sid:str}}")
async def update_call(request: AnyRequest, account_sid: str, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    twiml, url, status = params.get("Twiml"), params.get("Url"), params.get("Status")
    if twiml and url:
        raise invalid_parameter("Twiml and Url are mutually exclusive")
    if status not in {None, "completed", "canceled"}:
        raise invalid_parameter("Status must be completed or canceled")
    with sandbox.store.lock:
        call = _call(sandbox, account.sid, sid)
        if twiml or url:
            _require_live(call, "redirect")
            call.twiml.append(twiml) if twiml else call.urls.append(url or "")
        if status == "completed" and call.status in LIVE:
            call.status, call.end_time = "completed", now()
        elif status == "canceled" and call.status in {"queued", "ringing"}:
            call.status, call.end_time = "canceled", now()
        call.date_updated = now()
        body = render.call(call)
    if twiml:
        # The whole call's instructions are replaced: its <Dial> (or conference) ends now.
        # https://www.twilio.com/docs/voice/tutorials/how-to-modify-calls-in-progress
        await sandbox.voice.redirect(call, twiml)
    return json_response(body)


@post(f"{ACCOUNT}/Calls/{{call_sid:str}}/Transcriptions")
async def start_transcription(
    request: AnyRequest, account_sid: str, call_sid: str
) -> Response[dict[str, Any]]:
    """A real-time transcription of a live call, as ``<Start><Transcription>`` would start it
    (same settings, capitalised), without touching the call's TwiML; its events follow
    asynchronously. https://www.twilio.com/docs/voice/api/realtime-transcription-resource"""
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    with sandbox.store.lock:
        call = _call(sandbox, account.sid, call_sid)
        _require_live(call, "start a transcription")
        transcription = Transcription(
            sid=new_sid("GT"),
            account_sid=account.sid,
            call_sid=call.sid,
            name=params.get("Name"),
            parameters={name: values[-1] for name, values in params.values.items()},
        )
        sandbox.store.transcriptions[transcription.sid] = transcription
        body = render.transcription(transcription)
    sandbox.voice.spawn(sandbox.voice.begin_transcription(call, account, transcription))
    return json_response(body)


@post(f"{ACCOUNT}/Calls/{{call_sid:str}}/Transcriptions/{{sid:str}}")
async def stop_transcription(
    request: AnyRequest, account_sid: str, call_sid: str, sid: str
) -> Response[dict[str, Any]]:
    """Stop it (by sid or by the name it was started with): ``transcription-stopped`` follows."""
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    if params.get("Status") != "stopped":
        raise invalid_parameter("Status must be stopped")
    with sandbox.store.lock:
        call = _call(sandbox, account.sid, call_sid)
        # Twilio accepts the transcription's sid or the name it was started with.
        found = next(
            (
                t
                for t in sandbox.store.transcriptions.values()
                if t.call_sid == call_sid and sid in {t.sid, t.name}
            ),
            None,
        )
        if found is None:
            raise not_found(
                f"/{API_VERSION}/Accounts/{account.sid}/Calls/{call_sid}/Transcriptions/{sid}.json"
            )
        running = found.status != "stopped"
        body = {**render.transcription(found), "status": "stopped"}
    if running:
        sandbox.voice.spawn(sandbox.voice.end_transcription(call, account, found))
    else:
        found.date_updated = now()
    return json_response(body)


ROUTES = [create_call, fetch_call, update_call, start_transcription, stop_transcription]
