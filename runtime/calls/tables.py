"""A tenant's call data: its calls, what was said and what we judged.

These are tables of each tenant's own schema or file (piccolo app ``storage``, with the alerts'
tables: :mod:`runtime.alerts.tables`, which refer to these). The call path owns them: it writes
the call, its segments and verdict timeline. What a call leads to (alerts, the missed-call
notice) is the alerts domain's, a layer above, written through :mod:`runtime.calls.hooks` in the
verdict's own transaction. The tenant's own tables (contacts, the schema's owner) are
:mod:`runtime.tenants.schema_tables`.

The tables carry no ``schema=`` and no ``db=``: where they live is decided by the engine they run
on (a ``tenant_<slug>`` schema through ``search_path``, or the tenant's own SQLite file), see
:mod:`runtime.storage.tenant_store`. :func:`bind_tables` gives the runtime copies bound to one
tenant's engine.

Keys that span several columns (one segment per (call, track, sequence), one alert per (call,
contact)) are unique indexes created by a hand-written migration, not piccolo ``Unique``
constraints: piccolo adds those with ``ALTER TABLE ... ADD CONSTRAINT``, which SQLite lacks (and,
for the same reason, allowed values are piccolo ``choices``, not CHECK constraints).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from piccolo.columns import (
    JSON,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.engine.base import Engine
from piccolo.table import Table

from runtime.storage.bind import bind_table
from runtime.storage.widths import SID_LENGTH
from runtime.tenants.schema_tables import Contact

__all__ = ["BOUND_CACHE", "Call", "CallTables", "Segment", "VerdictEvent", "bind_tables"]

# Engines whose tables stay bound (a copy is rebuilt in microseconds after eviction).
BOUND_CACHE = 1024


class Call(Table, tablename="call"):
    """One screened call, as Twilio described it, and our final judgement."""

    id = Serial(primary_key=True)
    sid = Varchar(length=SID_LENGTH, unique=True)
    from_number = Varchar(length=32)
    to_number = Varchar(length=32)
    forwarded_from = Varchar(length=32, null=True, default=None)
    stir_verstat = Varchar(length=64, null=True, default=None)
    caller_name = Varchar(length=128, null=True, default=None)
    status = Varchar(length=16, default="ringing")
    direction = Varchar(length=32, default="inbound")
    started_at = Timestamptz(index=True)
    ended_at = Timestamptz(null=True, default=None)
    duration = Integer(null=True, default=None)
    verdict = Varchar(length=16, null=True, default=None)
    risk = DoublePrecision(null=True, default=None)
    reasons = JSON(default=[])
    # For the person: answered, no-answer, busy, failed, voicemail (None while ringing).
    outcome = Varchar(length=16, null=True, default=None)
    # What went wrong on this call, comma-separated (transcription-error, conference, …).
    degraded = Varchar(length=128, null=True, default=None)


class Segment(Table, tablename="transcript_segment"):
    """A transcription event's text. Twilio orders events per track only, hence the key."""

    id = Serial(primary_key=True)
    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, null=False)
    track = Varchar(length=16)
    sequence = Integer()
    text = Text()
    confidence = DoublePrecision(null=True, default=None)
    final = Boolean(default=False)
    t_seconds = DoublePrecision(default=0.0)
    received_at = Timestamptz()


class VerdictEvent(Table, tablename="verdict"):
    """One step of a call's verdict timeline (after which segment, at which second)."""

    id = Serial(primary_key=True)
    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, null=False)
    segment = ForeignKey(references=Segment, on_delete=OnDelete.set_null, null=True)
    at_seconds = DoublePrecision(default=0.0)
    risk = DoublePrecision()
    verdict = Varchar(length=16)
    reasons = JSON(default=[])
    created_at = Timestamptz()


@dataclass(frozen=True, slots=True)
class CallTables:
    """One tenant's call tables (each a subclass of the declared table, bound to its engine)."""

    Call: type[Call]
    Contact: type[Contact]
    Segment: type[Segment]
    VerdictEvent: type[VerdictEvent]


@lru_cache(maxsize=BOUND_CACHE)
def bind_tables(engine: Engine[Any]) -> CallTables:
    """The call tables bound to ``engine`` (cached for the most recent engines)."""
    return CallTables(
        Call=bind_table(Call, engine),
        Contact=bind_table(Contact, engine),
        Segment=bind_table(Segment, engine),
        VerdictEvent=bind_table(VerdictEvent, engine),
    )
