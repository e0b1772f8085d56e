"""Twilio's voice side: calls run as TwiML, with call legs, ``<Dial>`` outcomes and conferences.

A scripted inbound call (control API ``POST /_sandbox/calls/inbound``) runs like Twilio runs it:

1. the number's voice URL is requested (signed with the owning subaccount's token; ``CallerName``
   only when the number has ``VoiceCallerIdLookup``); if it fails, the voice fallback URL;
2. the TwiML answered is checked against :mod:`ethiq.sandbox.twiml` (violations are recorded)
   and executed verb by verb on the caller's leg: ``<Say>`` is heard by the caller,
   ``<Start><Transcription>`` forks a transcription of the call that lasts until ``<Stop>``,
   a REST stop or the end of the call (whatever TwiML runs next, ``<Record>`` included), or
   until Twilio stops it on its own (the script's ``transcription_fails_at``), ``<Dial>`` creates
   a child leg whose outcome (``completed``, ``busy``, ``no-answer``, ``failed``) comes from the
   dialled SIP endpoint's behaviour and is posted as ``DialCallStatus`` to ``action``;
   ``<Dial><Conference>`` puts the caller's leg in a named conference;
3. while the caller is connected (bridged, in a started conference, or recording), the script's
   segments are said: each becomes a ``transcription-content`` event (caller: inbound track,
   person: outbound track) on the transcription's callback;
4. REST calls the app makes meanwhile act on the legs: a participant created in a conference
   dials its own leg (status callbacks posted), ``announceUrl`` plays a document to that one
   participant (nobody else hears it), a call update replaces the whole call's TwiML (the
   current ``<Dial>`` ends: its other leg is hung up, exactly as Twilio documents).

Work a REST call starts is asynchronous, as on Twilio; the engine lets it finish ("settles")
before the next scripted segment, so a run is deterministic. Every leg keeps a timeline of
events stamped with one sequence, so a report can show what happened after what.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import httpx
import msgspec
from twilio.request_validator import RequestValidator

from ethiq.sandbox.formats import API_VERSION, new_sid, now
from ethiq.sandbox.journal import Violation
from ethiq.sandbox.serverless import RUNTIME_DOMAIN, serve
from ethiq.sandbox.state import (
    Account,
    Call,
    Conference,
    Handset,
    Participant,
    SipEndpoint,
    Transcription,
)
from ethiq.sandbox.twiml import ANNOUNCE_VERBS, check_twiml, parse_twiml, transcription_problem

EMERGENCY_NUMBERS = frozenset({"911", "933"})  # 933: Twilio's emergency address test (US)

if TYPE_CHECKING:
    from ethiq.sandbox.context import Sandbox

__all__ = ["EventLog", "InboundCallSpec", "SegmentSpec", "VoiceEngine"]

logger = logging.getLogger("ethiq.sandbox")

WEBHOOK_TIMEOUT_S = 15.0  # Twilio's read timeout for TwiML requests (error 11205 / 31408)
TRACKS = {"caller": "inbound_track", "callee": "outbound_track"}
TRANSCRIPTION_REFUSED = 32650  # the code the sandbox reports for an unsupported language/model
_SIP = re.compile(r"^sips?:(?P<user>[^@;]+)@(?P<host>[^;?>]+)(?P<params>(;[^;?]*)*)$")
LIVE = frozenset({"queued", "ringing", "in-progress"})


class SegmentSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    t: float
    speaker: str  # "caller" or "callee" (the protected person)
    text: str


class InboundCallSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A call from ``from`` to our number ``to``, and what is said once someone listens."""

    to: str
    from_: str = msgspec.field(name="from")
    segments: list[SegmentSpec] = msgspec.field(default_factory=list)
    forwarded_from: str | None = None
    caller_name: str | None = None
    stir_verstat: str | None = None
    # Twilio stops the call's transcription on its own (its engine or media stream failed)
    # before the first line said at or after this time; the call goes on untranscribed.
    transcription_fails_at: float | None = None


@dataclass
class _Run:
    """One inbound call being played."""

    call: Call
    account: Account
    segments: list[SegmentSpec]
    started: datetime
    transcription: Transcription | None = None  # the one running (one at a time)
    fails_at: float | None = None


@dataclass
class EventLog:
    """Where webhooks that belong to no call leg (SMS status callbacks) stamp their events."""

    events: list[str] = field(default_factory=list)


class _Redirected(Exception):
    """A REST update replaced the call's TwiML: stop the current document."""


class VoiceEngine:
    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._clock = itertools.count(1)
        self._pending: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None
        self._runs: dict[str, _Run] = {}  # calls whose TwiML is running, by sid

    # --- plumbing ------------------------------------------------------------------------

    @property
    def store(self) -> Any:
        return self._sandbox.store

    def stamp(self, leg: Call | EventLog, event: str) -> None:
        leg.events.append(f"{next(self._clock):05d} {event}")

    def spawn(self, work: Any) -> None:
        """Start asynchronous work (as Twilio does after answering a REST request)."""
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def settle(self) -> None:
        """Let every piece of started work finish (and whatever it started in turn), but the
        work settling: a placed call whose forwarded arrival dials on waits for that call's
        own work, never for itself."""
        me = asyncio.current_task()
        while others := [task for task in self._pending if task is not me]:
            await asyncio.gather(*others, return_exceptions=True)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_S)
        return self._http

    def _violation(self, url: str, message: str) -> None:
        self._sandbox.violations.record(
            Violation(
                seq=0, method="TwiML", path=url, operation=None, where="twiml", message=message
            )
        )

    async def post(
        self,
        leg: Call | EventLog,
        account: Account,
        url: str,
        params: Mapping[str, str],
        method: str = "POST",
    ) -> httpx.Response | None:
        """A signed webhook, as Twilio signs it (the account's own auth token). With GET the
        parameters travel in the query string, and the signature covers that whole URL.
        https://www.twilio.com/docs/usage/security#validating-requests"""
        body = {k: v for k, v in params.items() if v is not None}
        label = body.get("TranscriptionEvent") or body.get("CallStatus") or ""
        if method.upper() == "GET":
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(body)}" if body else url
            body = {}
        signature = RequestValidator(account.auth_token).compute_signature(url, body)
        try:
            if (urlsplit(url).hostname or "").endswith(RUNTIME_DOMAIN):
                response = self._twilio_hosted(method, url, signature, body)
            else:
                response = await self._client().request(
                    method.upper(),
                    url,
                    data=body or None,
                    headers={"X-Twilio-Signature": signature},
                )
        except httpx.HTTPError as error:
            self.stamp(leg, f"webhook {url} {label} -> error {type(error).__name__}")
            return None
        self.stamp(leg, f"webhook {url} {label} -> {response.status_code}")
        return response

    def _twilio_hosted(
        self, method: str, url: str, signature: str, body: dict[str, str]
    ) -> httpx.Response:
        """A ``*.twil.io`` URL is Twilio's own Serverless domain: served from this sandbox's
        deployed assets (:mod:`ethiq.sandbox.serverless`), whatever happens to the runtime."""
        with self.store.lock:
            tokens = {
                sid: tuple(t for t in (a.auth_token, a.secondary_auth_token) if t)
                for sid, a in self.store.accounts.items()
            }
            served = serve(self.store.serverless, tokens, method, url, signature, body)
        return httpx.Response(
            served.status,
            content=served.body,
            headers={"content-type": served.content_type},
            request=httpx.Request(method.upper(), url),
        )

    def _base(self, call: Call) -> dict[str, str]:
        return {
            "AccountSid": call.account_sid,
            "CallSid": call.sid,
            "From": call.from_,
            "To": call.to,
            "Direction": call.direction,
            "ApiVersion": API_VERSION,
            "CallStatus": call.status,
        }

    async def fetch_twiml(
        self,
        leg: Call,
        account: Account,
        url: str,
        params: Mapping[str, str],
        method: str = "POST",
    ) -> str | None:
        response = await self.post(leg, account, url, params, method)
        if response is None or response.status_code >= 400:  # noqa: PLR2004
            return None
        return response.text

    async def _primary(
        self, call: Call, account: Account, url: str | None, params: Mapping[str, str]
    ) -> tuple[str | None, str | None]:
        """The voice URL's TwiML, or the error Twilio reports for it: 11205 (no connection or
        no answer in time), 11200 (an HTTP error status), 12100 (not a TwiML document)."""
        if not url:
            return None, "11200"
        response = await self.post(call, account, url, params)
        if response is None:
            return None, "11205"
        if response.status_code >= 400:  # noqa: PLR2004
            return None, "11200"
        root = parse_twiml(response.text)
        if root is None or root.tag != "Response":
            self._violation(url, "12100: the voice URL answered no TwiML document")
            return None, "12100"
        return response.text, None

    def checked(self, url: str, twiml: str, allowed: frozenset[str] | None = None) -> bool:
        """Record every problem; False when Twilio could not run the document at all."""
        problems = check_twiml(twiml, allowed_verbs=allowed) if allowed else check_twiml(twiml)
        for problem in problems:
            self._violation(url, f"{problem.code}: {problem.message}")
        return not any(p.code == 12100 for p in problems)  # noqa: PLR2004

    # --- an inbound call -----------------------------------------------------------------

    async def inbound(
        self,
        spec: InboundCallSpec,
        *,
        settle: bool = True,
        on_answer: Callable[[], Awaitable[list[SegmentSpec]]] | None = None,
    ) -> dict[str, Any]:
        """``settle``: wait for the work the call started (not from work already pending).
        ``on_answer``: called when Twilio answers the call (it executes TwiML that does not
        begin with ``<Reject>``); what it returns is said by the caller once someone listens
        (a forwarded call: the placed call's own TwiML, see :meth:`outbound`)."""
        store = self.store
        with store.lock:
            number = store.number_by_phone(spec.to)
            if number is None:
                raise LookupError(f"{spec.to} is not a number of any sandbox account")
            account = store.accounts[number.account_sid]
            call = Call(
                sid=new_sid("CA"),
                account_sid=account.sid,
                to=spec.to,
                from_=spec.from_,
                phone_number_sid=number.sid,
                status="ringing",
                forwarded_from=spec.forwarded_from,
                # Twilio looks the caller's name up only when the number asks for it (a paid
                # lookup): https://www.twilio.com/docs/voice/twiml#request-parameters
                caller_name=spec.caller_name if number.voice_caller_id_lookup else None,
                label="caller",
            )
            store.calls[call.sid] = call
            voice_url, fallback = number.voice_url, number.voice_fallback_url
            fallback_method = number.voice_fallback_method
            status_callback = number.status_callback
        run = _Run(call, account, list(spec.segments), datetime.now(UTC))
        run.fails_at = spec.transcription_fails_at
        params = self._base(call) | {
            "ForwardedFrom": spec.forwarded_from or "",
            "StirVerstat": spec.stir_verstat or "",
        }
        if call.caller_name:
            params["CallerName"] = call.caller_name
        params = {k: v for k, v in params.items() if v}
        twiml, error = await self._primary(call, account, voice_url, params)
        source = voice_url or ""
        if error is not None and fallback:
            # Twilio requests the fallback URL when it cannot retrieve (connection failure,
            # timeout, HTTP error) or execute (invalid TwiML) the voice URL's TwiML, with the
            # error's code and the URL that failed:
            # https://www.twilio.com/docs/usage/security/availability-reliability#fallback-urls
            self.stamp(call, f"voice URL failed ({error}): fallback {fallback}")
            fallback_params = params | {"ErrorCode": error, "ErrorUrl": voice_url or ""}
            twiml = await self.fetch_twiml(
                call, account, fallback, fallback_params, fallback_method
            )
            source = fallback
        if twiml is None:
            call.said.append("We are sorry, an application error has occurred. Goodbye.")
            self.stamp(call, "application error: no TwiML")
        else:
            call.status = "in-progress"
            root = parse_twiml(twiml)
            rejected = root is not None and len(root) > 0 and root[0].tag == "Reject"
            if on_answer is not None and not rejected:
                run.segments += await on_answer()
            await self._execute(run, source, twiml)
        await self._hang_up(run)
        if status_callback:
            duration = int(spec.segments[-1].t + 5) if spec.segments else 3
            await self.post(
                call,
                account,
                status_callback,
                self._base(call)
                | {
                    "CallDuration": str(duration),
                    "Timestamp": now().strftime("%a, %d %b %Y %H:%M:%S +0000"),
                    "SequenceNumber": "0",
                },
            )
        if settle:
            await self.settle()
        return self.report(call.sid)

    # --- a call the app places -----------------------------------------------------------

    async def outbound(
        self,
        call: Call,
        account: Account,
        *,
        twiml: str | None,
        url: str | None,
        status_callback: str | None,
        timeout_s: int,
    ) -> None:
        """``POST /Calls`` to a phone on the network, as its handset and carrier treat it, or
        to a SIP address (see :meth:`sip_outcome`).

        Unconditional forwarding diverts at once; forwarding on no answer after the phone rang
        ``ring_s`` (if Twilio's ``Timeout`` lets it ring that long, else ``no-answer``). A
        diverted call reaches the target number as an inbound call (its voice URL, with
        ``ForwardedFrom`` if the carrier passes it); the placed call is answered when that one
        is, i.e. as soon as Twilio starts executing the arrival's TwiML (not a ``<Reject>``),
        and only then is the placed call's own TwiML requested (``Url`` is fetched "when the
        call connects": https://www.twilio.com/docs/voice/api/call-resource; inline
        ``Twiml`` "when the call is answered, Twilio immediately starts executing" it:
        https://www.twilio.com/en-us/changelog/pass-twiml-with-call-initiation-requests).
        Both then run at once on Twilio: what the placed call says is what the arrival's
        caller says, so an arrival that ``<Dial>``s the person's app bridges those words to
        the app. The sandbox runs them in that order: the placed call's document is fetched
        first, its ``<Say>`` words become the arrival's caller's script, the arrival's TwiML
        runs, then the placed call's document is recorded as run. Then the status callback.
        """
        with self.store.lock:
            handset = self.store.handsets.get(call.to)
        call.status = "ringing"
        self.stamp(call, f"calling {call.to}")
        divert = handset is not None and (
            handset.forwarding == "unconditional"
            or (
                handset.forwarding == "no-answer"
                and not handset.answers
                and timeout_s > handset.ring_s
            )
        )
        outcome = "no-answer"
        if call.to.startswith(("sip:", "sips:")):
            # A SIP address, a registered endpoint of a domain included, is called like a
            # number (https://www.twilio.com/docs/voice/api/sip-making-calls): the endpoint
            # answers, or the call ends failed / busy / no-answer as a <Dial><Sip> would.
            status, code = self.sip_outcome(call.account_sid, call.to)
            outcome = "answered" if status == "completed" else status
            self.stamp(call, f"{call.to}: {outcome} ({code})")
        elif handset is not None and handset.answers and handset.forwarding != "unconditional":
            outcome = "answered"
            self.stamp(call, f"{call.to} answered")
        fetched: list[str | None] = []

        async def answered() -> list[SegmentSpec]:
            """The arrival was answered, hence the placed call: its TwiML now."""
            call.status = "in-progress"
            self.stamp(call, f"answered at {handset.forward_to if handset else ''}")
            document = twiml
            if document is None and url:
                document = await self.fetch_twiml(call, account, url, self._base(call))
            fetched.append(document)
            words = _said(document) if document else []
            return [SegmentSpec(t=5.0 * i, speaker="caller", text=w) for i, w in enumerate(words)]

        if outcome != "answered" and divert and handset is not None:
            outcome = await self._divert(call, handset, answered)
        if outcome == "answered":
            call.status = "in-progress"
            if fetched:
                document = fetched[0]
            else:
                document = twiml
                if document is None and url:
                    document = await self.fetch_twiml(call, account, url, self._base(call))
            if document is not None:
                await self._execute(_Run(call, account, [], datetime.now(UTC)), url or "", document)
            call.status = "completed"
        else:
            call.status = outcome
            self.stamp(call, outcome)
        call.end_time = now()
        if status_callback:
            await self.post(
                call,
                account,
                status_callback,
                self._base(call)
                | {
                    "CallDuration": "5" if call.status == "completed" else "0",
                    "Timestamp": now().strftime("%a, %d %b %Y %H:%M:%S +0000"),
                    "SequenceNumber": "0",
                },
            )

    async def _divert(
        self,
        call: Call,
        handset: Handset,
        answered: Callable[[], Awaitable[list[SegmentSpec]]],
    ) -> str:
        """The carrier forwards the call to ``handset.forward_to``: answered there or not
        (``answered``: when it is, see :meth:`outbound`)."""
        target = handset.forward_to or ""
        self.stamp(call, f"{call.to} forwards ({handset.forwarding}) to {target}")
        with self.store.lock:
            ours = self.store.number_by_phone(target) is not None
        if not ours:  # a phone we do not model: it rings out
            return "no-answer"
        forwarded_from = call.to if handset.passes_forwarded_from else None
        spec = InboundCallSpec(to=target, from_=call.from_, forwarded_from=forwarded_from)
        report = await self.inbound(spec, settle=False, on_answer=answered)
        if not report["twiml"] or report["status"] in {"busy", "failed"}:
            return "busy" if report["status"] == "busy" else "failed"
        return "answered"

    async def _execute(self, run: _Run, url: str, twiml: str) -> None:
        """Run a document on the caller's leg; a redirect runs the new one instead."""
        document: str | None = twiml
        source = url
        self._runs[run.call.sid] = run
        try:
            while document is not None:
                run.call.documents.append(document)
                run.call.redirect = None
                if not self.checked(source, document):
                    run.call.said.append("We are sorry, an application error has occurred.")
                    return
                try:
                    document, source = await self._verbs(run, source, document)
                except _Redirected:
                    document, source = run.call.redirect, "calls.update"
                if run.call.status not in LIVE:
                    return
        finally:
            self._runs.pop(run.call.sid, None)

    def _check_redirect(self, run: _Run) -> None:
        if run.call.redirect is not None:
            raise _Redirected

    async def _verbs(self, run: _Run, url: str, twiml: str) -> tuple[str | None, str]:
        root = parse_twiml(twiml)
        assert root is not None  # noqa: S101 - checked
        call = run.call
        for verb in root:
            self._check_redirect(run)
            tag = verb.tag
            if tag == "Say":
                call.said.append((verb.text or "").strip())
                self.stamp(call, f"say {verb.get('voice')} {verb.get('language')}")
            elif tag == "Play":
                call.said.append(f"[audio {verb.text}]")
            elif tag in {"Hangup", "Reject"}:
                call.status = "busy" if verb.get("reason") == "busy" else "completed"
                if tag == "Reject":
                    call.status = "busy" if verb.get("reason") == "busy" else "failed"
                self.stamp(call, tag.lower())
                return None, url
            elif tag == "Start":
                await self._start(run, verb)
            elif tag == "Stop":
                await self._stop_transcription(run)
            elif tag == "Redirect":
                target = (verb.text or "").strip()
                next_doc = await self.fetch_twiml(call, run.account, target, self._base(call))
                return next_doc, target
            elif tag == "Record":
                return await self._record(run, verb)
            elif tag == "Dial":
                return await self._dial(run, verb)
        call.status = "completed"  # end of the document: Twilio hangs up
        return None, url

    # --- transcription -------------------------------------------------------------------
    # Status callback events as Twilio documents them for real-time transcription:
    # transcription-started, transcription-content, transcription-stopped, transcription-error
    # (https://www.twilio.com/docs/voice/twiml/transcription#statuscallbackurl). A transcription
    # started by ``<Start><Transcription>`` or by the REST API
    # (https://www.twilio.com/docs/voice/api/realtime-transcription-resource) runs until
    # ``<Stop>``, a REST update to ``stopped``, the end of the call, or a failure of Twilio's;
    # each ends with ``transcription-stopped``, which says not why.

    async def _start(self, run: _Run, verb: ET.Element) -> None:
        for child in verb:
            if child.tag != "Transcription" or not child.get("statusCallbackUrl"):
                continue
            record = Transcription(
                sid=new_sid("GT"),
                account_sid=run.account.sid,
                call_sid=run.call.sid,
                name=child.get("name"),
                parameters=dict(child.attrib),
            )
            with self.store.lock:
                self.store.transcriptions[record.sid] = record
            await self.begin_transcription(run.call, run.account, record)

    async def begin_transcription(
        self, call: Call, account: Account, record: Transcription
    ) -> None:
        """A transcription starts on a live call (TwiML or REST): refused with
        ``transcription-error`` (the call goes on untranscribed), or started."""
        attributes = _attributes(record)
        if problem := transcription_problem(attributes):
            self.stamp(call, f"transcription refused: {problem}")
            record.status = "stopped"
            await self._transcription_event(
                call,
                account,
                record,
                {
                    "TranscriptionEvent": "transcription-error",
                    "TranscriptionErrorCode": str(TRANSCRIPTION_REFUSED),
                    "TranscriptionError": problem,
                },
            )
            return
        run = self._runs.get(call.sid)
        if run is not None:
            if run.transcription is not None:  # one at a time: the new one replaces it
                await self.end_transcription(call, account, run.transcription)
            run.transcription = record
        self.stamp(call, f"transcription started {attributes.get('languageCode')}")
        await self._transcription_event(
            call, account, record, {"TranscriptionEvent": "transcription-started"}
        )

    async def end_transcription(self, call: Call, account: Account, record: Transcription) -> None:
        """The transcription stops (``<Stop>``, REST, the call's end, a failure): its last
        event, ``transcription-stopped``; nothing said from here is transcribed by it."""
        run = self._runs.get(call.sid)
        if run is not None and run.transcription is record:
            run.transcription = None
        if record.status == "stopped":
            return
        record.status, record.date_updated = "stopped", now()
        await self._transcription_event(
            call, account, record, {"TranscriptionEvent": "transcription-stopped"}
        )

    async def _stop_transcription(self, run: _Run) -> None:
        if run.transcription is not None:
            await self.end_transcription(run.call, run.account, run.transcription)

    async def _fail_transcription(self, run: _Run, at: float) -> None:
        """Twilio's engine or media stream fails mid-call: the transcription stops, the call
        goes on. The sandbox lets the app's reaction (REST requests) finish before going on."""
        if run.fails_at is None or at < run.fails_at or run.transcription is None:
            return
        run.fails_at = None
        self.stamp(run.call, "transcription stopped by Twilio (engine failure), call goes on")
        await self.end_transcription(run.call, run.account, run.transcription)
        await self.settle()

    async def _transcription_event(
        self, call: Call, account: Account, record: Transcription, params: dict[str, str]
    ) -> None:
        attributes = _attributes(record)
        url = attributes.get("statusCallbackUrl")
        if not url:
            return
        record.events += 1
        base = self._base(call) | {
            "TranscriptionSid": record.sid,
            "LanguageCode": attributes.get("languageCode", "en-US"),
            "SequenceId": str(record.events),  # per transcription
            "Timestamp": datetime.now(UTC).isoformat(),
        }
        method = attributes.get("statusCallbackMethod", "POST")
        await self.post(call, account, url, base | params, method)

    async def _say_segment(self, run: _Run, segment: SegmentSpec, person: Call | None) -> None:
        if segment.speaker == "callee" and (person is None or person.status != "in-progress"):
            return  # nobody on the person's side to say it
        self.stamp(run.call, f"{segment.speaker} says: {segment.text}")
        if run.transcription is None:
            return
        track = TRACKS.get(segment.speaker, "inbound_track")
        wanted = _attributes(run.transcription).get("track", "both_tracks")
        if wanted not in {"both_tracks", track}:
            return
        self.stamp(run.call, f"transcribed {track}")
        await self._transcription_event(
            run.call,
            run.account,
            run.transcription,
            {
                "TranscriptionEvent": "transcription-content",
                "Track": track,
                "Final": "true",
                "TranscriptionData": json.dumps(
                    {"transcript": segment.text, "confidence": 0.92}, ensure_ascii=False
                ),
                "Timestamp": (run.started + timedelta(seconds=segment.t)).isoformat(),
            },
        )

    async def _converse(self, run: _Run, person: Call | None, *, caller_only: bool = False) -> None:
        """Say the script while the caller is connected; stop on a redirect or a hang-up."""
        while run.segments:
            await self.settle()
            self._check_redirect(run)
            if person is not None and person.status != "in-progress":
                return  # the person hung up (or was dropped)
            segment = run.segments.pop(0)
            await self._fail_transcription(run, segment.t)
            self._check_redirect(run)
            if caller_only and segment.speaker != "caller":
                continue
            await self._say_segment(run, segment, person)
        await self.settle()
        self._check_redirect(run)

    # --- <Record> ------------------------------------------------------------------------

    async def _record(self, run: _Run, verb: ET.Element) -> tuple[str | None, str]:
        call = run.call
        if verb.get("playBeep", "true") == "true":
            call.said.append("[beep]")
        self.stamp(call, "recording")
        await self._converse(run, None, caller_only=True)
        recording = new_sid("RE")
        self.stamp(call, f"recording {recording} done")
        action = verb.get("action")
        if not action:
            call.status = "completed"
            return None, ""
        params = self._base(call) | {
            "RecordingSid": recording,
            "RecordingUrl": f"https://api.twilio.com/{API_VERSION}/Accounts/{call.account_sid}"
            f"/Recordings/{recording}",
            "RecordingDuration": "12",
            "Digits": "hangup",
        }
        call.status = "completed"  # the caller hung up after leaving the message
        await self.fetch_twiml(call, run.account, action, params | {"CallStatus": "completed"})
        return None, action

    # --- <Dial> --------------------------------------------------------------------------

    async def _dial(self, run: _Run, verb: ET.Element) -> tuple[str | None, str]:
        call = run.call
        nouns = list(verb)
        noun = nouns[0] if nouns else None
        status: str = "failed"
        extra: dict[str, str] = {}
        if noun is not None and noun.tag == "Conference":
            status = await self._join_conference(run, noun)
        elif noun is not None and noun.tag in {"Sip", "Number"}:
            status, extra = await self._dial_leg(run, verb, noun)
        elif (verb.text or "").strip() or (noun is not None and noun.tag == "Client"):
            status = "completed"
        action = verb.get("action")
        self.stamp(call, f"dial ended: {status}")
        if action:
            params = self._base(call) | {"DialCallStatus": status} | extra
            if call.status not in LIVE:
                params["CallStatus"] = "completed"
            document = await self.fetch_twiml(call, run.account, action, params)
            if call.status in LIVE and document is not None:
                return document, action
            return None, action
        if status == "completed":
            call.status = "completed"
        return None, ""  # without action, the next verb … here, the document simply goes on

    async def _dial_leg(
        self, run: _Run, dial: ET.Element, noun: ET.Element
    ) -> tuple[str, dict[str, str]]:
        call = run.call
        to = (noun.text or "").strip()
        leg = Call(
            sid=new_sid("CA"),
            account_sid=call.account_sid,
            to=to,
            from_=dial.get("callerId") or call.from_,
            phone_number_sid=None,
            status="ringing",
            direction="outbound-dial",
            parent_call_sid=call.sid,
            label="person" if noun.tag == "Sip" else "dialled",
        )
        with self.store.lock:
            self.store.calls[leg.sid] = leg
        outcome, code = (
            self.sip_outcome(call.account_sid, to) if noun.tag == "Sip" else ("completed", 200)
        )
        if noun.tag == "Number" and to in EMERGENCY_NUMBERS:
            leg.label, heard = self._emergency(call, leg.from_, to)
            leg.said.append(heard)
        self.stamp(leg, f"dialled {to}: {outcome} ({code})")
        extra = {"DialCallSid": leg.sid}
        if noun.tag == "Sip":
            extra["DialSipResponseCode"] = str(code)
        if outcome != "completed":
            leg.status = outcome
            leg.end_time = now()
            return outcome, extra
        leg.status = "in-progress"
        if whisper := noun.get("url"):
            # Runs on the called party's leg after they answer, before the bridge.
            method = noun.get("method", "POST")
            document = await self.fetch_twiml(leg, run.account, whisper, self._base(leg), method)
            if document and self.checked(whisper, document):
                leg.said += _said(document)
        try:
            await self._converse(run, leg)
            call.status = "completed"  # the script is over: the caller hangs up
        finally:
            leg.status, leg.end_time = "completed", now()
            self.stamp(leg, "hung up")
        return "completed", extra | {"DialCallDuration": "30"}

    def _emergency(self, call: Call, caller_id: str, dialled: str) -> tuple[str, str]:
        """Where Twilio routes 911 (or the 933 address test) from a SIP domain: with emergency
        calling on the domain and a registered emergency address on the caller ID, to the
        dispatcher serving that address, who sees it (933 reads it back); otherwise to a
        national centre that must ask where the caller is.
        https://www.twilio.com/docs/voice/sip/emergency-calling"""
        host = call.from_.partition("@")[2].split(";", 1)[0]
        with self.store.lock:
            domain = next((d for d in self.store.domains.values() if d.domain_name == host), None)
            number = self.store.number_by_phone(caller_id)
            address = (
                self.store.addresses.get(number.emergency_address_sid or "") if number else None
            )
        if domain is None or not domain.emergency_calling_enabled or address is None:
            return "emergency-national-centre", "[national emergency centre: no address known]"
        where = f"{address.street}, {address.city}, {address.region} {address.postal_code}"
        return (
            ("emergency-test", f"[933] {where}")
            if dialled == "933"
            else ("emergency-dispatcher", f"[dispatcher sees {caller_id} at {where}]")
        )

    async def from_sip(self, from_: str, to: str) -> dict[str, Any]:
        """A call placed by a SIP app registered on one of our domains: the domain's voice URL
        is requested (signed) with ``From``/``To`` as SIP URIs, and its TwiML runs."""
        host = to.partition("@")[2].split(";", 1)[0]
        with self.store.lock:
            domain = next((d for d in self.store.domains.values() if d.domain_name == host), None)
            if domain is None or not domain.voice_url:
                raise LookupError(f"{host} is not a SIP domain with a voice URL")
            account = self.store.accounts[domain.account_sid]
            call = Call(
                sid=new_sid("CA"),
                account_sid=account.sid,
                to=to,
                from_=from_,
                phone_number_sid=None,
                label="sip-app",
            )
            self.store.calls[call.sid] = call
        run = _Run(call, account, [], datetime.now(UTC))
        params = self._base(call) | {"SipDomain": domain.domain_name, "SipDomainSid": domain.sid}
        twiml = await self.fetch_twiml(call, account, domain.voice_url, params)
        if twiml is None:
            call.said.append("We are sorry, an application error has occurred. Goodbye.")
        else:
            await self._execute(run, domain.voice_url, twiml)
        await self._hang_up(run)
        await self.settle()
        return self.report(call.sid)

    def sip_outcome(self, account_sid: str, uri: str) -> tuple[str, int]:  # noqa: PLR0911
        """What dialling ``uri`` gives: Twilio's status and the SIP response code."""
        match = _SIP.fullmatch(uri)
        if match is None:
            return "failed", 400
        params = {p.split("=", 1)[0]: p.partition("=")[2] for p in match["params"].split(";") if p}
        secure = params.get("secure") == "true"
        host = match["host"]
        with self.store.lock:
            domain = next((d for d in self.store.domains.values() if d.domain_name == host), None)
            endpoint = self.store.sip_endpoints.get(f"{match['user']}@{host}")
        if domain is not None and domain.account_sid != account_sid:
            return "failed", 403
        if domain is not None and not domain.sip_registration:
            return "failed", 404
        endpoint = endpoint or SipEndpoint(secure_only=domain is not None)
        if endpoint.behaviour == "offline":
            return "failed", 480  # no registered binding
        if endpoint.secure_only and not secure:
            return "failed", 488  # the app refuses an unencrypted session
        if endpoint.behaviour == "busy":
            return "busy", 486
        if endpoint.behaviour == "no-answer":
            return "no-answer", 487
        return "completed", 200

    # --- conferences ---------------------------------------------------------------------

    def conference_named(self, account_sid: str, name: str) -> Conference:
        """The live conference of that name in the account, created when there is none."""
        with self.store.lock:
            for conference in self.store.conferences.values():
                if (
                    conference.account_sid == account_sid
                    and conference.friendly_name == name
                    and conference.status != "completed"
                ):
                    return conference  # type: ignore[no-any-return]
            conference = Conference(sid=new_sid("CF"), account_sid=account_sid, friendly_name=name)
            self.store.conferences[conference.sid] = conference
            return conference

    def _update_conference(self, conference: Conference) -> None:
        connected = [p for p in conference.participants.values() if p.status == "connected"]
        if conference.status == "init" and any(p.start_conference_on_enter for p in connected):
            conference.status = "in-progress"

    async def _join_conference(self, run: _Run, noun: ET.Element) -> str:
        call = run.call
        conference = self.conference_named(call.account_sid, (noun.text or "").strip())
        me = Participant(
            call_sid=call.sid,
            account_sid=call.account_sid,
            conference_sid=conference.sid,
            label=noun.get("participantLabel"),
            status="connected",
            start_conference_on_enter=noun.get("startConferenceOnEnter", "true") == "true",
            end_conference_on_exit=noun.get("endConferenceOnExit", "false") == "true",
        )
        with self.store.lock:
            conference.participants[call.sid] = me
            call.conference_sid = conference.sid
            self._update_conference(conference)
        conference.entered.set()
        self.stamp(call, f"joined conference {conference.friendly_name}")
        try:
            await self.settle()  # the app may be dialling the other party right now
            self._check_redirect(run)
            person = self._other_leg(conference, call.sid)
            if conference.status == "in-progress" and person is not None:
                await self._converse(run, person)
            else:
                self.stamp(call, "alone in the conference: hears the wait music, hangs up")
            call.status = "completed"  # the caller hangs up: they leave the conference
        finally:
            await self.leave_conference(conference, me, "left")
        return "completed"

    def _other_leg(self, conference: Conference, call_sid: str) -> Call | None:
        with self.store.lock:
            for participant in conference.participants.values():
                if participant.call_sid != call_sid and participant.status == "connected":
                    return self.store.calls.get(participant.call_sid)  # type: ignore[no-any-return]
        return None

    async def leave_conference(
        self, conference: Conference, participant: Participant, why: str
    ) -> None:
        with self.store.lock:
            participant.status = "complete"
            leg = self.store.calls.get(participant.call_sid)
            ending = participant.end_conference_on_exit or not any(
                p.status == "connected" for p in conference.participants.values()
            )
            others = [p for p in conference.participants.values() if p.status == "connected"]
        if leg is not None:
            self.stamp(leg, f"left conference {conference.friendly_name}: {why}")
        if ending and conference.status != "completed":
            conference.status = "completed"
            conference.entered.set()
            conference.reason_ended = (
                "participant-with-end-conference-on-exit-left"
                if participant.end_conference_on_exit
                else "last-participant-left"
            )
            for other in others:  # Twilio hangs up everyone still in it
                await self.end_participant_leg(other, "conference ended")

    async def end_participant_leg(self, participant: Participant, why: str) -> None:
        with self.store.lock:
            participant.status = "complete"
            leg = self.store.calls.get(participant.call_sid)
        if leg is None or leg.status not in LIVE:
            return
        leg.status, leg.end_time = "completed", now()
        self.stamp(leg, f"hung up: {why}")
        await self._participant_callback(participant, leg, "completed")

    async def _participant_callback(self, participant: Participant, leg: Call, event: str) -> None:
        if not participant.status_callback or event not in participant.status_callback_events:
            return
        account = self.store.accounts[leg.account_sid]
        await self.post(
            leg,
            account,
            participant.status_callback,
            self._base(leg)
            | {
                "CallbackSource": "call-progress-events",
                "ConferenceSid": participant.conference_sid,
                "Timestamp": now().strftime("%a, %d %b %Y %H:%M:%S +0000"),
            },
        )

    async def dial_participant(self, participant: Participant, leg: Call, timeout: int) -> None:
        """A participant created through the REST API: ring its leg, join if answered."""
        self.stamp(leg, f"dialling {leg.to} (timeout {timeout}s)")
        await self._participant_callback(participant, leg, "initiated")
        leg.status = "ringing"
        participant.status = "ringing"
        await self._participant_callback(participant, leg, "ringing")
        outcome, code = (
            self.sip_outcome(leg.account_sid, leg.to)
            if leg.to.startswith(("sip:", "sips:"))
            else ("completed", 200)
        )
        if outcome != "completed":
            await self._ringing(participant, timeout)
        self.stamp(leg, f"dialled {leg.to}: {outcome} ({code})")
        if outcome != "completed":
            participant.status = "failed"
            leg.status, leg.end_time = outcome, now()
            await self._participant_callback(participant, leg, "completed")
            return
        leg.status = "in-progress"
        with self.store.lock:
            participant.status = "connected"
            conference = self.store.conferences[participant.conference_sid]
            self._update_conference(conference)
        self.stamp(leg, f"joined conference {conference.friendly_name}")
        await self._participant_callback(participant, leg, "answered")

    async def _ringing(self, participant: Participant, timeout: int) -> None:
        """A leg nobody answers is reported only once it has rung: Twilio answers the create at
        once (the participant ``queued``) and dials in the background, and by the time the
        endpoint refuses or ``Timeout`` runs out, the call that asked for it has entered its
        conference (its TwiML runs in milliseconds). Reporting at once would let the outcome
        overtake that call's TwiML, as it never does on Twilio.
        https://www.twilio.com/docs/voice/api/conference-participant-resource#create-a-participant-resource
        """
        with self.store.lock:
            conference = self.store.conferences.get(participant.conference_sid)
        if conference is None:
            return
        try:
            await asyncio.wait_for(conference.entered.wait(), timeout)
        except TimeoutError:
            self.stamp(
                self.store.calls[participant.call_sid],
                f"rang {timeout}s: no call entered the conference",
            )

    async def announce(self, participant: Participant, url: str, method: str) -> None:
        """Play ``url`` to this participant only (Participant ``announceUrl``)."""
        with self.store.lock:
            leg = self.store.calls.get(participant.call_sid)
            account = self.store.accounts[participant.account_sid]
        if leg is None:
            return
        params = self._base(leg) | {"ConferenceSid": participant.conference_sid}
        if method.upper() == "GET":
            self._violation(url, "announcement fetched with GET: the runtime serves POST")
        document = await self.fetch_twiml(leg, account, url, params)
        if document is None:
            self.stamp(leg, "announcement failed")
            return
        if self.checked(url, document, ANNOUNCE_VERBS):
            said = _said(document)
            participant.announcements += said
            leg.said += said
            self.stamp(leg, f"announcement played to {participant.label or leg.sid} only")

    async def redirect(self, call: Call, twiml: str) -> None:
        """A REST update on a live call: its TwiML is replaced, its ``<Dial>`` ends."""
        call.redirect = twiml
        self.stamp(call, "call updated with new TwiML (the current <Dial> ends)")
        with self.store.lock:
            conference = self.store.conferences.get(call.conference_sid or "")
            mine = conference.participants.get(call.sid) if conference else None
        if conference is not None and mine is not None and mine.status == "connected":
            await self.leave_conference(conference, mine, "redirected by a call update")
        for leg in list(self.store.calls.values()):
            if leg.parent_call_sid == call.sid and leg.status in LIVE:
                leg.status, leg.end_time = "completed", now()
                self.stamp(leg, "hung up: the parent call was redirected")

    async def _hang_up(self, run: _Run) -> None:
        call = run.call
        if call.status in LIVE:
            call.status = "completed"
        call.end_time = call.end_time or now()
        self.stamp(call, "caller hung up")
        await self._stop_transcription(run)

    # --- what happened -------------------------------------------------------------------

    def report(self, call_sid: str) -> dict[str, Any]:
        """The caller's leg, every leg and conference it touched, and their timelines."""
        with self.store.lock:
            call = self.store.calls[call_sid]
            conferences = [
                c
                for c in self.store.conferences.values()
                if call_sid in c.participants
                or any(p.call_sid == call_sid for p in c.participants.values())
            ]
            in_conference = {p for c in conferences for p in c.participants}
            legs = [call] + [
                leg
                for leg in self.store.calls.values()
                if leg.sid != call_sid
                and (leg.parent_call_sid == call_sid or leg.sid in in_conference)
            ]
            return {
                "call_sid": call.sid,
                "status": call.status,
                "twiml": list(call.documents),
                "updates": list(call.twiml),  # documents set by REST call updates
                "legs": [_leg(leg) for leg in legs],
                "conferences": [
                    {
                        "sid": c.sid,
                        "friendly_name": c.friendly_name,
                        "status": c.status,
                        "reason_ended": c.reason_ended,
                        "participants": [
                            {
                                "label": p.label,
                                "call_sid": p.call_sid,
                                "status": p.status,
                                "announcements": list(p.announcements),
                            }
                            for p in c.participants.values()
                        ],
                    }
                    for c in conferences
                ],
            }


def _leg(leg: Call) -> dict[str, Any]:
    return {
        "sid": leg.sid,
        "label": leg.label,
        "to": leg.to,
        "from": leg.from_,
        "direction": leg.direction,
        "status": leg.status,
        "heard": list(leg.said),
        "events": list(leg.events),
    }


def _said(document: str) -> list[str]:
    root = parse_twiml(document)
    if root is None:
        return []
    return [(s.text or "").strip() for s in root.iter("Say") if s.text]


def _attributes(record: Transcription) -> dict[str, str]:
    """A transcription's settings by TwiML attribute name (the REST parameters are the same
    names, capitalised: ``StatusCallbackUrl`` is ``statusCallbackUrl``)."""
    return {name[:1].lower() + name[1:]: value for name, value in record.parameters.items()}
