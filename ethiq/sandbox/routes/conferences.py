"""Conferences and their participants (Twilio's Conference and Participant resources).

A participant created here dials its own leg asynchronously (status callbacks follow, as on
Twilio); ``AnnounceUrl`` on one participant plays a document to that participant only. See
https://www.twilio.com/docs/voice/api/conference-participant-resource.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, delete, get, post

from ethiq.sandbox import render
from ethiq.sandbox.context import Sandbox
from ethiq.sandbox.errors import TwilioApiError, invalid_parameter, not_found
from ethiq.sandbox.formats import API_VERSION, is_e164, new_sid, now
from ethiq.sandbox.routes.common import (
    AnyRequest,
    Params,
    authorized,
    json_response,
    page_response,
    paging,
    params_of,
    query_of,
)
from ethiq.sandbox.state import Call, Conference, Participant

__all__ = ["ROUTES"]

ACCOUNT = f"/{API_VERSION}/Accounts/{{account_sid:str}}"
CALLER_NOT_VERIFIED = 21210
DEFAULT_TIMEOUT_S = 60
EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})


def _conference(sandbox: Sandbox, account_sid: str, sid: str) -> Conference:
    conference = sandbox.store.conferences.get(sid)
    if conference is None or conference.account_sid != account_sid:
        raise not_found(f"/{API_VERSION}/Accounts/{account_sid}/Conferences/{sid}.json")
    return conference


def _participant(conference: Conference, key: str) -> Participant:
    found = conference.participants.get(key) or next(
        (p for p in conference.participants.values() if p.label == key), None
    )
    if found is None or found.status == "complete":
        raise not_found(
            f"/{API_VERSION}/Accounts/{conference.account_sid}/Conferences/{conference.sid}"
            f"/Participants/{key}.json"
        )
    return found


@get(f"{ACCOUNT}/Conferences")
async def list_conferences(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    query = query_of(request)
    pages = paging(query)
    name, status = query.get("FriendlyName"), query.get("Status")
    with sandbox.store.lock:
        found = [
            c
            for c in reversed(sandbox.store.conferences.values())
            if c.account_sid == account.sid
            and (name is None or c.friendly_name == name)
            and (status is None or c.status == status)
        ]
        return page_response(
            "conferences",
            found,
            render.conference,
            path=f"/{API_VERSION}/Accounts/{account.sid}/Conferences.json",
            pages=pages,
            filters={"FriendlyName": name, "Status": status},
        )


@get(f"{ACCOUNT}/Conferences/{{sid:str}}")
async def fetch_conference(
    request: AnyRequest, account_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        return json_response(render.conference(_conference(sandbox, account.sid, sid)))


def _events(params: Params) -> tuple[str, ...]:
    raw = params.values.get("StatusCallbackEvent") or ["completed"]
    events = tuple(e for value in raw for e in value.split())
    unknown = set(events) - EVENTS
    if unknown:
        raise invalid_parameter(f"StatusCallbackEvent: unknown {sorted(unknown)}")
    return events


@post(f"{ACCOUNT}/Conferences/{{conference:str}}/Participants")
async def create_participant(
    request: AnyRequest, account_sid: str, conference: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    to, sender = params.get("To"), params.get("From")
    if not to or not sender:
        raise invalid_parameter("From and To are required")
    sip = to.startswith(("sip:", "sips:"))
    timeout = params.integer("Timeout") or DEFAULT_TIMEOUT_S
    if not 5 <= timeout <= 600:  # noqa: PLR2004 - Twilio's documented range
        raise invalid_parameter("Timeout must be between 5 and 600")
    events = _events(params)
    with sandbox.store.lock:
        if not sip:
            if not is_e164(to):
                raise TwilioApiError(400, 21211, f"Invalid 'To' Phone Number: {to}")
            owned = sandbox.store.number_by_phone(sender)
            if owned is None or owned.account_sid != account.sid:
                raise TwilioApiError(
                    400, CALLER_NOT_VERIFIED, "The source phone number provided is not verified"
                )
        # The path names a conference sid or, to create one, a friendly name.
        if conference.startswith("CF") and conference in sandbox.store.conferences:
            room = _conference(sandbox, account.sid, conference)
        else:
            room = sandbox.voice.conference_named(account.sid, conference)
        leg = Call(
            sid=new_sid("CA"),
            account_sid=account.sid,
            to=to,
            from_=sender,
            phone_number_sid=None,
            status="queued",
            direction="outbound-api",
            label=params.get("Label"),
            conference_sid=room.sid,
        )
        participant = Participant(
            call_sid=leg.sid,
            account_sid=account.sid,
            conference_sid=room.sid,
            label=params.get("Label"),
            coaching=bool(params.flag("Coaching")),
            call_sid_to_coach=params.get("CallSidToCoach"),
            muted=bool(params.flag("Muted")),
            start_conference_on_enter=params.flag("StartConferenceOnEnter") is not False,
            end_conference_on_exit=bool(params.flag("EndConferenceOnExit")),
            status_callback=params.get("StatusCallback"),
            status_callback_events=events,
        )
        sandbox.store.calls[leg.sid] = leg
        room.participants[leg.sid] = participant
        body = render.participant(participant)
    sandbox.voice.spawn(sandbox.voice.dial_participant(participant, leg, timeout))
    return json_response(body, 201)


@get(f"{ACCOUNT}/Conferences/{{conference_sid:str}}/Participants")
async def list_participants(
    request: AnyRequest, account_sid: str, conference_sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    pages = paging(query_of(request))
    with sandbox.store.lock:
        room = _conference(sandbox, account.sid, conference_sid)
        found = [p for p in room.participants.values() if p.status != "complete"]
        return page_response(
            "participants",
            found,
            render.participant,
            path=f"/{API_VERSION}/Accounts/{account.sid}/Conferences/{room.sid}/Participants.json",
            pages=pages,
        )


@get(f"{ACCOUNT}/Conferences/{{conference_sid:str}}/Participants/{{key:str}}")
async def fetch_participant(
    request: AnyRequest, account_sid: str, conference_sid: str, key: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        room = _conference(sandbox, account.sid, conference_sid)
        return json_response(render.participant(_participant(room, key)))


@post(f"{ACCOUNT}/Conferences/{{conference_sid:str}}/Participants/{{key:str}}")
async def update_participant(
    request: AnyRequest, account_sid: str, conference_sid: str, key: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    with sandbox.store.lock:
        room = _conference(sandbox, account.sid, conference_sid)
        participant = _participant(room, key)
        if (muted := params.flag("Muted")) is not None:
            participant.muted = muted
        if (hold := params.flag("Hold")) is not None:
            participant.hold = hold
        if (coaching := params.flag("Coaching")) is not None:
            participant.coaching = coaching
        if params.get("CallSidToCoach"):
            participant.call_sid_to_coach = params.get("CallSidToCoach")
        participant.date_updated = now()
        body = render.participant(participant)
    if announce := params.get("AnnounceUrl"):
        method = params.get("AnnounceMethod") or "POST"
        sandbox.voice.spawn(sandbox.voice.announce(participant, announce, method))
    return json_response(body)


@delete(f"{ACCOUNT}/Conferences/{{conference_sid:str}}/Participants/{{key:str}}", status_code=204)
async def remove_participant(
    request: AnyRequest, account_sid: str, conference_sid: str, key: str
) -> None:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        room = _conference(sandbox, account.sid, conference_sid)
        participant = _participant(room, key)
    await sandbox.voice.end_participant_leg(participant, "removed")
    await sandbox.voice.leave_conference(room, participant, "removed")


ROUTES = [
    list_conferences,
    fetch_conference,
    create_participant,
    list_participants,
    fetch_participant,
    update_participant,
    remove_participant,
]
