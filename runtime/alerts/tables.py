"""A tenant's texts: the SMS outboxes (alerts, invitations, notices to the person), the
contacts' consent replies and the messages received.

Tables of each tenant's own schema or file, like the calls' (:mod:`runtime.calls.tables`; piccolo
app ``storage``, one migration history for both). An alert refers to its call, so this module
imports the calls' tables, never the reverse: the call path writes the alerts of an escalation
and the missed-call notice in its own transaction through :class:`runtime.calls.hooks.AlertHooks`,
which :mod:`runtime.alerts.records` implements. :func:`bind_tables` gives a tenant's whole set
(these and the calls') bound to one engine.

One alert per (call, contact) is a unique index created by a hand-written migration, and the
allowed ``status``/``kind`` values are piccolo ``choices``, not constraints: SQLite cannot add
either to an existing table (see :mod:`runtime.calls.tables`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from piccolo.columns import (
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

from runtime.calls.tables import BOUND_CACHE, Call, CallTables
from runtime.calls.tables import bind_tables as bind_call_tables
from runtime.storage.bind import bind_table
from runtime.storage.widths import SID_LENGTH
from runtime.tenants.schema_tables import Contact

__all__ = [
    "Alert",
    "AlertStatus",
    "AlertTables",
    "Consent",
    "ConsentKind",
    "InboundMessage",
    "Invitation",
    "InvitationStatus",
    "Notice",
    "NoticeStatus",
    "bind_tables",
]


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
class AlertTables(CallTables):
    """One tenant's tables, the alerts' and the calls' (each bound to the tenant's engine)."""

    Alert: type[Alert]
    Consent: type[Consent]
    InboundMessage: type[InboundMessage]
    Invitation: type[Invitation]
    Notice: type[Notice]


@lru_cache(maxsize=BOUND_CACHE)
def bind_tables(engine: Engine[Any]) -> AlertTables:
    """A tenant's tables bound to ``engine`` (cached for the most recent engines)."""
    calls = bind_call_tables(engine)
    return AlertTables(
        Call=calls.Call,
        Contact=calls.Contact,
        Segment=calls.Segment,
        VerdictEvent=calls.VerdictEvent,
        Alert=bind_table(Alert, engine),
        Consent=bind_table(Consent, engine),
        InboundMessage=bind_table(InboundMessage, engine),
        Invitation=bind_table(Invitation, engine),
        Notice=bind_table(Notice, engine),
    )
