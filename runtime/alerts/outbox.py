"""The alert outbox: SMS to emergency contacts, at most once per call and contact.

Rows are written by the call path in the same transaction as the ``scam`` verdict
(:func:`runtime.calls.records.record_assessment`, through
:class:`runtime.alerts.records.CallAlerts`); the unique index (call, contact) makes a duplicate
event or a second process write nothing more. The background jobs
(:mod:`runtime.alerts.jobs`) then deliver each due row through
:class:`runtime.alerts.delivery.LeasedDelivery` (claim with a lease, look for a message already
sent before re-sending, finish, backoff). Before sending, the outbox re-checks **consent** (a
contact may have replied STOP since), then sends from the tenant's number through its
subaccount, in the contact row's language (the contact's ``language`` in the stack file, else
the tenant's ``ethiq:language``).

Alerts follow the contacts' priority order, an escalation chain: the call's verdict alerts the
first wave (the consenting contacts of the lowest priority). An alert that fails for good, is
opted out, is reported ``undelivered``/``failed`` by Twilio's status callback, or is not
acknowledged ``ack_s`` after it was sent passes the call on to the next wave. A contact
acknowledges by replying (:func:`runtime.alerts.consent.record_reply`); ``delivered`` (Twilio's
receipt, which not every carrier returns:
https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks) only
says the phone got it, not that someone read it. When nobody is left, the call is marked
degraded (``alert-unreached``) and an error is logged.

**Billing standing.** A tenant whose subscription no longer covers alerts (after the payment
grace period *and* the person's notice, or once canceled: :mod:`runtime.billing.lifecycle`)
gets no text to its contacts: each due alert is finished ``suspended`` (counted as outcome
``suspended``, the call marked ``alerts-suspended`` in the call log) and not passed on. The
call itself was connected and screened as always. ``suspended`` is final: once the payment is
back, new verdicts alert again, but the alerts of the suspended weeks are never sent late (a
warning about a call long over would alarm the contacts for nothing). The standing is asked
once per pass with alerts due, through a cache (:class:`runtime.billing.standings.Standings`)
that fails open.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.custom_types import Combinable

from runtime.alerts.delivery import LeasedDelivery, Outcome
from runtime.alerts.messages import alert_body, alert_marker
from runtime.alerts.records import alert_next_contacts, latest_consent
from runtime.alerts.sender import SENDER_NOT_REGISTERED, SendError, SmsSender
from runtime.alerts.tables import AlertStatus, AlertTables, bind_tables
from runtime.calls.records import as_utc, mark_degraded
from runtime.metrics import Metrics
from runtime.settings import AlertSettings
from runtime.storage import TenantStore
from runtime.telephony import paths
from runtime.telephony.signatures import public_url
from runtime.tenants import Registry, TenantRecord

__all__ = ["AlertsOn", "Outbox", "PassResult"]

logger = logging.getLogger(__name__)

#: Whether a tenant's contacts may be texted at a time (its billing standing).
AlertsOn = Callable[[str, datetime], Awaitable[bool]]


@dataclass(slots=True)
class PassResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    opted_out: int = 0
    errors: int = 0  # tenants whose data could not be read
    passed_on: int = 0  # alerts written for the next contacts of a chain
    suspended: int = 0  # not sent: the tenant's subscription does not cover alerts now


class Outbox:
    def __init__(
        self,
        *,
        registry: Registry,
        storage: TenantStore,
        sender: SmsSender,
        settings: AlertSettings,
        public_base_url: str,
        metrics: Metrics,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._registry = registry
        self._storage = storage
        self._settings = settings
        self._leased = LeasedDelivery(settings, sender, clock)
        self._public = public_base_url
        self._metrics = metrics
        self._clock = clock
        #: The billing standing's answer (set once billing is built); ``None``: always on.
        self.alerts_on: AlertsOn | None = None

    async def run_once(self, now: datetime | None = None) -> PassResult:
        """One pass over every tenant's due alerts (as of ``now``, default: the clock): tests
        and one-shot runs; the jobs of :mod:`runtime.alerts.jobs` run one tenant each."""
        result = PassResult()
        for tenant in await self._registry.list():
            try:
                await self.tenant_pass(tenant, result, now or self._clock())
            except Exception:
                logger.exception("outbox: tenant %s skipped this pass", tenant.slug)
                result.errors += 1
        return result

    async def tenant_pass(
        self, tenant: TenantRecord, result: PassResult, now: datetime
    ) -> datetime | None:
        """Deliver the tenant's due alerts and pass on the unacknowledged ones; return when
        something of the tenant is due next (a retry, a lease, an acknowledgement deadline)."""
        tables = bind_tables(self._storage.engine(tenant.slug))
        due = await self._leased.due_ids(tables.Alert, now)
        covered = not due or self.alerts_on is None or await self.alerts_on(tenant.slug, now)
        for alert_id in due:
            claimed = await self.claim(tables, alert_id, now)
            if claimed is None:
                continue
            if covered:
                await self._deliver(tenant, tables, claimed, result, now)
            else:
                await self._suspend(tenant, tables, claimed, result)
        await self._unacknowledged(tenant, tables, result, now)
        if len(due) >= self._settings.batch:
            return now  # more are due than one batch
        return await self._next_due(tables)

    async def _next_due(self, tables: AlertTables) -> datetime | None:
        alert = tables.Alert
        retry = await self._leased.next_attempt(alert)
        row = (
            await alert.select(alert.next_attempt_at)
            .where(
                alert.status.is_in([AlertStatus.SENT.value, AlertStatus.DELIVERED.value])
                & alert.next_attempt_at.is_not_null()
            )
            .order_by(alert.next_attempt_at)
            .first()
            .run()
        )
        deadline = None if row is None else as_utc(row["next_attempt_at"])
        return min((t for t in (retry, deadline) if t is not None), default=None)

    async def _unacknowledged(
        self, tenant: TenantRecord, tables: AlertTables, result: PassResult, now: datetime
    ) -> None:
        """Sent alerts not acknowledged by their deadline: the next contacts are alerted too.

        The deadline is cleared by one conditional update, so one process passes each on."""
        alert = tables.Alert
        overdue = (
            await alert.update({alert.next_attempt_at: None, alert.updated_at: now})
            .where(
                alert.status.is_in([AlertStatus.SENT.value, AlertStatus.DELIVERED.value])
                & alert.next_attempt_at.is_not_null()
                & (alert.next_attempt_at <= now)
            )
            .returning(alert.id, alert.call, alert.contact)
            .run()
        )
        for row in overdue:
            logger.warning(
                "alert %s of %s: not acknowledged after %.0fs, passing the call on",
                row["id"],
                tenant.slug,
                self._settings.ack_s,
            )
            result.passed_on += await self._pass_on(
                tenant, tables, int(row["call"]), int(row["contact"]), now, final=False
            )

    async def _pass_on(
        self,
        tenant: TenantRecord,
        tables: AlertTables,
        call_id: int,
        contact_id: int,
        now: datetime,
        *,
        final: bool,
    ) -> int:
        """Alert the contacts after ``contact_id`` in priority order; return how many.

        ``final``: this contact was not reached (failed, opted out, undelivered). If nobody
        else can be alerted and no alert of the call is still under way, say so loudly."""
        contact = tables.Contact
        row = await contact.select(contact.priority).where(contact.id == contact_id).first().run()
        after = int(row["priority"]) if row is not None else None
        written = await alert_next_contacts(tables, call_id, tenant.contacts, after=after, now=now)
        if written:
            self._metrics.alerts.labels("passed_on").inc(written)
            logger.info(
                "call %s of %s passed on to %d more contact(s)", call_id, tenant.slug, written
            )
            return written
        if final and not await self._under_way(tables, call_id):
            await mark_degraded(tables, call_id, "alert-unreached")
            self._metrics.alerts.labels("unreached").inc()
            logger.error(
                "call %s of %s: NO emergency contact could be reached (none left to alert)",
                call_id,
                tenant.slug,
            )
        return 0

    async def _under_way(self, tables: AlertTables, call_id: int) -> bool:
        """Whether an alert of the call is delivered, sent or still to be sent."""
        alert = tables.Alert
        live = [
            s.value
            for s in (
                AlertStatus.PENDING,
                AlertStatus.SENDING,
                AlertStatus.SENT,
                AlertStatus.DELIVERED,
                AlertStatus.ACKNOWLEDGED,
            )
        ]
        return bool(
            await alert.count().where((alert.call == call_id) & alert.status.is_in(live)).run()
        )

    async def claim(
        self, tables: AlertTables, alert_id: int, now: datetime
    ) -> Mapping[str, Any] | None:
        """Take the row for one delivery attempt (lease); ``None`` if someone else holds it."""
        alert = tables.Alert
        return await self._leased.claim(
            alert, alert_id, now, alert.call, alert.contact, alert.created_at
        )

    async def _finish(self, tables: AlertTables, alert_id: int, values: dict[str, Any]) -> None:
        await self._leased.finish(tables.Alert, alert_id, values, self._clock())

    async def _suspend(
        self,
        tenant: TenantRecord,
        tables: AlertTables,
        claimed: Mapping[str, Any],
        result: PassResult,
    ) -> None:
        """Finish a claimed alert unsent: the tenant's standing suspends alerts."""
        alert_id = int(claimed["id"])
        await self._finish(
            tables, alert_id, {"status": AlertStatus.SUSPENDED.value, "next_attempt_at": None}
        )
        await mark_degraded(tables, int(claimed["call"]), "alerts-suspended")
        self._metrics.alerts.labels("suspended").inc()
        result.suspended += 1
        logger.warning(
            "alert %s of %s not sent: the subscription's standing suspends alerts "
            "(the call was connected and screened)",
            alert_id,
            tenant.slug,
        )

    async def _deliver(
        self,
        tenant: TenantRecord,
        tables: AlertTables,
        claimed: Mapping[str, Any],
        result: PassResult,
        now: datetime,
    ) -> None:
        alert_id, attempts = int(claimed["id"]), int(claimed["attempts"])
        written = as_utc(claimed.get("created_at"))
        if attempts == 1 and written is not None:  # the outbox's lag, first attempts only
            self._metrics.outbox_lag.observe(max((now - written).total_seconds(), 0.0))
        call = (
            await tables.Call.select()
            .where(tables.Call.id == claimed["call"])
            .output(load_json=True)
            .first()
            .run()
        )
        contact = (
            await tables.Contact.select()
            .where(tables.Contact.id == claimed["contact"])
            .first()
            .run()
        )
        if call is None or contact is None:
            await self._finish(tables, alert_id, {"status": AlertStatus.FAILED.value})
            result.failed += 1
            return
        declared = {c.number for c in tenant.contacts}
        if (
            contact["number"] not in declared
            or await latest_consent(tables, int(contact["id"])) != "consent"
        ):
            logger.info("alert %s of %s: contact withdrew, not sent", alert_id, tenant.slug)
            await self._finish(
                tables, alert_id, {"status": AlertStatus.OPTED_OUT.value, "next_attempt_at": None}
            )
            self._metrics.alerts.labels("opted_out").inc()
            result.opted_out += 1
            result.passed_on += await self._pass_on(
                tenant, tables, int(call["id"]), int(contact["id"]), now, final=True
            )
            return
        marker = alert_marker(alert_id, str(call["sid"]))
        try:
            sid = await self._leased.send(
                tenant,
                contact["number"],
                reference=marker,
                attempts=attempts,
                body=lambda: alert_body(
                    lang=str(contact["language"]),
                    region=tenant.region,
                    caller=str(call["from_number"]),
                    caller_name=call["caller_name"],
                    at=as_utc(call["started_at"]) or self._clock(),
                    reasons=list(call["reasons"] or []),
                    marker=marker,
                    person_name=tenant.person_name or None,
                ),
                status_callback=public_url(self._public, paths.SMS_STATUS, f"tenant={tenant.slug}"),
            )
        except SendError as error:
            if await self._failed(tables, alert_id, attempts, error, result, now):
                result.passed_on += await self._pass_on(
                    tenant, tables, int(call["id"]), int(contact["id"]), now, final=True
                )
            return
        await self._finish(
            tables,
            alert_id,
            {
                "status": AlertStatus.SENT.value,
                "message_sid": sid,
                # The acknowledgement deadline: see _unacknowledged.
                "next_attempt_at": now + timedelta(seconds=self._settings.ack_s),
                "error_code": None,
            },
        )
        self._metrics.alerts.labels("sent").inc()
        result.sent += 1
        logger.info("alert %s of %s sent (%s)", alert_id, tenant.slug, sid)

    async def _failed(
        self,
        tables: AlertTables,
        alert_id: int,
        attempts: int,
        error: SendError,
        result: PassResult,
        now: datetime,
    ) -> bool:
        """Record a failed attempt; ``True`` if the contact will not be reached (no retry)."""
        outcome = await self._leased.failed(tables.Alert, alert_id, attempts, error, now)
        self._metrics.alerts.labels(outcome.value).inc()
        if outcome is Outcome.RETRY:
            result.retried += 1
            return False
        if outcome is Outcome.OPTED_OUT:
            result.opted_out += 1
        else:
            result.failed += 1
        return True

    async def delivery(self, tenant: TenantRecord, params: Mapping[str, str]) -> bool:
        """An SMS status callback: record Twilio's delivery outcome on the alert it belongs to."""
        tables = bind_tables(self._storage.engine(tenant.slug))
        alert = tables.Alert
        sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
        code = params.get("ErrorCode", "")
        now = self._clock()
        values: dict[Any, Any] = {alert.updated_at: now}
        lost = status in {"failed", "undelivered"}
        if lost:
            values[alert.status] = AlertStatus.FAILED.value
            values[alert.error_code] = int(code) if code.isdigit() else None
            values[alert.next_attempt_at] = None
        elif status == "delivered":  # the acknowledgement deadline still runs
            values[alert.status] = AlertStatus.DELIVERED.value
            self._metrics.alerts.labels("delivered").inc()
        where: Combinable = alert.message_sid == sid
        if lost:  # a repeated callback is news once (logged, counted, passed on)
            where = where & (alert.status != AlertStatus.FAILED.value)
        else:  # a late receipt never undoes an acknowledgement
            where = where & (alert.status != AlertStatus.ACKNOWLEDGED.value)
        rows = (
            await alert.update(values)
            .where(where)
            .returning(alert.id, alert.call, alert.contact)
            .run()
        )
        if lost and rows:
            self._metrics.alerts.labels("undelivered").inc()
            # Carrier-side (30003 unreachable, 30005 unknown, 30007 filtered, 30034 unregistered
            # 10DLC …): retrying the same text rarely helps; someone must look.
            blocked = SENDER_NOT_REGISTERED.get(int(code)) if code.isdigit() else None
            if blocked:
                self._metrics.sender_blocked.labels(code).inc()
                logger.error(
                    "tenant %s cannot text %s: Twilio blocked the sender (error %s): %s. Every "
                    "alert to such numbers fails until it is registered (docs/runbooks.md, "
                    "'US tenants'); passing the call on to the next contact",
                    tenant.slug,
                    params.get("To", "?"),
                    code,
                    blocked,
                )
            logger.error(
                "alert %s of %s to %s was %s (Twilio error %s): the contact was NOT reached; "
                "see https://www.twilio.com/docs/api/errors/%s",
                sid,
                tenant.slug,
                params.get("To", "?"),
                status,
                code or "?",
                code or "",
            )
            for row in rows:
                await mark_degraded(tables, int(row["call"]), "alert-undelivered")
                await self._pass_on(
                    tenant, tables, int(row["call"]), int(row["contact"]), now, final=True
                )
        else:
            logger.info("message %s of %s: %s", sid, tenant.slug, status or "no status")
        return bool(rows)
