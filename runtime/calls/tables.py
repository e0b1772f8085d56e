"""A tenant's call data: its calls, what was said, what we judged, and the texts they lead to.

These are tables of each tenant's own schema or file (piccolo app ``storage``). The call path
owns them: it writes the call, its segments and verdict timeline, and, in the verdict's own
transaction, the alerts of an escalation (reading the contacts' consent to choose whom) and the
missed-call notice. The SMS outboxes (alerts, invitations, notices), the consent replies and the
inbound messages are therefore declared here, below the alerts domain that sends and updates
them (:mod:`runtime.alerts`), which may import the calls domain but not the reverse (the layers
in ``pyproject.toml``; ``docs/architecture.md``, *Layout*). The tenant's own tables (contacts,
the schema's owner) are :mod:`runtime.tenants.schema_tables`.

The tables carry no ``schema=`` and no ``db=``: where they live is decided by the engine they run
on (a ``tenant_<slug>`` schema through ``search_path``, or the tenant's own SQLite file), see
:mod:`runtime.storage.tenant_store`. :func:`bind_tables` gives the runtime copies bound to one
tenant's engine.

Two keys span several columns: one segment per (call, track, sequence) and one alert per (call,
contact). They are unique indexes created by a hand-written migration, not piccolo ``Unique``
constraints: piccolo adds those with ``ALTER TABLE ... ADD CONSTRAINT``, which SQLite lacks. For
the same reason the allowed values of ``status``/``kind`` are checked by piccolo's ``choices``,
not by a CHECK constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
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
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.engine.base import Engine
from piccolo.table import Table

from runtime.storage.bind import bind_table
from runtime.storage.widths import SID_LENGTH
from runtime.tenants.schema_tables import Contact

__all__ = [
    "Alert",
    "AlertStatus",
    "Call",
    "Consent",
    "ConsentKind",
    "InboundMessage",
    "Invitation",
    "InvitationStatus",
    "Notice",
    "NoticeStatus",
    "Segment",
    "TenantTables",
    "VerdictEvent",
    "bind_tables",
]

# Engines whose tables stay bound (a copy is rebuilt in microseconds after eviction).
BOUND_CACHE = 1024


class AlertStatus(StrEnum):
    """Life of an outbox row: ``pending`` → ``sending`` → ``sent`` → ``delivered`` (Twilio's
    receipt) → ``acknowledged`` (the contact replied) | ``failed`` | ``opted_out``. A failed or
    opted-out alert, or one not acknowledged in time, passes the call on to the next contacts in
    priority order. ``suspended``: not sent, the tenant's subscription did not cover alerts
    then (runtime/billing/lifecycle.py); final, never sent late."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"
    OPTED_OUT = "opted_out"
    SUSPENDED = "suspended"


class ConsentKind(StrEnum):
    """What an emergency contact replied by SMS (opt-in, STOP, HELP)."""

    CONSENT = "consent"
    WITHDRAW = "withdraw"
    HELP = "help"


class InvitationStatus(StrEnum):
    """Life of an invitation row: ``pending`` → ``sending`` → ``sent`` → ``delivered`` |
    ``failed`` | ``opted_out`` (the contact had texted STOP to this number: Twilio refuses, 21610)
    | ``skipped`` (no longer needed when its turn came: the contact answered, or was removed)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    OPTED_OUT = "opted_out"
    SKIPPED = "skipped"


class NoticeStatus(StrEnum):
    """Life of a notice to the person: ``pending`` → ``sending`` → ``sent`` → ``delivered`` |
    ``failed`` | ``opted_out`` | ``skipped`` (nobody to text: the person gave no own number)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    OPTED_OUT = "opted_out"
    SKIPPED = "skipped"


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


class Alert(Table, tablename="alert"):
    """Transactional outbox of SMS alerts: at most one per call and contact."""

    id = Serial(primary_key=True)
    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, null=False)
    contact = ForeignKey(references=Contact, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=32)
    status = Varchar(length=16, choices=AlertStatus, default=AlertStatus.PENDING)
    attempts = SmallInt(default=0)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)
    message_sid = Varchar(length=SID_LENGTH, null=True, default=None)
    error_code = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Consent(Table, tablename="consent"):
    """An SMS reply from a contact that changes (or asks about) their consent."""

    id = Serial(primary_key=True)
    contact = ForeignKey(references=Contact, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=16, choices=ConsentKind)
    at = Timestamptz()
    body = Text(default="")


class InboundMessage(Table, tablename="inbound_message"):
    """An SMS received from Twilio, by ``MessageSid``: a replayed webhook is answered once."""

    id = Serial(primary_key=True)
    sid = Varchar(length=SID_LENGTH, unique=True)
    from_number = Varchar(length=32)
    received_at = Timestamptz()


class Invitation(Table, tablename="invitation"):
    """One message of a contact's double opt-in (``invite``, ``reminder``, ``confirm``), an outbox
    row like :class:`Alert`: ``key`` ("<contact id>:<kind>") makes each kind exist once per
    contact, so a contact is invited, reminded and confirmed at most once. ``contact`` is the
    contact's id (contacts are upserted by number, never deleted)."""

    id = Serial(primary_key=True)
    key = Varchar(length=48, unique=True)
    contact = Integer(index=True)
    kind = Varchar(length=16)
    status = Varchar(length=16, choices=InvitationStatus, default=InvitationStatus.PENDING)
    attempts = SmallInt(default=0)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)
    message_sid = Varchar(length=SID_LENGTH, null=True, default=None)
    error_code = Integer(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Notice(Table, tablename="person_notice"):
    """A text to the protected person themself (``missed-call``: their app did not answer and
    the caller reached voicemail), an outbox row like :class:`Alert`. ``key``
    ("<kind>:<call sid>") makes it exist once per call, however often Twilio retries the
    webhook that writes it. The recipient (the person's own number and language) is read when
    it is sent."""

    id = Serial(primary_key=True)
    key = Varchar(length=48, unique=True)
    call = Integer(index=True)
    kind = Varchar(length=16)
    status = Varchar(length=16, choices=NoticeStatus, default=NoticeStatus.PENDING)
    attempts = SmallInt(default=0)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)
    message_sid = Varchar(length=SID_LENGTH, null=True, default=None)
    error_code = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


@dataclass(frozen=True, slots=True)
class TenantTables:
    """One tenant's tables (each a subclass of the declared table, bound to its engine)."""

    Alert: type[Alert]
    Call: type[Call]
    Consent: type[Consent]
    Contact: type[Contact]
    InboundMessage: type[InboundMessage]
    Invitation: type[Invitation]
    Notice: type[Notice]
    Segment: type[Segment]
    VerdictEvent: type[VerdictEvent]


@lru_cache(maxsize=BOUND_CACHE)
def bind_tables(engine: Engine[Any]) -> TenantTables:
    """The tenant tables bound to ``engine`` (cached for the most recent engines)."""
    return TenantTables(
        Alert=bind_table(Alert, engine),
        Call=bind_table(Call, engine),
        Consent=bind_table(Consent, engine),
        Contact=bind_table(Contact, engine),
        InboundMessage=bind_table(InboundMessage, engine),
        Invitation=bind_table(Invitation, engine),
        Notice=bind_table(Notice, engine),
        Segment=bind_table(Segment, engine),
        VerdictEvent=bind_table(VerdictEvent, engine),
    )
