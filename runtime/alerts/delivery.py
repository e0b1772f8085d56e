"""Leased delivery: the one way an outbox row (an alert, an invitation) becomes one SMS.

Every outbox table has ``status``, ``attempts``, ``next_attempt_at``, ``message_sid``,
``error_code`` and ``updated_at``, and the statuses ``pending``/``sending``/``sent``/``failed``/
``opted_out``. For one row, :class:`LeasedDelivery`:

- **claims** it with one conditional update: ``pending`` and due, or ``sending`` whose lease
  expired → ``sending``, ``attempts + 1``, ``next_attempt_at = now + lease``. Only one claimer
  wins; a process killed after claiming leaves a row another one re-claims after the lease;
- **sends** it, but first, for a re-claimed row (attempt > 1), **looks for a message already
  sent** with the row's reference (Twilio may have sent it before we could record it: a crash,
  a timeout after the write) and returns that one instead of sending twice;
- **finishes** it (only while still ``sending``: a late writer never undoes another's result),
  or records a failed attempt: ``opted_out`` (21610, never retried), back to ``pending`` with
  exponential backoff (429, 5xx, no answer) until ``max_attempts``, else ``failed``.

What a row means (who, which text, what follows a result) is the caller's:
:class:`runtime.alerts.outbox.Outbox` and :class:`runtime.alerts.invitations.Invitations`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from piccolo.columns import Column
from piccolo.table import Table

from runtime.alerts.sender import OPTED_OUT, SendError, SmsSender
from runtime.calls.records import as_utc
from runtime.retry import Backoff
from runtime.settings import AlertSettings
from runtime.tenants import TenantRecord

__all__ = ["MAX_BACKOFF_S", "LeasedDelivery", "Outcome"]

logger = logging.getLogger(__name__)

MAX_BACKOFF_S: Final = 3600.0

PENDING: Final = "pending"
SENDING: Final = "sending"


class Outcome(StrEnum):
    """What a failed attempt led to."""

    RETRY = "retried"  # pending again, due after the backoff
    OPTED_OUT = "opted_out"  # the recipient opted out of this sender: never retried
    FAILED = "failed"  # for good


class LeasedDelivery:
    """Claim, send once, finish: shared by every outbox table."""

    def __init__(
        self,
        settings: AlertSettings,
        sender: SmsSender,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._sender = sender
        self._clock = clock
        # When a failed row is due again: its next_attempt_at, hence no jitter.
        self._backoff = Backoff(
            settings.max_attempts, settings.backoff_base_s, MAX_BACKOFF_S, jitter=False
        )

    def due(self, table: type[Table], now: datetime) -> Any:
        """The rows to (re-)claim: pending and due, or sending with an expired lease."""
        status, next_at = _col(table, "status"), _col(table, "next_attempt_at")
        pending = (status == PENDING) & (next_at.is_null() | (next_at <= now))
        expired = (status == SENDING) & (next_at <= now)
        return pending | expired

    async def due_ids(self, table: type[Table], now: datetime) -> list[int]:
        """Up to ``batch`` due rows, oldest first."""
        pk = _col(table, "id")
        rows = (
            await table.select(pk)
            .where(self.due(table, now))
            .order_by(pk)
            .limit(self._settings.batch)
            .run()
        )
        return [int(r["id"]) for r in rows]

    async def claim(
        self, table: type[Table], row_id: int, now: datetime, *returning: Column
    ) -> Mapping[str, Any] | None:
        """Take the row for one attempt (a lease); ``None`` if someone else holds it.

        The lease runs from the claim itself, never from an older ``now`` (a pass's start, many
        sends ago): a lease that ends while its send is still in flight lets another worker
        send the same row again."""
        attempts = _col(table, "attempts")
        leased_from = max(now, self._clock())
        rows = (
            await table.update(
                {
                    _col(table, "status"): SENDING,
                    attempts: attempts + 1,
                    _col(table, "next_attempt_at"): leased_from
                    + timedelta(seconds=self._settings.lease_s),
                    _col(table, "updated_at"): now,
                }
            )
            .where((_col(table, "id") == row_id) & self.due(table, now))
            .returning(_col(table, "id"), attempts, *returning)
            .run()
        )
        return rows[0] if rows else None

    async def finish(
        self, table: type[Table], row_id: int, values: Mapping[str, Any], now: datetime
    ) -> None:
        """Record the attempt's result, if the row is still ours (``sending``)."""
        values = {**values, "updated_at": now}
        await (
            table.update({_col(table, k): v for k, v in values.items()})
            .where((_col(table, "id") == row_id) & (_col(table, "status") == SENDING))
            .run()
        )

    async def send(
        self,
        tenant: TenantRecord,
        to: str,
        *,
        reference: str,
        attempts: int,
        body: Callable[[], str],
        status_callback: str,
    ) -> str:
        """The sid of the row's one message: found at Twilio when a past attempt may have sent
        it, else sent now. Raises :class:`SendError`."""
        found = await self._sender.find(tenant, to, reference) if attempts > 1 else None
        if found is not None:
            logger.info("%s of %s: already sent (%s), recorded", reference, tenant.slug, found)
            return found
        return await self._sender.send(tenant, to, body(), status_callback)

    async def failed(
        self,
        table: type[Table],
        row_id: int,
        attempts: int,
        error: SendError,
        now: datetime,
    ) -> Outcome:
        """Record a failed attempt and say what it led to."""
        if error.code == OPTED_OUT:
            outcome, status, next_at = Outcome.OPTED_OUT, "opted_out", None
        elif error.transient and attempts < self._settings.max_attempts:
            delay = self._backoff.delay(attempts - 1)
            outcome, status, next_at = Outcome.RETRY, PENDING, now + timedelta(seconds=delay)
            logger.warning(
                "%s %s: attempt %d failed (%s), retry in %.0fs",
                table._meta.tablename,
                row_id,
                attempts,
                error,
                delay,
            )
        else:
            outcome, status, next_at = Outcome.FAILED, "failed", None
            logger.error("%s %s failed for good: %s", table._meta.tablename, row_id, error)
        await self.finish(
            table,
            row_id,
            {"status": status, "error_code": error.code, "next_attempt_at": next_at},
            now,
        )
        return outcome

    async def next_attempt(self, table: type[Table]) -> datetime | None:
        """The earliest ``next_attempt_at`` of a row still to (re-)send: when to look again."""
        status, next_at = _col(table, "status"), _col(table, "next_attempt_at")
        row = (
            await table.select(next_at)
            .where(status.is_in([PENDING, SENDING]) & next_at.is_not_null())
            .order_by(next_at)
            .first()
            .run()
        )
        return None if row is None else _aware(row["next_attempt_at"])


def _col(table: type[Table], name: str) -> Any:
    return table._meta.get_column_by_name(name)


def _aware(value: Any) -> datetime | None:
    return as_utc(value)
