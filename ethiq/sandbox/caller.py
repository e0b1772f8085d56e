"""Plays an inbound call against a running runtime, through the sandbox (which is Twilio here).

The sandbox runs the call as Twilio does (:mod:`ethiq.sandbox.voice`): the voice webhook on the
number's URL, the TwiML answered, call legs and the call's conference, transcription events,
participant and ``<Dial>`` callbacks, each signed with the owning subaccount's token. This
module scripts the call, waits for the SMS alerts the runtime sends, and summarises it all. It
also delivers inbound SMS (a contact's reply) to a number's SMS webhook, signed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ethiq.sandbox.client import SandboxControl

__all__ = ["CallScript", "ScriptedSegment", "parse_transcript", "play_call", "send_sms"]

TRACKS = {"caller": "inbound_track", "callee": "outbound_track"}
ALERT_WAIT_S = 15.0  # how long to wait for the runtime's outbox to send alerts after the call
POLL_S = 0.1


@dataclass(frozen=True)
class ScriptedSegment:
    t: float
    speaker: str  # "caller" or "callee"
    text: str


@dataclass(frozen=True)
class CallScript:
    to: str
    from_: str
    segments: Sequence[ScriptedSegment] = ()
    stir_verstat: str | None = None
    forwarded_from: str | None = None
    caller_name: str | None = None


def parse_transcript(text: str, gap_s: float = 5.0) -> list[ScriptedSegment]:
    """``caller: ...`` / ``callee: ...`` lines (or bare lines, said by the caller), one segment
    each, ``gap_s`` seconds apart."""
    segments = []
    for index, line in enumerate(filter(None, (raw.strip() for raw in text.splitlines()))):
        speaker, sep, said = line.partition(":")
        if not sep or speaker.strip().lower() not in TRACKS:
            speaker, said = "caller", line
        segments.append(ScriptedSegment(1.0 + index * gap_s, speaker.strip().lower(), said.strip()))
    return segments


def _owner(control: SandboxControl, number: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sandbox's incoming number ``number`` and the subaccount that owns it."""
    state = control.state()
    found = next((n for n in state["incoming_phone_numbers"] if n["phone_number"] == number), None)
    if found is None:
        raise LookupError(f"no number {number} in the sandbox: provision the tenant first")
    return found, next(a for a in state["accounts"] if a["sid"] == found["account_sid"])


def send_sms(control: SandboxControl, from_: str, to: str, body: str) -> str:
    """A text to our number ``to``, through the sandbox (Twilio's keyword handling first);
    return the runtime's reply TwiML."""
    return str(control.inbound_sms(from_, to, body)["reply_twiml"])


def play_call(
    control: SandboxControl,
    script: CallScript,
    *,
    wait_for_alerts: float = ALERT_WAIT_S,
    alerts_expected: Callable[[str], bool] = lambda _call_sid: True,
    on_event: Callable[[str], None] = lambda _line: None,
) -> dict[str, Any]:
    """Play ``script`` through the sandbox and summarise it: the TwiML the runtime answered,
    the legs and conference participants Twilio (the sandbox) saw, what each party heard,
    and the alerts sent.

    After the call, SMS alerts are awaited (up to ``wait_for_alerts`` seconds) only when
    ``alerts_expected(call_sid)`` says so, e.g. because the runtime judged the call a scam.
    """
    _owner(control, script.to)  # a clear error when the number is not provisioned
    messages_before = {m["sid"] for m in control.messages()}
    for segment in script.segments:
        on_event(f"  {segment.t:5.1f}s {segment.speaker}: {segment.text}")
    report = control.inbound_call(
        script.to,
        script.from_,
        [{"t": s.t, "speaker": s.speaker, "text": s.text} for s in script.segments],
        forwarded_from=script.forwarded_from,
        caller_name=script.caller_name,
        stir_verstat=script.stir_verstat,
    )
    wait = wait_for_alerts if alerts_expected(report["call_sid"]) else 0.0
    alerts = _wait_for_messages(control, messages_before, wait)
    legs = {leg["label"]: leg for leg in report["legs"]}
    caller, person = legs.get("caller", {}), legs.get("person", {})
    announcements = [
        said
        for conference in report["conferences"]
        for participant in conference["participants"]
        if participant["label"] == "person"
        for said in participant["announcements"]
    ]
    return {
        "call_sid": report["call_sid"],
        "to": script.to,
        "from": script.from_,
        "answer": {
            "twiml": report["twiml"][0] if report["twiml"] else None,
            "connected_to": person.get("to"),
            "person_answered": any("joined conference" in e for e in person.get("events", [])),
            "heard_by_caller": caller.get("heard", []),
            "rejected": caller.get("status") in {"busy", "failed"} and not person,
        },
        "twiml": report["twiml"],  # every document the caller's leg ran, in order
        "call_updates": report["updates"],  # REST updates of the call (none: nobody re-rung)
        "legs": [
            {k: leg[k] for k in ("label", "to", "direction", "status", "heard")}
            for leg in report["legs"]
        ],
        "conferences": report["conferences"],
        "live_warnings": announcements,  # heard by the person's participant only
        "alerts": [
            {"to": m["to"], "from": m["from"], "body": m["body"], "status": m["status"]}
            for m in alerts
        ],
    }


def _wait_for_messages(
    control: SandboxControl, before: set[str], wait_s: float
) -> list[dict[str, Any]]:
    """Messages the runtime sent after the call: wait until none arrived for a second."""
    deadline = time.monotonic() + wait_s
    seen = [m for m in control.messages() if m["sid"] not in before]
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        current = [m for m in control.messages() if m["sid"] not in before]
        if len(current) != len(seen):
            seen, quiet_since = current, time.monotonic()
        elif seen and time.monotonic() - quiet_since > 1.0:
            break
        time.sleep(POLL_S)
    return seen
