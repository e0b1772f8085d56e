"""Plays Twilio's side of an inbound call against a running runtime, through the sandbox.

Everything the runtime receives is what Twilio would send: the voice webhook on the number's
configured URL, real-time transcription events on the URL the runtime put in its TwiML (one
``SequenceId`` per event), then the final status callback; each signed with the auth token of
the subaccount that owns the number, exactly as Twilio signs. The call exists in the sandbox, so
live call updates the runtime makes (spoken warnings) and the SMS alerts it sends are recorded
there and come back in the summary.
"""

from __future__ import annotations

import json
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

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


@dataclass
class _Twilio:
    """Signs and posts webhooks as Twilio does for one subaccount."""

    token: str
    http: httpx.Client
    sent: list[dict[str, Any]] = field(default_factory=list)

    def post(self, url: str, params: dict[str, str]) -> httpx.Response:
        signature = RequestValidator(self.token).compute_signature(url, params)
        response = self.http.post(url, data=params, headers={"X-Twilio-Signature": signature})
        self.sent.append(
            {
                "url": url,
                "event": params.get("TranscriptionEvent") or params.get("CallStatus"),
                "status": response.status_code,
            }
        )
        return response


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
    """Deliver an inbound SMS to the number's SMS webhook, signed; return the reply TwiML."""
    number, account = _owner(control, to)
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": account["sid"],
        "From": from_,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "ApiVersion": "2010-04-01",
    }
    with httpx.Client(timeout=15.0) as http:
        response = _Twilio(account["auth_token"], http).post(number["sms_url"], params)
    response.raise_for_status()
    return response.text


def play_call(
    control: SandboxControl,
    script: CallScript,
    *,
    wait_for_alerts: float = ALERT_WAIT_S,
    alerts_expected: Callable[[str], bool] = lambda _call_sid: True,
    on_event: Callable[[str], None] = lambda _line: None,
) -> dict[str, Any]:
    """Play ``script`` and return a summary: the TwiML, live updates, alerts sent, webhooks.

    After the call, SMS alerts are awaited (up to ``wait_for_alerts`` seconds) only when
    ``alerts_expected(call_sid)`` says so, e.g. because the runtime judged the call a scam.
    """
    state = control.state()
    number = next(
        (n for n in state["incoming_phone_numbers"] if n["phone_number"] == script.to), None
    )
    if number is None:
        raise LookupError(f"no number {script.to} in the sandbox: provision the tenant first")
    account = next(a for a in state["accounts"] if a["sid"] == number["account_sid"])
    messages_before = {m["sid"] for m in control.messages()}
    call = control.register_call(
        script.to,
        script.from_,
        forwarded_from=script.forwarded_from,
        caller_name=script.caller_name,
    )
    base = {
        "CallSid": call["sid"],
        "AccountSid": account["sid"],
        "From": script.from_,
        "To": script.to,
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    metadata = {
        "ForwardedFrom": script.forwarded_from,
        "CallerName": script.caller_name,
        "StirVerstat": script.stir_verstat,
    }
    with httpx.Client(timeout=15.0) as http:
        twilio = _Twilio(account["auth_token"], http)
        started = datetime.now(UTC)  # segments are stamped from here, as Twilio stamps events
        on_event(f"voice webhook → {number['voice_url']}")
        answer = twilio.post(
            number["voice_url"],
            base | {"CallStatus": "ringing"} | {k: v for k, v in metadata.items() if v},
        )
        twiml = answer.text
        whispered = _whisper(twiml, twilio, base)
        transcription = _transcription(twiml)
        if transcription is not None and script.segments:
            _stream_transcript(twilio, base, transcription, script.segments, started, on_event)
        duration = int(script.segments[-1].t + 5) if script.segments else 3
        on_event(f"status callback completed → {number['status_callback']}")
        twilio.post(
            number["status_callback"],
            base
            | {
                "CallStatus": "completed",
                "CallDuration": str(duration),
                "SequenceNumber": "0",
                "Timestamp": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
            },
        )
    wait = wait_for_alerts if alerts_expected(call["sid"]) else 0.0
    alerts = _wait_for_messages(control, messages_before, wait)
    live: dict[str, Any] = next(
        (c for c in control.state()["calls"] if c["sid"] == call["sid"]), {}
    )
    with httpx.Client(timeout=15.0) as http:
        twilio = _Twilio(account["auth_token"], http, twilio.sent)
        live_warnings = [w for t in live.get("twiml", []) for w in _whisper(t, twilio, base)]
    return {
        "call_sid": call["sid"],
        "to": script.to,
        "from": script.from_,
        "answer": {
            "status": answer.status_code,
            "twiml": twiml,
            "whispered": whispered,
            **_dial(twiml),
        },
        "live_updates": live.get("twiml", []),
        "live_warnings": live_warnings,
        "alerts": [
            {"to": m["to"], "from": m["from"], "body": m["body"], "status": m["status"]}
            for m in alerts
        ],
        "webhooks": twilio.sent,
    }


def _stream_transcript(
    twilio: _Twilio,
    base: dict[str, str],
    transcription: dict[str, str],
    segments: Sequence[ScriptedSegment],
    started: datetime,
    on_event: Callable[[str], None],
) -> None:
    url = transcription["url"]
    common = base | {
        "TranscriptionSid": "GT" + base["CallSid"][2:],
        "LanguageCode": transcription.get("language", "en-US"),
    }
    twilio.post(url, common | {"TranscriptionEvent": "transcription-started", "SequenceId": "1"})
    for sequence, segment in enumerate(segments, start=2):
        on_event(f"  {segment.t:5.1f}s {segment.speaker}: {segment.text}")
        twilio.post(
            url,
            common
            | {
                "TranscriptionEvent": "transcription-content",
                "SequenceId": str(sequence),
                "Track": TRACKS.get(segment.speaker, "inbound_track"),
                "Final": "true",
                "TranscriptionData": json.dumps({"transcript": segment.text, "confidence": 0.92}),
                "Timestamp": (started + timedelta(seconds=segment.t)).isoformat(),
            },
        )
    twilio.post(
        url,
        common
        | {"TranscriptionEvent": "transcription-stopped", "SequenceId": str(len(segments) + 2)},
    )


def _whisper(twiml: str, twilio: _Twilio, base: dict[str, str]) -> list[str]:
    """What the person hears before being bridged: Twilio fetches ``<Sip url>`` on their leg."""
    try:
        root = ET.fromstring(twiml)  # noqa: S314 (TwiML from our own runtime)
    except ET.ParseError:
        return []
    said = []
    for sip in root.iter("Sip"):
        if url := sip.get("url"):
            leg = base | {
                "CallSid": "CA" + secrets.token_hex(16),
                "Direction": "outbound-dial",
                "To": sip.text or "",
                "ParentCallSid": base["CallSid"],
            }
            reply = twilio.post(url, leg)
            said += [s.text for s in ET.fromstring(reply.text).iter("Say") if s.text]  # noqa: S314
    return said


def _transcription(twiml: str) -> dict[str, str] | None:
    try:
        root = ET.fromstring(twiml)  # noqa: S314 (TwiML from our own runtime)
    except ET.ParseError:
        return None
    node = root.find("./Start/Transcription")
    if node is None or not node.get("statusCallbackUrl"):
        return None
    return {"url": node.get("statusCallbackUrl", ""), "language": node.get("languageCode", "")}


def _dial(twiml: str) -> dict[str, Any]:
    try:
        root = ET.fromstring(twiml)  # noqa: S314 (TwiML from our own runtime)
    except ET.ParseError:
        return {"connected_to": None, "said": [], "rejected": False}
    return {
        "connected_to": next((s.text for s in root.iter("Sip")), None),
        "said": [s.text for s in root.iter("Say") if s.text],
        "rejected": root.find("Reject") is not None,
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
