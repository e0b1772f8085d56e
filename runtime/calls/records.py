"""A tenant's call data: calls, segments and the verdict timeline.

Every function takes the tenant's bound tables (:func:`runtime.calls.tables.bind_tables`), so a
query can only ever see one tenant's schema or file. Escalations are conditional updates on
``call.verdict`` (which only goes up), so concurrent events and processes act once: one live
warning, one set of alerts, written in the same transaction as the verdict row (through the
alerts domain's :class:`~runtime.calls.hooks.AlertHooks`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.utils.encoding import dump_json

from runtime.calls.hooks import AlertHooks
from runtime.calls.tables import CallTables
from runtime.screening.engine import Assessment
from runtime.storage import RawFetch, check_widths, raw_fetch
from runtime.tenants import TenantContact

__all__ = [
    "RANK",
    "Escalation",
    "StoredSegment",
    "as_utc",
    "call_by_sid",
    "insert_call",
    "mark_degraded",
    "read_for_segment",
    "record_answered_call",
    "record_assessment",
    "store_final_segment",
    "transaction",
]

RANK: Final[dict[str | None, int]] = {None: -1, "legit": 0, "suspicious": 1, "scam": 2}
SCAM: Final = "scam"
# The Twilio parameter each call column is stored from (named in width errors).
_CALL_PARAMS: Final = {
    "sid": "CallSid",
    "from_number": "From",
    "to_number": "To",
    "forwarded_from": "ForwardedFrom",
    "stir_verstat": "StirVerstat",
    "caller_name": "CallerName",
    "status": "CallStatus",
    "direction": "Direction",
}


def transaction(engine: Engine[Any]) -> Any:
    """A write transaction (SQLite: take the write lock up front, no lock upgrades)."""
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True, slots=True)
class Escalation:
    """What recording an assessment changed: the verdict before and after, alerts written."""

    before: str | None
    after: str | None
    alerts: int = 0

    @property
    def escalated(self) -> bool:
        return RANK[self.after] > RANK[self.before]

    @property
    def newly_suspicious(self) -> bool:
        """Crossed into ``suspicious`` or worse just now (time to warn the person)."""
        return self.escalated and RANK[self.before] < RANK["suspicious"] <= RANK[self.after]


async def call_by_sid(tables: CallTables, sid: str) -> dict[str, Any] | None:
    call = tables.Call
    row: dict[str, Any] | None = (
        await call.select().where(call.sid == sid).output(load_json=True).first().run()
    )
    return row


async def insert_call(tables: CallTables, **values: Any) -> int | None:
    """Insert a call (``sid`` unique); ``None`` if Twilio retried and it is already there.

    Raises :class:`~runtime.storage.FieldTooLong` before writing anything if a value does not
    fit its column."""
    call = tables.Call
    check_widths(call, values, _CALL_PARAMS)
    rows = (
        await call.insert(call(**values))
        .on_conflict(target=call.sid, action="DO NOTHING")
        .returning(call.id)
        .run()
    )
    return int(rows[0]["id"]) if rows else None


# A new call and its first verdict (from metadata) in one statement: on PostgreSQL the answer
# costs one round trip, and a single statement is atomic without BEGIN/COMMIT.
_ANSWER_SQL: Final = (
    'WITH c AS (INSERT INTO {schema}."call" ("sid", "from_number", "to_number", '
    '"forwarded_from", "stir_verstat", "caller_name", "status", "direction", "started_at", '
    '"verdict", "risk", "reasons") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '
    '$12::json) ON CONFLICT ("sid") DO NOTHING RETURNING "id") '
    'INSERT INTO {schema}."verdict" ("call", "segment", "at_seconds", "risk", "verdict", '
    '"reasons", "created_at") SELECT "id", NULL, 0, $11, $10, $12::json, $13 FROM c '
    'RETURNING "call"'
)


async def record_answered_call(
    tables: CallTables,
    values: dict[str, Any],
    assessment: Assessment,
    contacts: Sequence[TenantContact],
    now: datetime,
    *,
    alerts: AlertHooks,
) -> bool:
    """Record a call the voice webhook answers, with the verdict of its metadata; ``False``
    for a retried webhook, which writes nothing more. On PostgreSQL one statement; elsewhere,
    or when the verdict is already ``scam`` (its alerts are written too), :func:`insert_call`
    and :func:`record_assessment` in one transaction."""
    fetch = raw_fetch(tables.Call._meta.db)
    if fetch is None or assessment.verdict == SCAM:
        async with transaction(tables.Call._meta.db):
            call_id = await insert_call(tables, **values)
            if call_id is None:  # a retried webhook: the first one recorded everything
                return False
            await record_assessment(
                tables,
                call_id=call_id,
                assessment=assessment,
                at_seconds=0.0,
                contacts=contacts,
                alerts=alerts,
                now=now,
            )
        return True
    check_widths(tables.Call, values, _CALL_PARAMS)
    rows = await fetch(
        _ANSWER_SQL,
        values["sid"],
        values["from_number"],
        values["to_number"],
        values["forwarded_from"],
        values["stir_verstat"],
        values["caller_name"],
        values["status"],
        values["direction"],
        values["started_at"],
        assessment.verdict,
        assessment.risk,
        dump_json(list(assessment.reasons)),
        now,
    )
    return bool(rows)


# A final transcript segment on PostgreSQL, in two statements (no BEGIN/COMMIT, each atomic by
# itself). First a read: the call, whether this segment is already stored (Twilio's retry), and
# the final segments the caller's session has not been fed. Then, once the session has scored
# the text, one write: the segment, its verdict row and the call's risk or new verdict commit
# together, and only if the segment was new. An escalation to ``scam`` writes alerts too: it
# keeps the transactional path (:func:`record_assessment`).
_SEGMENT_READ_SQL: Final = (
    'SELECT c."id", c."started_at", c."outcome", c."from_number", c."to_number", '
    'c."forwarded_from", c."stir_verstat", c."caller_name", c."verdict", c."risk", '
    'EXISTS (SELECT 1 FROM {schema}."transcript_segment" s WHERE s."call" = c."id" '
    'AND s."track" = $2 AND s."sequence" = $3) AS "seen", '
    '(SELECT coalesce(json_agg(json_build_array(s."id", s."track", s."text", s."t_seconds") '
    'ORDER BY s."id"), \'[]\') FROM {schema}."transcript_segment" s WHERE s."call" = c."id" '
    'AND s."final" AND s."id" > $4) AS "unfed" '
    'FROM {schema}."call" c WHERE c."sid" = $1'
)
_SEGMENT_INSERT: Final = (
    'WITH s AS (INSERT INTO {schema}."transcript_segment" ("call", "track", "sequence", "text", '
    '"confidence", "final", "t_seconds", "received_at") VALUES ($1, $2, $3, $4, $5, true, $6, '
    '$7) ON CONFLICT DO NOTHING RETURNING "id"), '
    'v AS (INSERT INTO {schema}."verdict" ("call", "segment", "at_seconds", "risk", "verdict", '
    '"reasons", "created_at") SELECT $1, s."id", $6, $8, $9, $10::json, $7 FROM s), '
)
# The verdict stays: the call's risk only rises.
_SEGMENT_RISK_SQL: Final = (  # constants only: no input in the text
    _SEGMENT_INSERT  # noqa: S608
    + 'u AS (UPDATE {schema}."call" SET "risk" = $8 WHERE "id" = $1 '
    'AND ("risk" IS NULL OR "risk" < $8) AND EXISTS (SELECT 1 FROM s)) '
    'SELECT s."id", 0::bigint AS "won" FROM s'
)
# The verdict rises, unless another event or process moved it first ($11: the one we read).
_SEGMENT_ESCALATE_SQL: Final = (
    _SEGMENT_INSERT  # noqa: S608
    + 'u AS (UPDATE {schema}."call" SET "verdict" = $9, "risk" = $8, '
    '"reasons" = $10::json WHERE "id" = $1 AND "verdict" IS NOT DISTINCT FROM $11::varchar '
    'AND EXISTS (SELECT 1 FROM s) RETURNING "id") '
    'SELECT s."id", (SELECT count(*) FROM u) AS "won" FROM s'
)


@dataclass(frozen=True, slots=True)
class StoredSegment:
    """What the segment read found: the call (``None``: no such call), whether the segment is
    already stored, and the unfed final segments (id, track, text, t_seconds) by id."""

    call: dict[str, Any] | None
    seen: bool = False
    unfed: tuple[tuple[int, str, str, float], ...] = ()


async def read_for_segment(
    fetch: RawFetch, sid: str, track: str, sequence: int, fed_upto: int
) -> StoredSegment:
    """The read of a final segment on PostgreSQL (one statement)."""
    rows = await fetch(_SEGMENT_READ_SQL, sid, track, sequence, fed_upto)
    if not rows:
        return StoredSegment(None)
    row = dict(rows[0])
    unfed = tuple(
        (int(i), str(t), str(text), float(at)) for i, t, text, at in json.loads(row.pop("unfed"))
    )
    return StoredSegment(row, bool(row.pop("seen")), unfed)


async def store_final_segment(
    fetch: RawFetch,
    *,
    call: Mapping[str, Any],
    segment: Mapping[str, Any],
    assessment: Assessment,
) -> tuple[int, Escalation] | None:
    """Write a final segment with its verdict row and the call's risk or verdict (one
    statement); ``None`` if the segment was stored meanwhile (nothing written). Not for an
    escalation to ``scam``, whose alerts need :func:`record_assessment`."""
    before: str | None = call["verdict"]
    escalating = RANK[assessment.verdict] > RANK[before]
    args: list[Any] = [
        call["id"],
        segment["track"],
        segment["sequence"],
        segment["text"],
        segment["confidence"],
        segment["t_seconds"],
        segment["received_at"],
        assessment.risk,
        assessment.verdict,
        dump_json(list(assessment.reasons)),
    ]
    if escalating:
        rows = await fetch(_SEGMENT_ESCALATE_SQL, *args, before)
    else:
        rows = await fetch(_SEGMENT_RISK_SQL, *args)
    if not rows:
        return None
    won = bool(rows[0]["won"])
    escalation = Escalation(before, assessment.verdict) if won else Escalation(before, before)
    return int(rows[0]["id"]), escalation


async def record_assessment(
    tables: CallTables,
    *,
    call_id: int,
    assessment: Assessment,
    at_seconds: float,
    contacts: Sequence[TenantContact],
    alerts: AlertHooks,
    segment_id: int | None = None,
    now: datetime | None = None,
) -> Escalation:
    """Write a verdict-timeline row; escalate the call's verdict; on ``scam`` write the alerts
    (``alerts.first_wave``).

    Call it inside :func:`transaction`: the verdict row, the call's verdict and the outbox rows
    land together or not at all.
    """
    now = now or datetime.now(UTC)
    call, verdict_event = tables.Call, tables.VerdictEvent
    reasons = list(assessment.reasons)
    await verdict_event.insert(
        verdict_event(
            call=call_id,
            segment=segment_id,
            at_seconds=at_seconds,
            risk=assessment.risk,
            verdict=assessment.verdict,
            reasons=reasons,
            created_at=now,
        )
    ).run()
    row = await call.select(call.verdict, call.risk).where(call.id == call_id).first().run()
    before: str | None = None if row is None else row["verdict"]
    new = assessment.verdict
    if RANK[new] <= RANK[before]:
        if row is not None and (row["risk"] is None or assessment.risk > row["risk"]):
            await call.update({call.risk: assessment.risk}).where(call.id == call_id).run()
        return Escalation(before, before)
    same = call.verdict.is_null() if before is None else call.verdict == before
    won = (
        await call.update({call.verdict: new, call.risk: assessment.risk, call.reasons: reasons})
        .where((call.id == call_id) & same)
        .returning(call.id)
        .run()
    )
    if not won:  # another event or process escalated first: it acts, we do not
        return Escalation(before, before)
    written = 0
    if new == SCAM:
        written = await alerts.first_wave(tables, call_id, contacts, now)
    return Escalation(before, new, written)


async def mark_degraded(tables: CallTables, call_id: int, what: str) -> None:
    """Add ``what`` to the call's degraded marks (shown in the call log), once."""
    call = tables.Call
    row = await call.select(call.degraded).where(call.id == call_id).first().run()
    if row is None:
        return
    marks = [m for m in (row["degraded"] or "").split(",") if m]
    if what not in marks:
        marks.append(what)
        await call.update({call.degraded: ",".join(marks)[:128]}).where(call.id == call_id).run()
