"""Platform-wide blocks of a caller: durable, audited, and enforced by every tenant's call path.

The record is the ``platform_block`` table (platform database): each block is a row saying who
blocked the number, when and why; lifting it fills the same row's unblock fields, so the table
is the audit trail and nothing is ever deleted. The call path does not read the database: the
active numbers are written to the shared store's platform list
(:class:`runtime.calls.Blocklist`, checked beside each tenant's own list), at start-up and after
every change, so a platform-blocked caller is rejected on every tenant like a tenant-blocked one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from runtime.calls import Blocklist
from runtime.fleet.tables import PlatformBlock
from runtime.metrics import Metrics
from runtime.storage.bind import bind_table
from runtime.storage.tenant_store import TenantStore
from runtime.tenants import validate_e164

__all__ = ["BlockRecord", "NotBlocked", "PlatformBlocks"]

logger = logging.getLogger(__name__)

MAX_NAME: Final = 64
MAX_REASON: Final = 500


class NotBlocked(LookupError):
    """The number is not blocked platform-wide."""


@dataclass(frozen=True, slots=True)
class BlockRecord:
    id: int
    number: str
    blocked_at: datetime
    blocked_by: str
    reason: str
    unblocked_at: datetime | None
    unblocked_by: str
    unblock_reason: str

    @property
    def active(self) -> bool:
        return self.unblocked_at is None


def _who(by: str) -> str:
    by = by.strip()
    if not by or len(by) > MAX_NAME:
        raise ValueError(f"say who acts (1 to {MAX_NAME} characters)")
    return by


def _why(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValueError(f"give a reason (1 to {MAX_REASON} characters)")
    return reason


class PlatformBlocks:
    def __init__(self, storage: TenantStore, blocklist: Blocklist, metrics: Metrics) -> None:
        self._table = bind_table(PlatformBlock, storage.platform_engine())
        self._blocklist = blocklist
        self._metrics = metrics

    async def block(self, number: str, *, by: str, reason: str) -> BlockRecord:
        """Block ``number`` on every tenant (an already active block is returned unchanged)."""
        number, by, reason = validate_e164(number), _who(by), _why(reason)
        existing = await self._active(number)
        if existing:
            return existing[0]
        b = self._table
        await b.insert(b(number=number, blocked_at=datetime.now(UTC), blocked_by=by, reason=reason))
        await self.sync()
        self._metrics.platform_blocks.labels("block").inc()
        logger.warning("platform block: %s blocked on every tenant by %s (%s)", number, by, reason)
        return (await self._active(number))[0]

    async def unblock(self, number: str, *, by: str, reason: str) -> BlockRecord:
        """Lift the block of ``number``; :class:`NotBlocked` if there is none."""
        number, by, reason = validate_e164(number), _who(by), _why(reason)
        if not await self._active(number):
            raise NotBlocked(f"{number} is not blocked platform-wide")
        b = self._table
        await b.update(
            {b.unblocked_at: datetime.now(UTC), b.unblocked_by: by, b.unblock_reason: reason}
        ).where((b.number == number) & b.unblocked_at.is_null())
        await self.sync()
        self._metrics.platform_blocks.labels("unblock").inc()
        logger.warning("platform block: %s unblocked by %s (%s)", number, by, reason)
        return (await self.history(number))[0]

    async def active(self) -> list[BlockRecord]:
        b = self._table
        rows = await b.select().where(b.unblocked_at.is_null()).order_by(b.blocked_at)
        return [_record(r) for r in rows]

    async def history(self, number: str | None = None, limit: int = 200) -> list[BlockRecord]:
        """Every block, lifted or not, newest first (the audit trail)."""
        b = self._table
        query = b.select().order_by(b._meta.primary_key, ascending=False).limit(limit)
        if number is not None:
            query = query.where(b.number == validate_e164(number))
        return [_record(r) for r in await query]

    async def sync(self) -> list[str]:
        """Write the active numbers to the store's platform list (what the call path reads)."""
        numbers = sorted({r.number for r in await self.active()})
        await self._blocklist.set_platform(numbers)
        return numbers

    async def _active(self, number: str) -> list[BlockRecord]:
        b = self._table
        rows = await b.select().where((b.number == number) & b.unblocked_at.is_null())
        return [_record(r) for r in rows]


def _record(row: dict[str, Any]) -> BlockRecord:
    return BlockRecord(
        id=int(row["id"]),
        number=row["number"],
        blocked_at=row["blocked_at"],
        blocked_by=row["blocked_by"],
        reason=row["reason"],
        unblocked_at=row["unblocked_at"],
        unblocked_by=row["unblocked_by"],
        unblock_reason=row["unblock_reason"],
    )
