"""The call path: answer (pre-answer screening), transcription events, status callbacks.

Each dependency step is time-bounded and may fail on its own: a blocklist or velocity store that
is down, or a database that is down, degrades screening but never the answer (design: "a person
must never lose a call because a cache is down"). Degradations are logged and counted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Final, Protocol, TypeVar

import msgspec

from runtime.calls.blocklist import Blocklist
from runtime.calls.campaigns import Campaigns, ScamSurge
from runtime.calls.hooks import AlertHooks
from runtime.calls.live import CallUpdater
from runtime.calls.preferences import CallRules
from runtime.calls.records import (
    RANK,
    Escalation,
    as_utc,
    call_by_sid,
    insert_call,
    mark_degraded,
    read_for_segment,
    record_answered_call,
    record_assessment,
    store_final_segment,
    transaction,
)
from runtime.calls.sessions import LiveSession, SessionCache
from runtime.calls.tables import CallTables, bind_tables
from runtime.calls.tracks import speaker_for
from runtime.calls.velocity import Counted, Velocity
from runtime.metrics import Metrics
from runtime.screening.engine import Assessment, ScreeningSession
from runtime.screening.model import CallMeta, Segment
from runtime.screening.risk import Sensitivity
from runtime.settings import Settings
from runtime.storage import RawFetch, TenantStore, raw_fetch
from runtime.telephony import paths, twiml
from runtime.telephony.consent import needs_consent_notice
from runtime.telephony.signatures import public_url
from runtime.tenants import TenantRecord

__all__ = ["Answer", "CallService"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Status ranks: a callback may only move a call forward (callbacks arrive out of order).
_STATUS_RANK: Final = {
    "queued": 0,
    "initiated": 0,
    "ringing": 1,
    "in-progress": 2,
    "answered": 2,
    "completed": 3,
    "busy": 3,
    "failed": 3,
    "no-answer": 3,
    "canceled": 3,
    "blocked": 3,
}
_TERMINAL: Final = 3
LIVE: Final = frozenset({"queued", "ringing", "in-progress"})  # Twilio's statuses of a live call
# A transcription Twilio stopped while the call was live is started again, this many times at
# most per call (a failure that persists is not retried for ever). A restarted one numbers
# its events from 1 again: its SequenceIds are stored shifted by a span per restart, so that
# they never collide with the earlier ones' (the segment key is call, track, sequence).
TRANSCRIPTION_RESTARTS: Final = 2
_SEQUENCE_SPAN: Final = 1_000_000
UNANSWERED: Final = frozenset({"no-answer", "busy", "failed", "canceled"})
PARTICIPANT_TIMEOUT_S: Final = 6.0  # ringing the person in: one REST call, within Twilio's 15 s
QUIET_HOURS: Final = "quiet_hours"  # a call's outcome when quiet hours sent it to voicemail
_TRUSTED: Final = {
    "fr-CA": "numéro de confiance : sonne toujours, pas filtré",
    "en-US": "trusted number: always rings, not screened",
}


@dataclass(slots=True)
class Answer:
    """The voice webhook's TwiML and what it decided."""

    twiml: str
    verdict: str
    degraded: list[str] = field(default_factory=list)


class TellOperators(Protocol):
    def __call__(
        self, what: str, subject: str, body: str, *, within: timedelta | None = None
    ) -> Awaitable[int]: ...


class CallService:
    def __init__(
        self,
        *,
        settings: Settings,
        storage: TenantStore,
        blocklist: Blocklist,
        velocity: Velocity,
        updater: CallUpdater,
        metrics: Metrics,
        alerts: AlertHooks,
        campaigns: Campaigns | None = None,
        surge: ScamSurge | None = None,
        sessions: SessionCache | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._storage = storage
        self._blocklist = blocklist
        self._velocity = velocity
        self._updater = updater
        self._metrics = metrics
        self._alerts = alerts
        self._campaigns = campaigns
        self._surge = surge
        #: Tells the on-call operator (:meth:`runtime.fleet.oncall.Oncall.tell`): set by the app.
        self.tell_operators: TellOperators | None = None
        self._telling: set[asyncio.Task[None]] = set()
        self._sessions = sessions or SessionCache(settings.screening.max_sessions)
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    @property
    def updater(self) -> CallUpdater:
        return self._updater

    def tables(self, tenant: TenantRecord) -> CallTables:
        return bind_tables(self._storage.engine(tenant.slug))

    # --- answer --------------------------------------------------------------------------

    async def rules(
        self, tenant: TenantRecord, params: Mapping[str, str]
    ) -> tuple[CallRules, list[str]]:
        """The person's preferences about this call's caller (see runtime.calls.preferences),
        and the dependencies degraded; unreadable: none apply, the call rings as any other
        (never lost)."""
        degraded: list[str] = []
        rules = (
            await self._try(
                self._blocklist.rules(tenant.slug, params.get("From", ""), self._clock()),
                self._db_timeout,
                "database",
                degraded,
            )
            or CallRules()
        )
        return rules, degraded

    @staticmethod
    def screens(rules: CallRules, params: Mapping[str, str]) -> bool:
        """Whether :meth:`answer` screens a call under ``rules`` (it records the caller's
        velocity then): neither blocked nor trusted (a trusted caller ID that STIR/SHAKEN
        refuted is not believed)."""
        return not rules.blocked and not rules.trusts(params.get("StirVerstat"))

    async def answer(
        self,
        tenant: TenantRecord,
        params: Mapping[str, str],
        *,
        read: tuple[CallRules, list[str]] | None = None,
        counted: Counted | None = None,
    ) -> Answer:
        """Screen the caller from metadata and build the TwiML that connects (or rejects).
        ``read``: what :meth:`rules` read for this call already; ``counted``: the caller's
        velocity already recorded (with the tenant's call count), not recorded again."""
        sid, caller = params.get("CallSid", ""), params.get("From", "")
        store_timeout = self._settings.store.timeout_s
        rules, degraded = read if read is not None else await self.rules(tenant, params)
        degraded = list(degraded)
        if rules.blocked:
            await self._try(
                self._record_blocked(tenant, params), self._db_timeout, "database", degraded
            )
            return Answer(twiml.reject_twiml(tenant.language, say=False), "blocked", degraded)
        if rules.trusts(params.get("StirVerstat")):
            await self._try(
                self._record_trusted(tenant, params), self._db_timeout, "database", degraded
            )
            body = await self._connect(tenant, sid, caller, False, degraded, screened=False)
            return Answer(body, "trusted", degraded)
        velocity = await self._try(
            self._velocity.hit(caller, tenant.slug) if counted is None else counted.result(),
            store_timeout,
            "store",
            degraded,
        )
        if velocity is not None and velocity >= self._settings.store.campaign_tenants:
            await self._try(self._campaign(caller, velocity), store_timeout, "store", degraded)
        session = ScreeningSession(
            self._meta(tenant, params, velocity),
            tenant.language,
            self._sensitivity(tenant),
        )
        assessment = session.assessment
        self._sessions.put(self._key(tenant, sid), LiveSession(session))
        if "database" not in degraded:  # down a moment ago: do not spend a second budget on it
            # (the first transcription event records the call when the database is back)
            recorded = await self._try(
                self._record_answer(tenant, params, assessment),
                self._db_timeout,
                "database",
                degraded,
            )
            if recorded and assessment.verdict == "scam":
                # Judged scam before it rang (its metadata): a scam verdict like an escalation
                # to scam during the call, for the surge and the typology trend. Once per call:
                # Twilio's retry of the webhook records nothing.
                await self._scam_verdict(tenant, sid, "answer", assessment.typology)
        if rules.quiet:
            # Quiet hours: the person is not rung; the caller may leave a message, transcribed
            # and scored like a conversation (a scam still alerts the contacts).
            await self._try(
                self._set_outcome(tenant, sid, QUIET_HOURS), self._db_timeout, "database", []
            )
            transcription = self._url(paths.TRANSCRIPTION, f"tenant={tenant.slug}")
            body = twiml.voicemail_twiml(
                tenant.language,
                self._voicemail_url(tenant),
                transcription,
                consent_notice=needs_consent_notice(tenant.region),
            )
            return Answer(body, assessment.verdict, degraded)
        body = await self._connect(tenant, sid, caller, assessment.verdict != "legit", degraded)
        return Answer(body, assessment.verdict, degraded)

    async def _campaign(self, caller: str, tenants: int) -> None:
        """A caller reaching many tenants within the velocity window: counted and logged once
        per window (the operator's alert), listed for the operator's view."""
        if self._campaigns is None or not caller.startswith("+"):
            return  # withheld callers all share one placeholder: not one campaign
        if await self._campaigns.flag(caller, tenants):
            self._metrics.campaign_callers.inc()
            logger.warning(
                "campaign: caller %s reached %d tenants within %d s; if it is a scam, block "
                "it on every tenant: ethiq block %s --reason '...'",
                caller,
                tenants,
                self._settings.store.velocity_window_s,
                caller,
            )
            window = self._settings.store.velocity_window_s
            self._tell(
                f"campaign:{caller}",
                f"campaign caller {caller} reached {tenants} tenants",
                f"The caller {caller} reached {tenants} tenants within {window} s.\n"
                f"If it is a scam, block it on every tenant: ethiq block {caller} --reason '…'",
            )

    def _tell(self, what: str, subject: str, text: str) -> None:
        """Tell the on-call operator of ``what`` once per velocity window from its first
        telling (the platform database's episode row decides, which every process shares: a
        flag store in process, or one restarted, flags again), in the background, within the
        database's budget: the webhook never waits for the platform database's write (nor
        spends the store's budget on it, which would mark the call degraded and lose the alert
        its flag already consumed). A failure is logged, never the call's."""
        if self.tell_operators is None:
            return
        task = asyncio.get_running_loop().create_task(self._told(what, subject, text))
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def _told(self, what: str, subject: str, text: str) -> None:
        assert self.tell_operators is not None  # noqa: S101 - checked by _tell
        try:
            within = timedelta(seconds=self._settings.store.velocity_window_s)
            await asyncio.wait_for(
                self.tell_operators(what, subject, text, within=within),
                self._settings.database.timeout_s,
            )
        except Exception as error:
            logger.error("on-call not told (%s): %r", subject, error)

    async def drain(self) -> None:
        """Wait for the on-call alerts being written (at shutdown, and in tests)."""
        if self._telling:
            await asyncio.wait(list(self._telling), timeout=self._settings.database.timeout_s + 1)

    def _url(self, path: str, query: str) -> str:
        return public_url(self._settings.twilio.public_url, path, query)

    async def _connect(
        self,
        tenant: TenantRecord,
        sid: str,
        caller: str,
        risky: bool,
        degraded: list[str],
        *,
        screened: bool = True,
    ) -> str:
        """Ring the person into the call's own conference; if that cannot be set up, ring the
        SIP app directly (a live warning is then impossible, the call is still connected).
        ``screened=False`` (a trusted caller): no transcription."""
        transcription = (
            self._url(paths.TRANSCRIPTION, f"tenant={tenant.slug}") if screened else None
        )
        dial_action = self._url(paths.DIAL_STATUS, f"tenant={tenant.slug}")
        try:
            await asyncio.wait_for(
                self._updater.add_participant(
                    tenant,
                    twiml.conference_name(sid),
                    to=twiml.secure_sip_uri(tenant.sip_address),
                    from_=caller or tenant.phone_number,
                    label=twiml.PERSON_LABEL,
                    timeout_s=twiml.RING_TIMEOUT_S,
                    status_callback=self._url(
                        paths.PARTICIPANT_STATUS, f"tenant={tenant.slug}&call={sid}"
                    ),
                    events=("answered", "completed"),
                ),
                PARTICIPANT_TIMEOUT_S,
            )
        except Exception as error:
            logger.error(
                "call %s of %s: cannot ring the person into a conference (%r): ringing the "
                "SIP app directly, live warnings impossible on this call",
                sid,
                tenant.slug,
                error,
            )
            degraded.append("conference")
            await self._try(
                self._mark_degraded(tenant, sid, "conference"), self._db_timeout, "database", []
            )
            return twiml.connect_twiml(
                sip_address=tenant.sip_address,
                caller_id=caller or None,
                language=tenant.language,
                transcription_url=transcription,
                dial_action_url=dial_action,
                whisper_url=self._whisper_url(tenant, "pre") if risky else None,
                consent_notice=needs_consent_notice(tenant.region),
            )
        return twiml.conference_twiml(
            call_sid=sid,
            language=tenant.language,
            transcription_url=transcription,
            dial_action_url=dial_action,
            consent_notice=needs_consent_notice(tenant.region),
        )

    @property
    def _db_timeout(self) -> float:
        return self._settings.database.timeout_s

    async def _try(
        self, step: Awaitable[T], timeout: float, dependency: str, degraded: list[str]
    ) -> T | None:
        try:
            return await asyncio.wait_for(step, timeout)
        except Exception as error:
            logger.error("voice webhook degraded: %s unavailable (%r)", dependency, error)
            if dependency not in degraded:
                degraded.append(dependency)
            return None

    def _meta(
        self, tenant: TenantRecord, params: Mapping[str, str], velocity: int | None
    ) -> CallMeta:
        caller = params.get("From") or None
        return CallMeta(
            from_=caller,
            to=params.get("To") or tenant.phone_number,
            forwarded_from=params.get("ForwardedFrom") or None,
            stir_verstat=params.get("StirVerstat") or None,
            caller_name=params.get("CallerName") or None,
            caller_in_contacts=caller in {c.number for c in tenant.contacts},
            caller_velocity=velocity,
        )

    def _call_values(self, params: Mapping[str, str], status: str) -> dict[str, Any]:
        return {
            "sid": params.get("CallSid", ""),
            "from_number": params.get("From", "")[:32],
            "to_number": params.get("To", "")[:32],
            "forwarded_from": (params.get("ForwardedFrom") or None),
            "stir_verstat": (params.get("StirVerstat") or None),
            "caller_name": (params.get("CallerName") or None),
            "status": status,
            "direction": params.get("Direction", "inbound")[:32],
            "started_at": self._clock(),
        }

    async def _record_blocked(self, tenant: TenantRecord, params: Mapping[str, str]) -> None:
        await insert_call(self.tables(tenant), **self._call_values(params, "blocked"))

    async def _record_trusted(self, tenant: TenantRecord, params: Mapping[str, str]) -> None:
        values = self._call_values(params, "ringing")
        await insert_call(self.tables(tenant), **values, reasons=[_TRUSTED[tenant.language]])

    async def _record_answer(
        self, tenant: TenantRecord, params: Mapping[str, str], assessment: Assessment
    ) -> bool:
        return await record_answered_call(
            self.tables(tenant),
            self._call_values(params, "ringing"),
            assessment,
            tenant.contacts,
            self._clock(),
            alerts=self._alerts,
        )

    # --- transcription -------------------------------------------------------------------

    async def transcription(
        self, tenant: TenantRecord, params: Mapping[str, str], restart: int = 0
    ) -> Escalation:
        """Store one transcription event (idempotent); feed final text to the call's session.
        ``restart``: the event is of the n-th transcription the runtime restarted on the call."""
        event = params.get("TranscriptionEvent", "")
        sid = params.get("CallSid", "")
        nothing = Escalation(None, None)
        if event == "transcription-error":
            await self._transcription_error(tenant, sid, params)
            return nothing
        if event == "transcription-stopped":
            await self._transcription_stopped(tenant, sid, restart)
            return nothing
        if event != "transcription-content":
            logger.info("call %s: %s", sid, event or "transcription event without a type")
            return nothing
        if restart:
            params = _shifted(params, restart)
        tables = self.tables(tenant)
        key = self._key(tenant, sid)
        # The segment, the verdict it leads to and the alerts commit together or not at all:
        # if anything fails, Twilio's retry of this event finds no segment and redoes the work.
        fetch = raw_fetch(tables.Call._meta.db)
        async with self._sessions.lock(key):
            try:
                fast = None
                if fetch is not None and params.get("Final", "").lower() == "true":
                    fast = await self._final_segment(tenant, tables, fetch, key, params)
                if fast is not None:
                    assessed = fast
                else:
                    async with transaction(tables.Call._meta.db):
                        assessed = await self._store_and_assess(tenant, tables, key, params)
            except BaseException:
                # The session may have been fed text that did not commit: rebuild it from
                # what is stored on the next event.
                self._sessions.drop(key)
                raise
        call, escalation = assessed.call, assessed.escalation
        if call is None:
            return nothing
        if escalation.escalated:
            self._count_verdict(tenant, str(escalation.after), assessed.typology)
            logger.info(
                "call %s of %s: verdict %s -> %s (%s), %d alert(s) queued",
                sid,
                tenant.slug,
                escalation.before,
                escalation.after,
                assessed.typology,
                escalation.alerts,
            )
        if escalation.newly_suspicious and call.get("outcome") != QUIET_HOURS:
            # (in quiet hours the person is not on the call: nobody to warn, the alerts go)
            await self._warn(tenant, sid, call.get("from_number") or None)
        if escalation.escalated and escalation.after == "scam":
            await self._scam_surge(tenant, sid)
        return escalation

    def _count_verdict(self, tenant: TenantRecord, verdict: str, typology: str) -> None:
        self._metrics.verdicts.labels(
            verdict, self._metrics.tenant(tenant.slug), tenant.region, typology
        ).inc()

    async def _scam_verdict(self, tenant: TenantRecord, sid: str, when: str, typology: str) -> None:
        """A call judged scam other than by an escalation (``when``: at ``answer``): counted
        and checked for a surge as one."""
        self._count_verdict(tenant, "scam", typology)
        logger.info("call %s of %s: verdict scam at %s (%s)", sid, tenant.slug, when, typology)
        await self._scam_surge(tenant, sid)

    async def _scam_surge(self, tenant: TenantRecord, sid: str) -> None:
        """Count the scam verdict across tenants; log once per window when they surge."""
        if self._surge is None:
            return
        try:
            surging = await asyncio.wait_for(
                self._surge.scam(tenant.slug, sid), self._settings.store.timeout_s
            )
        except Exception as error:
            logger.error("scam surge count unavailable (store): %r", error)
            return
        if surging is not None:
            logger.warning(
                "scam surge: %d scam verdicts across tenants within %d s (threshold %d): a "
                "campaign may be under way; see the campaign callers on the operator page",
                surging,
                self._settings.store.velocity_window_s,
                self._settings.store.scam_surge,
            )
            window = self._settings.store.velocity_window_s
            self._tell(
                "surge",
                f"scam surge: {surging} scam verdicts within {window} s",
                f"{surging} calls were judged scam across tenants within {window} s "
                f"(threshold {self._settings.store.scam_surge}): a campaign may be under way.\n"
                "See the campaign callers on the operator page (/ops).",
            )

    def _segment_values(
        self, sid: str, params: Mapping[str, str], started_at: datetime | None
    ) -> dict[str, Any]:
        """The segment row of a transcription event (``call`` left to the caller)."""
        text, confidence = _transcript(params.get("TranscriptionData", ""))
        limit = self._settings.screening.max_segment_chars
        if len(text) > limit:  # speech segments are sentences; a huge one is hostile or broken
            logger.warning("call %s: transcript segment of %d characters cut", sid, len(text))
            text = text[:limit]
        received = self._clock()
        at = _parse_iso(params.get("Timestamp")) or received
        started = as_utc(started_at) or received
        try:
            sequence = int(params.get("SequenceId", "0"))
        except ValueError:
            sequence = 0
        return {
            "track": params.get("Track", "")[:16],
            "sequence": sequence,
            "text": text,
            "confidence": confidence,
            "final": params.get("Final", "").lower() == "true",
            "t_seconds": max(0.0, (at - started).total_seconds()),
            "received_at": received,
        }

    async def _final_segment(
        self,
        tenant: TenantRecord,
        tables: CallTables,
        fetch: RawFetch,
        key: str,
        params: Mapping[str, str],
    ) -> _Assessed | None:
        """A final segment on PostgreSQL in two round trips (``records.read_for_segment``,
        ``records.store_final_segment``); an escalation to ``scam`` writes its alerts in one
        transaction. ``None``: not for this path (no call row yet, no text), nothing done."""
        sid = params.get("CallSid", "")
        text, _ = _transcript(params.get("TranscriptionData", ""))
        if not text.strip():
            return None
        try:
            sequence = int(params.get("SequenceId", "0"))
        except ValueError:
            sequence = 0
        live = self._sessions.get(key)
        track = params.get("Track", "")[:16]
        stored = await read_for_segment(
            fetch, sid, track, sequence, 0 if live is None else live.fed_upto
        )
        call = stored.call
        if call is None:
            return None
        if stored.seen:  # Twilio's retry of a segment we have
            return _Assessed(None, Escalation(None, None))
        values = self._segment_values(sid, params, call["started_at"])
        live = live or await self._rebuild(tenant, call)
        assessment = live.session.assessment
        for segment_id, row_track, row_text, t_seconds in stored.unfed:
            if segment_id <= live.fed_upto:
                continue
            speaker = speaker_for(row_track, self._settings.twilio.caller_track)
            assessment = live.session.feed(Segment(t_seconds, speaker, row_text))
            live.fed_upto = segment_id
        speaker = speaker_for(values["track"], self._settings.twilio.caller_track)
        assessment = live.session.feed(Segment(values["t_seconds"], speaker, values["text"]))
        if assessment.verdict == "scam" and RANK["scam"] > RANK[call["verdict"]]:
            async with transaction(tables.Call._meta.db):
                segment = tables.Segment
                inserted = (
                    await segment.insert(segment(call=call["id"], **values))
                    .on_conflict(action="DO NOTHING")
                    .returning(segment.id)
                    .run()
                )
                if not inserted:
                    written = None
                else:
                    segment_id = int(inserted[0]["id"])
                    escalation = await record_assessment(
                        tables,
                        call_id=call["id"],
                        assessment=assessment,
                        at_seconds=values["t_seconds"],
                        contacts=tenant.contacts,
                        alerts=self._alerts,
                        segment_id=segment_id,
                        now=values["received_at"],
                    )
                    written = (segment_id, escalation)
        else:
            written = await store_final_segment(
                fetch, call=call, segment=values, assessment=assessment
            )
        if written is None:  # stored meanwhile by another event: the session saw it twice
            self._sessions.drop(key)
            return _Assessed(None, Escalation(None, None))
        live.fed_upto, escalation = written
        self._sessions.put(key, live)
        return _Assessed(call, escalation, assessment.typology)

    async def _store_and_assess(
        self,
        tenant: TenantRecord,
        tables: CallTables,
        key: str,
        params: Mapping[str, str],
    ) -> _Assessed:
        """Inside the caller's transaction: store the segment; feed the call's session every
        final segment it has not seen; record the assessment (verdict row, escalation, alerts)."""
        sid = params.get("CallSid", "")
        call = await call_by_sid(tables, sid)
        if call is None:  # answered while the database was down: start the record now
            await insert_call(
                tables, **self._call_values({**params, "To": tenant.phone_number}, "in-progress")
            )
            call = await call_by_sid(tables, sid)
            assert call is not None  # noqa: S101 - just inserted
        values = self._segment_values(sid, params, call["started_at"])
        t_seconds, received = values["t_seconds"], values["received_at"]
        segment = tables.Segment
        inserted = (
            await segment.insert(segment(call=call["id"], **values))
            .on_conflict(action="DO NOTHING")
            .returning(segment.id)
            .run()
        )
        if not inserted or not values["final"] or not values["text"].strip():
            return _Assessed(None, Escalation(None, None))  # a retry we have, or a partial
        live = self._sessions.get(key) or await self._rebuild(tenant, call)
        rows = (
            await segment.select(segment.id, segment.track, segment.text, segment.t_seconds)
            .where(
                (segment.call == call["id"])
                & (segment.final == True)  # noqa: E712
                & (segment.id > live.fed_upto)
            )
            .order_by(segment.id)
            .run()
        )
        assessment = live.session.assessment
        for row in rows:
            speaker = speaker_for(row["track"], self._settings.twilio.caller_track)
            assessment = live.session.feed(Segment(row["t_seconds"], speaker, row["text"]))
            live.fed_upto = int(row["id"])
        escalation = await record_assessment(
            tables,
            call_id=call["id"],
            assessment=assessment,
            at_seconds=t_seconds,
            contacts=tenant.contacts,
            alerts=self._alerts,
            segment_id=int(inserted[0]["id"]),
            now=received,
        )
        self._sessions.put(key, live)
        return _Assessed(call, escalation, assessment.typology)

    async def _rebuild(self, tenant: TenantRecord, call: Mapping[str, Any]) -> LiveSession:
        """A session for a call this process does not hold (restart, eviction, other worker)."""
        params = {
            "From": call.get("from_number") or "",
            "To": call.get("to_number") or tenant.phone_number,
            "ForwardedFrom": call.get("forwarded_from") or "",
            "StirVerstat": call.get("stir_verstat") or "",
            "CallerName": call.get("caller_name") or "",
        }
        velocity: int | None
        try:
            velocity = await asyncio.wait_for(
                self._velocity.count(params["From"]), self._settings.store.timeout_s
            )
        except Exception:
            velocity = None
        meta = self._meta(tenant, params, velocity)
        session = ScreeningSession(meta, tenant.language, self._sensitivity(tenant))
        return LiveSession(session)

    def _sensitivity(self, tenant: TenantRecord) -> Sensitivity:
        """The tenant's own screening sensitivity, else the platform default."""
        if tenant.sensitivity is not None:
            return tenant.sensitivity
        return self._settings.screening.sensitivity

    def _whisper_url(self, tenant: TenantRecord, kind: str) -> str:
        return public_url(
            self._settings.twilio.public_url, paths.WHISPER, f"tenant={tenant.slug}&kind={kind}"
        )

    async def _warn(self, tenant: TenantRecord, sid: str, caller: str | None) -> None:
        """Announce the live warning to the person's participant only: the caller hears
        nothing, nobody is re-dialled, transcription and scoring go on."""
        del caller  # the warning never goes to the caller's leg
        await self._announce(tenant, sid, "live")

    async def _announce(self, tenant: TenantRecord, sid: str, kind: str) -> None:
        try:
            await self._updater.announce(
                tenant,
                twiml.conference_name(sid),
                twiml.PERSON_LABEL,
                self._whisper_url(tenant, kind),
            )
        except Exception as error:
            logger.error(
                "call %s of %s: %s warning could not be announced to the person: %r",
                sid,
                tenant.slug,
                kind,
                error,
            )
            self._metrics.degraded.labels("warning").inc()
        else:
            logger.info("call %s of %s: %s warning announced to the person", sid, tenant.slug, kind)

    # --- transcription errors ------------------------------------------------------------

    async def _transcription_error(
        self, tenant: TenantRecord, sid: str, params: Mapping[str, str]
    ) -> None:
        """Twilio could not transcribe (language or model refused, engine down): the call goes
        unscreened from here, which nobody may miss: metric, error log, mark on the call."""
        code = params.get("TranscriptionErrorCode") or params.get("ErrorCode") or "?"
        detail = params.get("TranscriptionError") or params.get("ErrorMessage") or ""
        self._metrics.transcription_errors.labels(str(code)).inc()
        logger.error(
            "call %s of %s: transcription failed (Twilio error %s: %s; language %s, engine %s, "
            "model %s): this call is NOT being screened. Check the error on Twilio's debugger "
            "and the transcription settings of the runtime.",
            sid,
            tenant.slug,
            code,
            detail or "no detail",
            params.get("LanguageCode") or tenant.language,
            twiml.TRANSCRIPTION_ENGINE,
            twiml.SPEECH_MODEL,
        )
        await self._mark_degraded(tenant, sid, "transcription-error")

    async def _transcription_stopped(self, tenant: TenantRecord, sid: str, restart: int) -> None:
        """Twilio sends ``transcription-stopped`` when a transcription ends: with the call, on
        ``<Stop>`` or a REST stop (the runtime does neither), or when Twilio stops it on its
        own while the call goes on; the event does not say which
        (https://www.twilio.com/docs/voice/twiml/transcription#statuscallbackurl). The call's
        status does: ours once its status callback came, else Twilio's. A live call is no
        longer screened: metric, warning, mark on the call, and a new transcription started
        through the REST API (its TwiML untouched: an update would hang up the person)."""
        row = await call_by_sid(self.tables(tenant), sid)
        if row is not None and _STATUS_RANK.get(str(row.get("status")), 0) == _TERMINAL:
            return  # the call ended
        try:
            status = await self._updater.call_status(tenant, sid)
        except Exception as error:
            logger.warning(
                "call %s of %s: transcription stopped and the call's status cannot be read "
                "(%r): if the call is still live it is no longer screened",
                sid,
                tenant.slug,
                error,
            )
            return
        if status not in LIVE:
            return  # the call ended
        self._metrics.transcription_errors.labels("stopped").inc()
        await self._mark_degraded(tenant, sid, "transcription-stopped")
        if restart >= TRANSCRIPTION_RESTARTS:
            self._metrics.degraded.labels("transcription").inc()
            logger.error(
                "call %s of %s: Twilio stopped the call's transcription again while the call "
                "is live (%d restarts already): this call is NOT being screened any more. "
                "Check the call on Twilio's debugger.",
                sid,
                tenant.slug,
                restart,
            )
            return
        url = self._url(paths.TRANSCRIPTION, f"tenant={tenant.slug}&restart={restart + 1}")
        try:
            started = await self._updater.start_transcription(
                tenant, sid, twiml.transcription_options(url, tenant.language)
            )
        except Exception as error:
            self._metrics.degraded.labels("transcription").inc()
            logger.error(
                "call %s of %s: Twilio stopped the call's transcription while the call is live "
                "and it could not be restarted (%r): this call is NOT being screened any more. "
                "Check Twilio's status and the call on Twilio's debugger.",
                sid,
                tenant.slug,
                error,
            )
            return
        logger.warning(
            "call %s of %s: Twilio stopped the call's transcription while the call is live; "
            "restarted it (%s, restart %d of %d): what was said in between was not screened. "
            "If this recurs, check Twilio's status and the calls on Twilio's debugger.",
            sid,
            tenant.slug,
            started,
            restart + 1,
            TRANSCRIPTION_RESTARTS,
        )

    async def _mark_degraded(self, tenant: TenantRecord, sid: str, what: str) -> None:
        tables = self.tables(tenant)
        row = await call_by_sid(tables, sid)
        if row is not None:
            await mark_degraded(tables, int(row["id"]), what)

    # --- the person's leg: answered or not -----------------------------------------------

    async def person_status(
        self, tenant: TenantRecord, caller_sid: str, params: Mapping[str, str]
    ) -> None:
        """Status callbacks of the person's participant: answered → the pre-answer warning
        if the caller was already risky; unanswered → the caller goes to voicemail."""
        status = params.get("CallStatus", "")
        if status == "in-progress":
            await self._set_outcome(tenant, caller_sid, "answered")
            call = await call_by_sid(self.tables(tenant), caller_sid)
            if call is not None and call.get("verdict") not in {None, "legit"}:
                await self._announce(tenant, caller_sid, "pre")
        elif status in UNANSWERED:
            await self._unanswered(tenant, caller_sid, status)
            try:
                await self._updater.update(
                    tenant,
                    caller_sid,
                    twiml.voicemail_twiml(tenant.language, self._voicemail_url(tenant)),
                )
            except Exception as error:
                logger.error(
                    "call %s of %s: person unreachable (%s) and the caller could not be sent "
                    "to voicemail: %r",
                    caller_sid,
                    tenant.slug,
                    status,
                    error,
                )

    def _voicemail_url(self, tenant: TenantRecord) -> str:
        return self._url(paths.VOICEMAIL, f"tenant={tenant.slug}")

    async def dial_status(self, tenant: TenantRecord, params: Mapping[str, str]) -> str:
        """``<Dial action>``: the direct dial went unanswered → voicemail; otherwise hang up
        (for the conference, the caller left it)."""
        sid = params.get("CallSid", "")
        status = params.get("DialCallStatus", "")
        if status in UNANSWERED and params.get("CallStatus", "in-progress") == "in-progress":
            await self._unanswered(tenant, sid, status)
            return twiml.voicemail_twiml(tenant.language, self._voicemail_url(tenant))
        if status == "completed":
            await self._set_outcome(tenant, sid, "answered", only_if_unset=True)
        return twiml.hangup_twiml()

    async def voicemail(self, tenant: TenantRecord, params: Mapping[str, str]) -> str:
        """``<Record action>``: the caller left a message (Twilio requests the action when the
        recording ends, ``Digits=hangup`` when the caller hung up; not for an empty recording:
        https://www.twilio.com/docs/voice/twiml/record#attributes-action). The person missed it:
        a missed-call text to them is written once per call (a retried request finds it). In
        their quiet hours, which a text would break, it waits for their end (the row's
        ``next_attempt_at``: the delivery job wakes for it, and a restart's sweep finds it)."""
        sid = params.get("CallSid", "")
        tables = self.tables(tenant)
        call = await call_by_sid(tables, sid)
        quiet = call is not None and call.get("outcome") == QUIET_HOURS
        await self._set_outcome(tenant, sid, "voicemail")
        logger.info(
            "call %s of %s: voicemail left (%s s)",
            sid,
            tenant.slug,
            params.get("RecordingDuration", "?"),
        )
        if call is not None:
            now = self._clock()
            not_before = await self._after_quiet_hours(tenant, sid, now) if quiet else None
            await self._alerts.missed_call(tables, int(call["id"]), sid, not_before, now)
        return twiml.hangup_twiml()

    async def _after_quiet_hours(
        self, tenant: TenantRecord, sid: str, now: datetime
    ) -> datetime | None:
        """When the quiet hours that sent call ``sid`` to voicemail end (the tenant's zone);
        None (text at once) when they ended meanwhile, were removed, or cannot be read."""
        hours = await self._try(
            self._blocklist.preferences.quiet_hours(tenant.slug), self._db_timeout, "database", []
        )
        if hours is None:
            logger.warning(
                "call %s of %s: voicemail in quiet hours, which are gone or unreadable now: "
                "the missed-call text goes at once",
                sid,
                tenant.slug,
            )
            return None
        if not hours.contains(now):
            return None  # they ended while the caller spoke: the person is up
        end = hours.end_after(now)
        logger.info(
            "call %s of %s: missed-call text deferred to the end of quiet hours (%s)",
            sid,
            tenant.slug,
            end.isoformat(),
        )
        return end

    async def _unanswered(self, tenant: TenantRecord, sid: str, status: str) -> None:
        self._metrics.unanswered.labels(status).inc()
        await self._set_outcome(tenant, sid, status)
        logger.warning(
            "call %s of %s: the person did not answer (%s); the caller goes to voicemail",
            sid,
            tenant.slug,
            status,
        )

    async def _set_outcome(
        self, tenant: TenantRecord, sid: str, outcome: str, *, only_if_unset: bool = False
    ) -> None:
        call = self.tables(tenant).Call
        query = call.update({call.outcome: outcome}).where(call.sid == sid)
        if only_if_unset:
            query = query.where(call.outcome.is_null())
        await query.run()

    # --- status --------------------------------------------------------------------------

    async def status(self, tenant: TenantRecord, params: Mapping[str, str]) -> None:
        """Complete the call record; a late callback never moves a call backwards."""
        sid = params.get("CallSid", "")
        status = params.get("CallStatus", "")
        rank = _STATUS_RANK.get(status)
        if rank is None:
            logger.warning("call %s: unknown status %r", sid, status)
            return
        tables = self.tables(tenant)
        call = tables.Call
        created = await insert_call(tables, **self._call_values(params, status))
        values: dict[Any, Any] = {call.status: status}
        duration = params.get("CallDuration", "")
        if duration.isdigit():
            values[call.duration] = int(duration)
        if rank == _TERMINAL:
            values[call.ended_at] = _parse_rfc2822(params.get("Timestamp")) or self._clock()
        if created is not None:  # first news of this call (answered while the database was down)
            await call.update(values).where(call.id == created).run()
        else:
            lower = [s for s, r in _STATUS_RANK.items() if r < rank]
            await call.update(values).where((call.sid == sid) & call.status.is_in(lower)).run()
        if rank == _TERMINAL:
            self._sessions.drop(self._key(tenant, sid))

    @staticmethod
    def _key(tenant: TenantRecord, sid: str) -> str:
        return f"{tenant.slug}:{sid}"


@dataclass(frozen=True, slots=True)
class _Assessed:
    call: Mapping[str, Any] | None  # None: nothing to act on (a retry, a partial result)
    escalation: Escalation
    typology: str = ""  # the kind of scam the cues point to (runtime.screening.typology)


class _Data(msgspec.Struct):
    transcript: str = ""
    confidence: float | None = None


def _shifted(params: Mapping[str, str], restart: int) -> dict[str, str]:
    """The event of a restarted transcription, its ``SequenceId`` past every earlier one's."""
    try:
        sequence = int(params.get("SequenceId", "0")) + restart * _SEQUENCE_SPAN
    except ValueError:
        sequence = 0
    return {**params, "SequenceId": str(sequence)}


def _transcript(data: str) -> tuple[str, float | None]:
    try:
        decoded = msgspec.json.decode(data or "{}", type=_Data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return "", None
    return decoded.transcript, decoded.confidence


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def _parse_rfc2822(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return as_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return _parse_iso(value)
