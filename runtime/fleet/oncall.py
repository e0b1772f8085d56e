"""Operator alerts: what needs an operator reaches the on-call one by email and SMS.

Told: an incident opened (Alertmanager's webhook, or the runtime answering without a
dependency), a campaign caller, a surge of scam verdicts. Each becomes one :class:`OperatorAlert`
row per configured channel (``ETHIQ_ONCALL_EMAIL``, ``ETHIQ_ONCALL_SMS``), and:

- **deduplicated**: a row's key is its channel and what it is about (an incident's id), so the
  same thing seen again, or by two processes, is told once. What lasts a window (a campaign
  caller, a scam surge) is told once per episode: the first telling upserts its
  :class:`OperatorEpisode` row, and the same thing told again within the window of that row's
  start, by any process sharing the platform database, writes nothing;
- **rate limited**: at most ``ETHIQ_ONCALL_PER_HOUR`` sent per channel per hour; beyond that a
  row is ``held``, and the next digest lists it (never dropped);
- **delivered like people's alerts** (:class:`runtime.alerts.delivery.LeasedDelivery`: leased,
  looked up at Twilio before an SMS is re-sent, retried with backoff) by the job worker: the
  ``ethiq.fleet.oncall`` job is queued when a row is written, and every minute for retries;
- a **digest** by email (``ETHIQ_ONCALL_DIGEST``, weekly): the week's incidents (still open,
  closed and how fast), the held alerts, campaign callers and platform blocks.

Texts are in English: operators are not the protected people, whose language they use.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from runtime.alerts.delivery import LeasedDelivery
from runtime.alerts.sender import SendError, SmsSender
from runtime.email import Mail, Mailer, MailError
from runtime.fleet.tables import OperatorAlert, OperatorEpisode
from runtime.metrics import Metrics
from runtime.settings import Settings
from runtime.storage.bind import bind_table
from runtime.storage.tenant_store import TenantStore

__all__ = ["DIGEST_DAYS", "Oncall", "OncallSms"]

logger = logging.getLogger(__name__)

DIGEST_DAYS: Final = 7
SMS_CHARS: Final = 300  # two segments at most
_HELD: Final = "held"
_DIGESTED: Final = "digested"
_NOT_SENT: Final = (_HELD, _DIGESTED)


class OncallSms(SmsSender, Protocol):
    """Texting from a tenant's subaccount and from the parent account
    (:class:`runtime.alerts.TwilioSmsSender`)."""

    async def send_as(
        self, account_sid: str | None, origin: str, to: str, body: str, status_callback: str = ""
    ) -> str: ...

    async def find_as(
        self, account_sid: str | None, origin: str, to: str, marker: str
    ) -> str | None: ...


class Oncall:
    def __init__(
        self,
        *,
        storage: TenantStore,
        settings: Settings,
        sms: OncallSms,
        mailer: Mailer,
        metrics: Metrics,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._table = bind_table(OperatorAlert, storage.platform_engine())
        self._episodes = bind_table(OperatorEpisode, storage.platform_engine())
        self._settings = settings.oncall
        self._sms = sms
        self._mailer = mailer
        self._metrics = metrics
        self._clock = clock
        self._delivery = LeasedDelivery(settings.alerts, sms, clock)
        #: Queues the delivery job (set once the job engine is known): best effort.
        self.kick: Callable[[], Awaitable[None]] | None = None

    @property
    def configured(self) -> bool:
        return bool(self._settings.channels)

    async def tell(
        self,
        what: str,
        subject: str,
        body: str,
        *,
        channels: Sequence[str] = ("email", "sms"),
        limited: bool = True,
        within: timedelta | None = None,
    ) -> int:
        """Queue the alert on each configured channel; return the rows written (0: told before,
        or nobody configured). ``within``: ``what`` is an episode, told once within that much
        of its first telling (whichever process told it), then again."""
        now = self._clock()
        targets = [(c, to) for c, to in self._settings.channels if c in channels]
        if not targets:
            return 0
        if within is None:
            written = await self._write(what, subject, body, targets, now, limited)
        else:
            async with self._table._meta.db.transaction():  # the episode and its rows, or none
                started = await self._episode(what, now, within)
                if started is None:
                    return 0
                key = f"{what}:{int(started.timestamp())}"
                written = await self._write(key, subject, body, targets, now, limited)
        if written and self.kick is not None:
            try:
                await self.kick()
            except Exception as error:  # the minute's job sends it anyway
                logger.warning("operator alert job not queued: %r", error)
        return written

    async def _episode(self, what: str, now: datetime, within: timedelta) -> datetime | None:
        """Start an episode of ``what`` at ``now`` unless one started within ``within``: one
        upsert, so of two processes telling it at once exactly one starts it."""
        e = self._episodes
        started: list[dict[str, Any]] = (
            await e.insert(e(what=what[:200], started_at=now))
            .on_conflict(
                target=e.what,
                action="DO UPDATE",
                values=[e.started_at],
                where=e.started_at <= now - within,
            )
            .returning(e.started_at)
        )
        return now if started else None

    async def _write(
        self,
        what: str,
        subject: str,
        body: str,
        targets: Sequence[tuple[str, str]],
        now: datetime,
        limited: bool,
    ) -> int:
        t = self._table
        written = 0
        for channel, to in targets:
            held = limited and await self._sent_last_hour(channel, now) >= self._settings.per_hour
            row = t(
                key=f"{channel}:{what}"[:200],
                channel=channel,
                recipient=to,
                subject=subject[:200],
                body=body,
                status=_HELD if held else "pending",
                attempts=0,
                next_attempt_at=None,
                created_at=now,
                updated_at=now,
            )
            inserted = (
                await t.insert(row)
                .on_conflict(target=t.key, action="DO NOTHING")
                .returning(t._meta.primary_key)
            )
            if inserted:
                written += 1
                outcome = _HELD if held else "queued"
                self._metrics.operator_alerts.labels(channel, outcome).inc()
                if held:
                    logger.warning("operator alert held for the digest (hourly limit): %s", subject)
        return written

    async def forget_episodes(self, before: datetime) -> None:
        """Forget the episodes started before ``before`` (long over: the digest's week)."""
        e = self._episodes
        await e.delete().where(e.started_at < before)

    async def deliver(self) -> int:
        """Send every due operator alert; return how many were sent."""
        t = self._table
        now = self._clock()
        sent = 0
        for row_id in await self._delivery.due_ids(t, now):
            claimed = await self._delivery.claim(
                t, row_id, now, t.channel, t.recipient, t.subject, t.body
            )
            if claimed is None:
                continue
            attempts = int(claimed["attempts"])
            channel = str(claimed["channel"])
            try:
                sid = await self._send(row_id, claimed, attempts)
            except SendError as error:
                outcome = await self._delivery.failed(t, row_id, attempts, error, now)
                self._metrics.operator_alerts.labels(channel, outcome.value).inc()
                continue
            await self._delivery.finish(
                t,
                row_id,
                {
                    "status": "sent",
                    "message_sid": sid[:200],
                    "error_code": None,
                    "next_attempt_at": None,
                },
                now,
            )
            self._metrics.operator_alerts.labels(channel, "sent").inc()
            sent += 1
        return sent

    async def held(self) -> list[dict[str, Any]]:
        """Alerts held by the hourly limit, not yet in a digest (one per subject)."""
        t = self._table
        rows: list[dict[str, Any]] = (
            await t.select(t.subject, t.created_at).where(t.status == _HELD).order_by(t.created_at)
        )
        unique: dict[str, dict[str, Any]] = {}
        for row in rows:  # one per subject: the email and the SMS of one alert
            unique.setdefault(str(row["subject"]), row)
        return list(unique.values())

    async def digested(self) -> None:
        """The held alerts are in a digest now."""
        t = self._table
        await t.update({t.status: _DIGESTED, t.updated_at: self._clock()}).where(t.status == _HELD)

    async def sent(self, channel: str) -> list[dict[str, Any]]:
        """Every message sent on ``channel``, oldest first (the operator page, tests)."""
        t = self._table
        rows: list[dict[str, Any]] = (
            await t.select(t.key, t.subject, t.body, t.recipient, t.message_sid)
            .where((t.channel == channel) & (t.status == "sent"))
            .order_by(t.created_at)
        )
        return rows

    async def _sent_last_hour(self, channel: str, now: datetime) -> int:
        t = self._table
        since = now - timedelta(hours=1)
        count: int = await t.count().where(
            (t.channel == channel)
            & (t.created_at >= since)
            & t.status.not_in(list(_NOT_SENT))
            & t.key.not_like(f"{channel}:digest:%")
        )
        return count

    async def _send(self, row_id: int, row: Any, attempts: int) -> str:
        to, subject, body = str(row["recipient"]), str(row["subject"]), str(row["body"])
        if row["channel"] == "email":
            mail = Mail(
                to=to,
                subject=f"[Ethiq ops] {subject}",
                text=body,
                html=f'<pre style="font-family: sans-serif; white-space: pre-wrap">'
                f"{html.escape(body)}</pre>",
                language="en",
            )
            try:
                return await self._mailer.send(mail)
            except MailError as error:
                raise SendError(str(error)) from error  # transient: the relay may be back soon
        marker = f"[ops {row_id}]"  # finds a message a past attempt sent (a crash, a timeout)
        origin = self._settings.sms_from
        if attempts > 1:
            found = await self._sms.find_as(None, origin, to, marker)
            if found is not None:
                return found
        text = f"Ethiq ops: {subject} {marker}"
        if len(text) > SMS_CHARS:
            text = f"Ethiq ops: {subject[: SMS_CHARS - len(marker) - 13]}… {marker}"
        return await self._sms.send_as(None, origin, to, text)
