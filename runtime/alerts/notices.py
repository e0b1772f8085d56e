"""Texts to the protected person themself: a missed call (their app did not answer and the
caller reached voicemail) says who called, what Ethiq made of the call and that a message was
left.

The call path writes one ``person_notice`` row per call (``key`` unique: a retried ``<Record>``
action finds it); the tenant's delivery job sends it like an alert, through
:class:`runtime.alerts.delivery.LeasedDelivery` (claim with a lease, look for a message already
sent before re-sending, backoff). The recipient is read when the row is sent: the person's own
mobile number and language, from the people's records (a :data:`PersonLookup` the web layer
wires, since people's tables sit above this package). A person who gave no own number gets
nothing: the row is ``skipped`` and logged. The verdict is the call's at that moment, so a
voicemail screened as a scam says so.

A voicemail left in the person's quiet hours is texted when they end, not during them: the call
path writes the row with ``next_attempt_at`` at that end (the tenant's zone,
:meth:`runtime.calls.preferences.QuietHours.end_after`). The row is not due before it,
:meth:`Notices.tenant_pass` returns it as the tenant's next wake-up, and the sweep of a
restarted worker finds it again; the lease sends it once.

**Billing standing.** When the tenant's subscription suspends alerts to its contacts, the
missed-call text is suspended with them unless the voicemail was screened a ``scam`` (the
person's own warning: the decision is :func:`runtime.billing.lifecycle.texts_person`, asked
through :attr:`Notices.texts_on`, which the web layer wires to the cached standing). A
suspended text is finished ``skipped``, counted as outcome ``suspended`` and logged; it is
never sent late.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from runtime.alerts.delivery import LeasedDelivery, Outcome
from runtime.alerts.messages import missed_call_body
from runtime.alerts.sender import SendError, SmsSender
from runtime.alerts.tables import AlertTables, NoticeStatus, bind_tables
from runtime.calls.records import as_utc
from runtime.metrics import Metrics
from runtime.settings import AlertSettings
from runtime.storage import TenantStore
from runtime.telephony import paths
from runtime.telephony.signatures import public_url
from runtime.tenants import TenantRecord

__all__ = ["NoticePass", "Notices", "PersonLookup", "Recipient", "TextsOn", "notice_marker"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where the person reads texts: their own mobile number, in their language."""

    number: str
    language: str


#: The person of a tenant (by slug) as a recipient; ``None``: no own number given.
PersonLookup = Callable[[str], Awaitable[Recipient | None]]

#: Whether a tenant's (slug) missed-call text may go at a time, the call screened a scam or not
#: (its billing standing).
TextsOn = Callable[[str, datetime, bool], Awaitable[bool]]


@dataclass(slots=True)
class NoticePass:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    suspended: int = 0  # not sent: the tenant's subscription suspends such texts now


def notice_marker(notice_id: int, call_sid: str) -> str:
    """The reference in every notice (distinct from alerts' ``#<id>-…``)."""
    return f"#M{notice_id}-{call_sid[-6:]}"


class Notices:
    def __init__(
        self,
        *,
        storage: TenantStore,
        sender: SmsSender,
        settings: AlertSettings,
        public_base_url: str,
        metrics: Metrics,
        person: PersonLookup | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._storage = storage
        self._leased = LeasedDelivery(settings, sender, clock)
        self._public = public_base_url
        self._metrics = metrics
        self._person = person
        self._clock = clock
        self._batch = settings.batch
        #: The billing standing's answer (set once billing is built); ``None``: always on.
        self.texts_on: TextsOn | None = None

    def tables(self, tenant: TenantRecord) -> AlertTables:
        return bind_tables(self._storage.engine(tenant.slug))

    async def tenant_pass(
        self, tenant: TenantRecord, result: NoticePass, now: datetime
    ) -> datetime | None:
        """Deliver the tenant's due notices; return when one is due again (a retry, a lease)."""
        tables = self.tables(tenant)
        notice = tables.Notice
        due = await self._leased.due_ids(notice, now)
        for row_id in due:
            claimed = await self._leased.claim(notice, row_id, now, notice.call, notice.kind)
            if claimed is not None:
                await self._deliver(tenant, tables, claimed, result, now)
        if len(due) >= self._batch:
            return now
        return await self._leased.next_attempt(notice)

    async def _finish(self, tables: AlertTables, row_id: int, values: dict[str, Any]) -> None:
        await self._leased.finish(tables.Notice, row_id, values, self._clock())

    async def _deliver(
        self,
        tenant: TenantRecord,
        tables: AlertTables,
        claimed: Mapping[str, Any],
        result: NoticePass,
        now: datetime,
    ) -> None:
        row_id, attempts = int(claimed["id"]), int(claimed["attempts"])
        call = (
            await tables.Call.select()
            .where(tables.Call.id == claimed["call"])
            .output(load_json=True)
            .first()
            .run()
        )
        try:
            recipient = None if self._person is None else await self._person(tenant.slug)
        except Exception as error:  # the platform database: try again later
            error_ = SendError(f"the person's number could not be read: {error!r}")
            outcome = await self._leased.failed(tables.Notice, row_id, attempts, error_, now)
            self._count(outcome.value, result)
            return
        if call is None or recipient is None or not recipient.number:
            await self._finish(
                tables, row_id, {"status": NoticeStatus.SKIPPED.value, "next_attempt_at": None}
            )
            self._count("skipped", result)
            if call is not None:
                logger.warning(
                    "missed call %s of %s: the person gave no own mobile number, so no "
                    "missed-call text was sent (they can add it on their page)",
                    call["sid"],
                    tenant.slug,
                )
            return
        scam = call["verdict"] == "scam"
        if self.texts_on is not None and not await self.texts_on(tenant.slug, now, scam):
            await self._finish(
                tables, row_id, {"status": NoticeStatus.SKIPPED.value, "next_attempt_at": None}
            )
            self._count("suspended", result)
            logger.warning(
                "missed call %s of %s: no missed-call text, the subscription's standing "
                "suspends it (the call is in the call log)",
                call["sid"],
                tenant.slug,
            )
            return
        marker = notice_marker(row_id, str(call["sid"]))
        try:
            sid = await self._leased.send(
                tenant,
                recipient.number,
                reference=marker,
                attempts=attempts,
                body=lambda: missed_call_body(
                    lang=recipient.language,
                    region=tenant.region,
                    caller=str(call["from_number"]),
                    caller_name=call["caller_name"],
                    at=as_utc(call["started_at"]) or self._clock(),
                    verdict=call["verdict"],
                    marker=marker,
                ),
                status_callback=public_url(self._public, paths.SMS_STATUS, f"tenant={tenant.slug}"),
            )
        except SendError as error:
            outcome = await self._leased.failed(tables.Notice, row_id, attempts, error, now)
            self._count(outcome.value, result)
            return
        await self._finish(
            tables,
            row_id,
            {
                "status": NoticeStatus.SENT.value,
                "message_sid": sid,
                "next_attempt_at": None,
                "error_code": None,
            },
        )
        self._count("sent", result)
        logger.info("missed-call text of call %s of %s sent (%s)", call["sid"], tenant.slug, sid)

    def _count(self, outcome: str, result: NoticePass) -> None:
        self._metrics.notices.labels(outcome).inc()
        if outcome == "sent":
            result.sent += 1
        elif outcome == Outcome.RETRY.value:
            result.retried += 1
        elif outcome == "skipped":
            result.skipped += 1
        elif outcome == "suspended":
            result.suspended += 1
        else:
            result.failed += 1

    async def delivery(self, tenant: TenantRecord, params: Mapping[str, str]) -> bool:
        """An SMS status callback for a notice: ``delivered``, or lost (logged: the person
        does not know about the missed call)."""
        notice = self.tables(tenant).Notice
        status, code = params.get("MessageStatus", ""), params.get("ErrorCode", "")
        values: dict[Any, Any] = {notice.updated_at: self._clock()}
        lost = status in {"failed", "undelivered"}
        if lost:
            values[notice.status] = NoticeStatus.FAILED.value
            values[notice.error_code] = int(code) if code.isdigit() else None
        elif status == "delivered":
            values[notice.status] = NoticeStatus.DELIVERED.value
        else:
            return False
        rows = (
            await notice.update(values)
            .where(notice.message_sid == params.get("MessageSid", ""))
            .returning(notice.id)
            .run()
        )
        if rows:
            self._metrics.notices.labels("undelivered" if lost else "delivered").inc()
            if lost:
                logger.error(
                    "missed-call text %s of %s was %s (Twilio error %s): the person was NOT "
                    "told of the missed call",
                    params.get("MessageSid", "?"),
                    tenant.slug,
                    status,
                    code or "?",
                )
        return bool(rows)
