"""Blocklists of caller numbers: each tenant's own, and the platform's.

- **A tenant's list**: the person's page and the operator API edit it. The numbers are rows of
  the platform database (:class:`~runtime.calls.preferences.CallerRule`, kind ``blocked``), so
  they survive restarts on every backend. Releases up to 0.1.0 kept them in the shared store (one
  JSON list per tenant, lost with an in-process store); such a list is moved into the database
  the first time the tenant's blocklist is read or written.
- **The platform's list**: callers an operator blocked on every tenant at once. Its durable
  record and audit trail live in :mod:`runtime.fleet.blocks`, which copies the active numbers
  into the shared store (one JSON list) at start-up and after each change.

The voice webhook rejects a caller on either list before anything else (:meth:`rules`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Final

import msgspec
from litestar.stores.base import Store

from runtime.calls.preferences import CallerPreferences, CallRules, ListKind

__all__ = ["PLATFORM_KEY", "Blocklist"]

logger = logging.getLogger(__name__)

# Tenant slugs are [a-z0-9-]: "*" names no tenant.
PLATFORM_KEY: Final = "blocklist:*"


class Blocklist:
    """``platform_ttl_s`` > 0: the voice webhook's read of the platform list is kept that long
    in the process (a change made here is seen at once, one made by another process within
    the interval, as for routing), which saves a store round trip on every call."""

    def __init__(
        self,
        preferences: CallerPreferences,
        store: Store,
        *,
        platform_ttl_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._preferences = preferences
        self._store = store
        self._adopted: set[str] = set()
        self._platform_ttl_s = platform_ttl_s
        self._clock = clock
        self._platform: frozenset[str] = frozenset()
        self._platform_read_at = -float("inf")

    @property
    def preferences(self) -> CallerPreferences:
        """The trusted numbers and quiet hours kept next to the blocklist."""
        return self._preferences

    @staticmethod
    def _key(slug: str) -> str:
        return f"blocklist:{slug}"

    async def _adopt(self, slug: str) -> None:
        """Move a list the store still holds (0.1.0) into the database, once per process."""
        if slug in self._adopted:
            return
        try:
            raw = await self._store.get(self._key(slug))
        except Exception as error:  # the store is down: try again on the next read
            logger.warning("blocklist of %s: the store's old list not read (%r)", slug, error)
            return
        if raw is not None:
            numbers = msgspec.json.decode(raw, type=list[str])
            for number in numbers:
                await self._preferences.add(slug, ListKind.BLOCKED, number)
            await self._store.delete(self._key(slug))
            logger.info("blocklist of %s: %d number(s) moved to the database", slug, len(numbers))
        self._adopted.add(slug)

    async def numbers(self, slug: str) -> list[str]:
        await self._adopt(slug)
        return await self._preferences.numbers(slug, ListKind.BLOCKED)

    async def contains(self, slug: str, number: str) -> bool:
        """Blocked for this tenant, or on every tenant."""
        return number in await self.numbers(slug) or number in await self.platform_numbers()

    async def add(self, slug: str, number: str) -> list[str]:
        await self._adopt(slug)
        return await self._preferences.add(slug, ListKind.BLOCKED, number)

    async def remove(self, slug: str, number: str) -> bool:
        await self._adopt(slug)
        return await self._preferences.remove(slug, ListKind.BLOCKED, number)

    async def rules(self, slug: str, caller: str, at: datetime) -> CallRules:
        """Everything the preferences say about ``caller`` now (the voice webhook's read),
        a caller blocked on every tenant included. The platform's list unreadable (the store
        is down): the tenant's own rules still apply, and the failure is logged."""
        await self._adopt(slug)
        rules = await self._preferences.for_call(slug, caller, at)
        try:
            everywhere = caller in await self._platform_cached()
        except Exception as error:
            logger.error("platform blocklist unavailable (store): %r", error)
            everywhere = False
        return dataclasses.replace(rules, blocked=True) if everywhere else rules

    async def platform_numbers(self) -> list[str]:
        """Callers blocked on every tenant."""
        raw = await self._store.get(PLATFORM_KEY)
        return [] if raw is None else sorted(msgspec.json.decode(raw, type=list[str]))

    async def _platform_cached(self) -> frozenset[str]:
        if self._clock() - self._platform_read_at < self._platform_ttl_s:
            return self._platform
        numbers = frozenset(await self.platform_numbers())
        self._platform, self._platform_read_at = numbers, self._clock()
        return numbers

    async def set_platform(self, numbers: Iterable[str]) -> None:
        """Replace the platform-wide list (written from its durable record only)."""
        listed = sorted(set(numbers))
        await self._store.set(PLATFORM_KEY, msgspec.json.encode(listed))
        self._platform, self._platform_read_at = frozenset(listed), self._clock()
