"""Per-tenant blocklist of caller numbers: the person's page and the operator API edit it, the
voice webhook rejects blocked callers before anything else.

The numbers are rows of the platform database (:class:`~runtime.calls.preferences.CallerRule`,
kind ``blocked``), so they survive restarts on every backend. Releases up to 0.1.0 kept them in
the shared store (one JSON list per tenant, lost with an in-process store); such a list is
moved into the database the first time the tenant's blocklist is read or written.
"""

from __future__ import annotations

import logging
from datetime import datetime

import msgspec
from litestar.stores.base import Store

from runtime.calls.preferences import CallerPreferences, CallRules, ListKind

__all__ = ["Blocklist"]

logger = logging.getLogger(__name__)


class Blocklist:
    def __init__(self, preferences: CallerPreferences, legacy: Store | None = None) -> None:
        self._preferences = preferences
        self._legacy = legacy
        self._adopted: set[str] = set()

    @property
    def preferences(self) -> CallerPreferences:
        """The trusted numbers and quiet hours kept next to the blocklist."""
        return self._preferences

    @staticmethod
    def _key(slug: str) -> str:
        return f"blocklist:{slug}"

    async def _adopt(self, slug: str) -> None:
        """Move a list the store still holds (0.1.0) into the database, once per process."""
        if self._legacy is None or slug in self._adopted:
            return
        try:
            raw = await self._legacy.get(self._key(slug))
        except Exception as error:  # the store is down: try again on the next read
            logger.warning("blocklist of %s: the store's old list not read (%r)", slug, error)
            return
        if raw is not None:
            numbers = msgspec.json.decode(raw, type=list[str])
            for number in numbers:
                await self._preferences.add(slug, ListKind.BLOCKED, number)
            await self._legacy.delete(self._key(slug))
            logger.info("blocklist of %s: %d number(s) moved to the database", slug, len(numbers))
        self._adopted.add(slug)

    async def numbers(self, slug: str) -> list[str]:
        await self._adopt(slug)
        return await self._preferences.numbers(slug, ListKind.BLOCKED)

    async def contains(self, slug: str, number: str) -> bool:
        return number in await self.numbers(slug)

    async def add(self, slug: str, number: str) -> list[str]:
        await self._adopt(slug)
        return await self._preferences.add(slug, ListKind.BLOCKED, number)

    async def remove(self, slug: str, number: str) -> bool:
        await self._adopt(slug)
        return await self._preferences.remove(slug, ListKind.BLOCKED, number)

    async def rules(self, slug: str, caller: str, at: datetime) -> CallRules:
        """Everything the preferences say about ``caller`` now (the voice webhook's read)."""
        await self._adopt(slug)
        return await self._preferences.for_call(slug, caller, at)
