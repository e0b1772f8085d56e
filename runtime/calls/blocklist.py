"""Per-tenant blocklist of caller numbers, kept in the shared store (one JSON list per tenant).

Operators add and remove numbers; the voice webhook rejects blocked callers before anything
else. Writes are rare (operator API) and read-modify-write; reads are one store ``get``.
"""

from __future__ import annotations

import msgspec
from litestar.stores.base import Store

__all__ = ["Blocklist"]


class Blocklist:
    def __init__(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def _key(slug: str) -> str:
        return f"blocklist:{slug}"

    async def numbers(self, slug: str) -> list[str]:
        raw = await self._store.get(self._key(slug))
        return [] if raw is None else sorted(msgspec.json.decode(raw, type=list[str]))

    async def contains(self, slug: str, number: str) -> bool:
        return number in await self.numbers(slug)

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
