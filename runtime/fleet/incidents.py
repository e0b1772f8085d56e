"""Incident records: opened automatically, closed by an operator with what was done.

Two sources open them: Alertmanager's notifications (each firing alert, by its fingerprint; a
``resolved`` notification marks the alert resolved but leaves the incident open: only an
operator closes it, saying what was done) and the runtime itself when a call was answered
without a dependency (the database or the store). Alertmanager's notifications come through its
webhook (the operator API) or, from Amazon Managed Prometheus, as SNS notifications
(:meth:`Incidents.notified`, each applied once by its ``MessageId``). One incident stays open per
fingerprint:
a repeated notification only updates ``last_seen_at``. Time to resolve = closed - opened.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import msgspec

from runtime.fleet.blocks import MAX_NAME
from runtime.fleet.oncall import Oncall
from runtime.fleet.tables import AlertNotification, Incident
from runtime.metrics import Metrics
from runtime.storage.bind import bind_table
from runtime.storage.tenant_store import TenantStore

__all__ = [
    "AlertmanagerAlert",
    "AlertmanagerPayload",
    "IncidentRecord",
    "Incidents",
    "NoIncident",
    "degraded_dependencies",
]

logger = logging.getLogger(__name__)

DEGRADED_EVERY_S: Final = 60.0  # at most one attempt per dependency and process in this time
DEGRADED_TIMEOUT_S: Final = 5.0
DEGRADED_FINGERPRINT: Final = "runtime:degraded:"  # + the dependency calls were answered without
# Kept past the age at which the route refuses a message as stale: a clock between SNS's and
# ours that differs by less than this cannot let a forgotten MessageId be applied again.
FORGET_MARGIN: Final = timedelta(days=1)


class NoIncident(LookupError):
    """No open incident with this id."""


class AlertmanagerAlert(msgspec.Struct):
    """One alert of Alertmanager's webhook payload (its ``version: 4`` format)."""

    status: str  # firing | resolved
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    startsAt: str = ""
    endsAt: str = ""
    fingerprint: str = ""


class AlertmanagerPayload(msgspec.Struct):
    version: str = "4"
    status: str = "firing"
    alerts: list[AlertmanagerAlert] = msgspec.field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    id: int
    fingerprint: str
    source: str
    title: str
    severity: str
    detail: str
    opened_at: datetime
    last_seen_at: datetime
    alert_resolved_at: datetime | None
    closed_at: datetime | None
    closed_by: str
    resolution: str

    @property
    def open(self) -> bool:
        return self.closed_at is None

    @property
    def resolve_s(self) -> float | None:
        """Seconds from opening to closing (``None`` while open)."""
        if self.closed_at is None:
            return None
        return (_aware(self.closed_at) - _aware(self.opened_at)).total_seconds()


class Incidents:
    def __init__(
        self, storage: TenantStore, metrics: Metrics, oncall: Oncall | None = None
    ) -> None:
        self._table = bind_table(Incident, storage.platform_engine())
        self._notifications = bind_table(AlertNotification, storage.platform_engine())
        self._metrics = metrics
        self._oncall = oncall
        self._degraded_tried: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def open(
        self,
        fingerprint: str,
        *,
        source: str,
        title: str,
        severity: str = "",
        detail: str = "",
        at: datetime | None = None,
    ) -> tuple[IncidentRecord, bool]:
        """The open incident of ``fingerprint`` (seen again now), or a new one (``True``)."""
        now = datetime.now(UTC)
        i = self._table
        existing = await self._open_row(fingerprint)
        if existing is not None:
            await i.update({i.last_seen_at: now, i.alert_resolved_at: None}).where(
                i._meta.primary_key == existing.id
            )
            return await self.get(existing.id), False
        row = i(
            fingerprint=fingerprint[:128],
            source=source[:16],
            title=title[:200],
            severity=severity[:16],
            detail=detail,
            opened_at=at or now,
            last_seen_at=now,
        )
        await i.insert(row)
        self._metrics.incidents.labels("opened", source).inc()
        logger.warning("incident opened (%s): %s", source, title)
        created = await self._open_row(fingerprint)
        assert created is not None  # noqa: S101 - just inserted
        await self._tell(created)
        return created, True

    async def _tell(self, incident: IncidentRecord) -> None:
        """The on-call operator hears of a new incident (never fails the recording)."""
        if self._oncall is None:
            return
        body = "\n".join(
            line
            for line in (
                f"Incident {incident.id} opened ({incident.source}"
                + (f", {incident.severity}" if incident.severity else "")
                + f") at {_aware(incident.opened_at):%Y-%m-%d %H:%M} UTC:",
                incident.title,
                f"Runbook: {incident.detail}" if incident.detail else "",
                f"When it is handled: ethiq incident close {incident.id} --resolution '…'",
            )
            if line
        )
        try:
            await self._oncall.tell(
                f"incident:{incident.id}", f"incident {incident.id}: {incident.title}", body
            )
        except Exception as error:
            logger.error("on-call not told of incident %d: %r", incident.id, error)

    async def alertmanager(self, payload: AlertmanagerPayload) -> list[IncidentRecord]:
        """Apply one Alertmanager notification: firing alerts open (or refresh) incidents,
        resolved ones mark their incident's alert resolved."""
        touched: list[IncidentRecord] = []
        for alert in payload.alerts:
            name = alert.labels.get("alertname", "alert")
            fingerprint = "am:" + (alert.fingerprint or _label_key(alert.labels))
            if alert.status == "resolved":
                found = await self._open_row(fingerprint)
                if found is not None:
                    i = self._table
                    resolved = _parse(alert.endsAt) or datetime.now(UTC)
                    await i.update({i.alert_resolved_at: resolved}).where(
                        i._meta.primary_key == found.id
                    )
                    touched.append(await self.get(found.id))
                continue
            summary = alert.annotations.get("summary", "")
            record, _ = await self.open(
                fingerprint,
                source="alertmanager",
                title=f"{name}: {summary}" if summary else name,
                severity=alert.labels.get("severity", ""),
                detail=alert.annotations.get("runbook_url", ""),
                at=_parse(alert.startsAt),
            )
            touched.append(record)
        return touched

    async def notified(
        self, message_id: str, message: str, subject: str = ""
    ) -> list[IncidentRecord] | None:
        """Apply one verified SNS notification of the alert manager, once per ``message_id``
        (``None``: applied before, a retry or a replay). ``message`` is the alert group as
        JSON; one that is not readable still opens an incident (the alert is never lost)."""
        n = self._notifications
        inserted = (
            await n.insert(n(message_id=message_id[:100], received_at=datetime.now(UTC)))
            .on_conflict(target=n.message_id, action="DO NOTHING")
            .returning(n.message_id)
        )
        if not inserted:
            return None
        try:
            try:
                # strict=False: the alert manager's template puts annotations' newlines raw.
                payload = msgspec.convert(json.loads(message, strict=False), AlertmanagerPayload)
            except (ValueError, msgspec.ValidationError) as error:
                logger.error("alert notification %s not readable: %r", message_id, error)
                record, _ = await self.open(
                    f"sns:{message_id}",
                    source="alertmanager",
                    title=f"Unreadable alert notification: {subject or message[:120]}",
                    detail=message[:4000],
                )
                return [record]
            return await self.alertmanager(payload)
        except Exception:
            # Not applied: SNS retries it, and the retry must not be taken for a duplicate.
            await n.delete().where(n.message_id == message_id[:100])
            raise

    async def forget(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Forget the notifications received more than ``older_than`` (plus
        :data:`FORGET_MARGIN`) ago; how many went. Dedup needs a ``MessageId`` only while its
        message could be applied again: the route refuses one signed longer ago than
        ``older_than`` (``ETHIQ_SNS_NOTIFICATION_DAYS``, :class:`runtime.fleet.sns.SnsVerifier`),
        so a forgotten notification, even one of an incident still open, is never applied
        twice."""
        n = self._notifications
        before = (now or datetime.now(UTC)) - older_than - FORGET_MARGIN
        gone = await n.delete().where(n.received_at < before).returning(n.message_id)
        if gone:
            logger.info("%d alert notifications forgotten (received before %s)", len(gone), before)
        return len(gone)

    def degraded(self, dependency: str) -> None:
        """A call was answered without ``dependency``: open its incident in the background
        (at most one attempt a minute per dependency; with the database down the attempt
        fails, and the EthiqDegradedAnswers alert opens it through Alertmanager)."""
        now = time.monotonic()
        if now - self._degraded_tried.get(dependency, -DEGRADED_EVERY_S) < DEGRADED_EVERY_S:
            return
        self._degraded_tried[dependency] = now
        task = asyncio.get_running_loop().create_task(self._open_degraded(dependency))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _open_degraded(self, dependency: str) -> None:
        try:
            await asyncio.wait_for(
                self.open(
                    DEGRADED_FINGERPRINT + dependency,
                    source="runtime",
                    title=f"Calls answered degraded: {dependency} unavailable",
                    severity="page",
                    detail="docs/runbooks.md#ethiqdegradedanswers",
                ),
                DEGRADED_TIMEOUT_S,
            )
        except Exception as error:
            logger.error("incident for the degraded %s not recorded: %r", dependency, error)

    async def drain(self) -> None:
        """Wait for the background openings (at shutdown)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=DEGRADED_TIMEOUT_S + 1)

    async def close(self, incident_id: int, *, by: str, resolution: str) -> IncidentRecord:
        by, resolution = by.strip(), resolution.strip()
        if not by or len(by) > MAX_NAME:
            raise ValueError(f"say who closes it (1 to {MAX_NAME} characters)")
        if not resolution:
            raise ValueError("say what was done (the resolution)")
        i = self._table
        closed = (
            await i.update(
                {i.closed_at: datetime.now(UTC), i.closed_by: by, i.resolution: resolution}
            )
            .where((i._meta.primary_key == incident_id) & i.closed_at.is_null())
            .returning(i._meta.primary_key, i.source)
        )
        if not closed:
            raise NoIncident(f"no open incident {incident_id}")
        self._metrics.incidents.labels("closed", str(closed[0]["source"])).inc()
        record = await self.get(incident_id)
        logger.info("incident %d closed by %s after %.0f s", incident_id, by, record.resolve_s)
        return record

    async def get(self, incident_id: int) -> IncidentRecord:
        i = self._table
        row = await i.select().where(i._meta.primary_key == incident_id).first()
        if row is None:
            raise NoIncident(f"no incident {incident_id}")
        return _record(row)

    async def recent(self, *, open_only: bool = False, limit: int = 200) -> list[IncidentRecord]:
        i = self._table
        query = i.select().order_by(i._meta.primary_key, ascending=False).limit(limit)
        if open_only:
            query = query.where(i.closed_at.is_null())
        return [_record(r) for r in await query]

    async def degraded_calls(self, since: datetime) -> dict[str, IncidentRecord]:
        """By dependency, the latest of the runtime's incidents of calls answered without it,
        among those still open and those last seen since ``since`` (closed or not): whether
        calls were degraded lately is what the calls said (each process refreshes the open
        incident at most once a minute while they are, and opens a new one after a close),
        not whether an operator closed the incident."""
        i = self._table
        rows = await i.select().where(
            i.fingerprint.like(DEGRADED_FINGERPRINT + "%")
            & (i.closed_at.is_null() | (i.last_seen_at >= since))
        )
        return degraded_dependencies(_record(r) for r in rows)

    async def closed(self) -> list[IncidentRecord]:
        """Every closed incident (what the time-to-resolve KPI is computed from)."""
        i = self._table
        return [_record(r) for r in await i.select().where(i.closed_at.is_not_null())]

    async def _open_row(self, fingerprint: str) -> IncidentRecord | None:
        i = self._table
        row = (
            await i.select()
            .where((i.fingerprint == fingerprint[:128]) & i.closed_at.is_null())
            .first()
        )
        return None if row is None else _record(row)


def degraded_dependencies(incidents: Iterable[IncidentRecord]) -> dict[str, IncidentRecord]:
    """Among ``incidents``, the runtime's own of calls answered without a dependency, by that
    dependency (``conference``: Twilio's API; a probe of readiness never sees those): the one
    last seen latest of each."""
    latest: dict[str, IncidentRecord] = {}
    for incident in incidents:
        if not incident.fingerprint.startswith(DEGRADED_FINGERPRINT):
            continue
        name = incident.fingerprint.removeprefix(DEGRADED_FINGERPRINT)
        if name not in latest or incident.last_seen_at > latest[name].last_seen_at:
            latest[name] = incident
    return latest


def _label_key(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _parse(value: str) -> datetime | None:
    if not value or value.startswith("0001-"):  # Alertmanager's zero time: not ended
        return None
    try:
        return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _record(row: dict[str, Any]) -> IncidentRecord:
    return IncidentRecord(
        id=int(row["id"]),
        fingerprint=row["fingerprint"],
        source=row["source"],
        title=row["title"],
        severity=row["severity"],
        detail=row["detail"],
        opened_at=_aware(row["opened_at"]),
        last_seen_at=_aware(row["last_seen_at"]),
        alert_resolved_at=None
        if row["alert_resolved_at"] is None
        else _aware(row["alert_resolved_at"]),
        closed_at=None if row["closed_at"] is None else _aware(row["closed_at"]),
        closed_by=row["closed_by"],
        resolution=row["resolution"],
    )
