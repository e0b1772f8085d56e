"""Blocklists of caller numbers, kept in the shared store (one JSON list per key).

Each tenant has its own list (operators add and remove numbers for that tenant); the platform
has one more, for callers an operator blocked on every tenant at once (its durable record and
audit trail live in :mod:`runtime.fleet.blocks`, which writes the list here). The voice webhook
rejects a caller on either list before anything else. Writes are rare (operator API) and
read-modify-write; a lookup is two store ``get`` at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Final

import msgspec
from litestar.stores.base import Store

__all__ = ["PLATFORM_KEY", "Blocklist"]

# Tenant slugs are [a-z0-9-]: "*" names no tenant.
PLATFORM_KEY: Final = "blocklist:*"


class Blocklist:
    def __init__(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def _key(slug: str) -> str:
        return f"blocklist:{slug}"

    async def _read(self, key: str) -> list[str]:
        raw = await self._store.get(key)
        return [] if raw is None else sorted(msgspec.json.decode(raw, type=list[str]))

    async def numbers(self, slug: str) -> list[str]:
        return await self._read(self._key(slug))

    async def contains(self, slug: str, number: str) -> bool:
        """Blocked for this tenant, or on every tenant."""
        own, platform = await asyncio.gather(self.numbers(slug), self.platform_numbers())
        return number in own or number in platform

    async def add(self, slug: str, number: str) -> list[str]:
        numbers = set(await self.numbers(slug)) | {number}
        await self._store.set(self._key(slug), msgspec.json.encode(sorted(numbers)))
        return sorted(numbers)

    async def remove(self, slug: str, number: str) -> bool:
        numbers = set(await self.numbers(slug))
        if number not in numbers:
            return False
        numbers.discard(number)
        await self._store.set(self._key(slug), msgspec.json.encode(sorted(numbers)))
        return True

    async def platform_numbers(self) -> list[str]:
        """Callers blocked on every tenant."""
        return await self._read(PLATFORM_KEY)

    async def set_platform(self, numbers: Iterable[str]) -> None:
        """Replace the platform-wide list (written from its durable record only)."""
        await self._store.set(PLATFORM_KEY, msgspec.json.encode(sorted(set(numbers))))
