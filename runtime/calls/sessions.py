"""Screening sessions of live calls, kept in memory (bounded LRU) and rebuilt on demand.

A session remembers the id of the last stored segment it was fed; feeding always catches up
from the database (segments with a larger id), so a session evicted, lost in a restart, or
living in another worker process converges on the same stored transcript.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from runtime.screening.engine import ScreeningSession

__all__ = ["LiveSession", "SessionCache"]

_STRIPES: Final = 64


@dataclass(slots=True)
class LiveSession:
    session: ScreeningSession
    fed_upto: int = 0  # id of the last segment fed


class SessionCache:
    def __init__(self, max_size: int = 2048) -> None:
        self._max_size = max_size
        self._entries: OrderedDict[str, LiveSession] = OrderedDict()
        # Striped locks: bounded memory, one lock always guards a given call.
        self._locks = [asyncio.Lock() for _ in range(_STRIPES)]

    def lock(self, key: str) -> asyncio.Lock:
        return self._locks[hash(key) % _STRIPES]

    def get(self, key: str) -> LiveSession | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: LiveSession) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)

    def drop(self, key: str) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)
