"""Tables of piccolo app ``fleet``, in the platform database (next to the registry).

What operators do and see across tenants: platform-wide blocks of a caller (each row is one
block and, once lifted, its unblock: the audit trail is the table), incident records and the
messages that tell the on-call operator.
"""

from __future__ import annotations

from piccolo.columns import Float, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.table import Table

__all__ = [
    "AlertNotification",
    "Incident",
    "OperatorAlert",
    "OperatorEpisode",
    "PlatformBlock",
    "Provisioning",
]


class PlatformBlock(Table, tablename="platform_block"):
    """A caller blocked on every tenant: who, when, why; and who lifted it, when, why."""

    number = Varchar(length=16, index=True)
    blocked_at = Timestamptz()
    blocked_by = Varchar(length=64)
    reason = Text()
    unblocked_at = Timestamptz(null=True, default=None)
    unblocked_by = Varchar(length=64, default="")
    unblock_reason = Text(default="")


class Incident(Table, tablename="incident"):
    """Something went wrong for people: opened automatically (an alert firing, a dependency
    degrading), closed by an operator with what was done. Time to resolve = closed - opened."""

    fingerprint = Varchar(length=128, index=True)  # one open incident per fingerprint
    source = Varchar(length=16)  # alertmanager | runtime
    title = Varchar(length=200)
    severity = Varchar(length=16, default="")
    detail = Text(default="")
    opened_at = Timestamptz()
    last_seen_at = Timestamptz()
    alert_resolved_at = Timestamptz(null=True, default=None)  # the alert said resolved
    closed_at = Timestamptz(null=True, default=None)
    closed_by = Varchar(length=64, default="")
    resolution = Text(default="")


class AlertNotification(Table, tablename="alert_notification"):
    """An SNS notification of the alert manager, applied once: SNS delivers at least once and
    retries, and a replayed message (same ``MessageId``) must not reopen a closed incident."""

    message_id = Varchar(length=100, unique=True)
    received_at = Timestamptz()


class Provisioning(Table, tablename="provisioning"):
    """A tenant's stack created by a reconcile apply, from its report (``ethiq kpi --record``,
    run by the apply workflow): the provisioning-time KPI."""

    key = Varchar(length=128, unique=True)  # "<stack>@<head>": a report recorded twice is once
    stack = Varchar(length=63, index=True)
    head = Varchar(length=64)
    duration_s = Float()
    recorded_at = Timestamptz()
    # When a runtime process observed it in ethiq_provisioning_seconds (once: the job that
    # sets it claims the row).
    observed_at = Timestamptz(null=True, default=None)


class OperatorAlert(Table, tablename="operator_alert"):
    """One message to the on-call operator on one channel (an outbox row, delivered like
    people's alerts: leased, retried). ``key`` ("<channel>:<what>") makes each exist once:
    an incident seen again, or a caller flagged by two processes, is told once. Over the hourly
    limit a row is ``held``: the next digest lists it (never dropped), then it is ``digested``."""

    key = Varchar(length=200, unique=True)
    channel = Varchar(length=8)  # email | sms
    recipient = Varchar(length=254)
    subject = Varchar(length=200)
    body = Text()
    status = Varchar(length=16, default="pending")  # + sending, sent, failed, held, digested
    attempts = SmallInt(default=0)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)
    message_sid = Varchar(length=200, null=True, default=None)  # Twilio sid or Message-ID
    error_code = Integer(null=True, default=None)
    created_at = Timestamptz(index=True)
    updated_at = Timestamptz()


class OperatorEpisode(Table, tablename="operator_episode"):
    """When the on-call was last told of something that lasts a window (a campaign caller, a
    scam surge): the process whose upsert starts a new episode (none, or the last one older
    than the window) writes its alert, every other one, however clocks and slots fall, sees
    the episode running. One row per thing, moved forward in place."""

    what = Varchar(length=200, unique=True)  # "campaign:<caller>", "surge"
    started_at = Timestamptz(index=True)
