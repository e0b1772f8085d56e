"""Usage metered from the tenant's own call logs, against its plan's limits.

What a plan limits (``plans.py``) is counted from the tenant's tables, per calendar month in
UTC (Twilio's Usage Triggers recur in GMT too): screened minutes are the month's inbound calls'
``duration`` rounded up to the minute per call (as Twilio bills voice), alerts the alert SMS
written that month, contacts the declared contacts. :func:`notices_due` says which of the 80 %
and 100 % thresholds a month's usage crossed and were not notified yet, so each is sent once
per period. Nothing here touches the call path: over a limit a call is still connected and
screened (safety first); the overage is absorbed or billed as the plan says. The metering job
reconciles the screened minutes with Twilio's Usage Records (``usage_records.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from runtime.alerts.tables import bind_tables
from runtime.billing.plans import Plan
from runtime.storage import TenantStore

__all__ = ["THRESHOLDS", "Metric", "Notice", "Usage", "month_of", "notices_due", "usage_of"]

Metric = Literal["screened_minutes", "contacts", "alerts"]
THRESHOLDS: Final = (80, 100)  # percent of a plan's limit


@dataclass(frozen=True, slots=True)
class Usage:
    period: str  # "YYYY-MM", UTC
    screened_minutes: int
    contacts: int
    alerts: int


@dataclass(frozen=True, slots=True)
class Notice:
    """A threshold the month's usage crossed: tell the person and the operator, once."""

    period: str
    metric: Metric
    threshold: int  # percent
    used: int
    limit: int

    @property
    def key(self) -> str:
        """What makes it once per period (the notification's idempotency key)."""
        return f"{self.period}:{self.metric}:{self.threshold}"


def month_of(at: datetime) -> tuple[str, datetime, datetime]:
    """The UTC calendar month holding ``at``: its name, first instant and the next month's."""
    start = at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year, month = divmod(start.month, 12)  # December rolls over to the next January
    end = start.replace(year=start.year + year, month=month + 1)
    return start.strftime("%Y-%m"), start, end


async def usage_of(store: TenantStore, slug: str, at: datetime) -> Usage:
    """The tenant's usage in the month holding ``at``, from its call logs."""
    period, start, end = month_of(at)
    t = bind_tables(store.engine(slug))
    in_month = (t.Call.started_at >= start) & (t.Call.started_at < end)
    durations = await t.Call.select(t.Call.duration).where(
        in_month & (t.Call.direction == "inbound") & t.Call.duration.is_not_null()
    )
    minutes = sum(-(-int(r["duration"]) // 60) for r in durations)
    alerts = await t.Alert.count().where((t.Alert.created_at >= start) & (t.Alert.created_at < end))
    contacts = await t.Contact.count()
    return Usage(period, minutes, int(contacts), int(alerts))


def notices_due(plan: Plan, usage: Usage, notified: Iterable[str] = ()) -> list[Notice]:
    """Thresholds ``usage`` reached that are not in ``notified`` (keys of notices sent)."""
    sent = set(notified)
    due = []
    for metric in ("screened_minutes", "contacts", "alerts"):
        limit: int = getattr(plan, metric)
        used: int = getattr(usage, metric)
        for threshold in THRESHOLDS:
            notice = Notice(usage.period, metric, threshold, used, limit)
            if used * 100 >= limit * threshold and notice.key not in sent:
                due.append(notice)
    return due
