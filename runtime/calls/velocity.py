"""Cross-tenant caller velocity: how many distinct tenants one caller reached recently.

Only a multitenant service sees this; a campaign dials many of our people within minutes.
One small interface, one backend per store: Redis (a sorted set per caller, shared by every
process) or in-process (the embedded default, one process only).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final, Protocol

from redis.asyncio import Redis

__all__ = ["MemoryVelocity", "RedisVelocity", "Velocity"]


class Velocity(Protocol):
    async def hit(self, caller: str, tenant: str) -> int:
        """Record that ``caller`` called ``tenant`` now; return distinct tenants in the window."""
        ...

    async def count(self, caller: str) -> int:
        """Distinct tenants ``caller`` reached within the window."""
        ...


class MemoryVelocity:
    """Callers ordered by their last call: each hit forgets, from the front, every caller whose
    last call left the window (amortised O(1)), so callers who never call again are freed."""

    def __init__(self, window_s: int, clock: Callable[[], float] = time.time) -> None:
        self._window_s = window_s
        self._clock = clock
        self._seen: OrderedDict[str, dict[str, float]] = OrderedDict()

    def __len__(self) -> int:
        """Callers remembered."""
        return len(self._seen)

    async def hit(self, caller: str, tenant: str) -> int:
        now = self._clock()
        seen = self._seen.pop(caller, None) or {}
        seen[tenant] = now
        self._seen[caller] = seen  # now the most recent caller
        horizon = now - self._window_s
        while self._seen:
            oldest, tenants = next(iter(self._seen.items()))
            if oldest == caller or max(tenants.values()) >= horizon:
                break
            del self._seen[oldest]
        return await self.count(caller)

    async def count(self, caller: str) -> int:
        horizon = self._clock() - self._window_s
        seen = self._seen.get(caller, {})
        for tenant in [t for t, at in seen.items() if at < horizon]:
            del seen[tenant]
        if not seen:
            self._seen.pop(caller, None)
        return len(seen)


# One server-side script (atomic, one round trip): record the tenant, forget who called too
# long ago, count who is left, keep the key as long as the window.
_HIT: Final = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local count = redis.call('ZCARD', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return count
"""


class RedisVelocity:
    def __init__(
        self,
        redis: Redis,
        window_s: int,
        *,
        prefix: str = "ethiq:velocity:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._window_s = window_s
        self._prefix = prefix
        self._clock = clock
        self._hit = redis.register_script(_HIT)

    async def hit(self, caller: str, tenant: str) -> int:
        key, now = self._prefix + caller, self._clock()
        # Scores go as text (repr: exact), computed here: the script does no arithmetic. The
        # bound is exclusive ("("): a call exactly one window old is still in, as `count` says.
        horizon = "(" + repr(now - self._window_s)
        args: list[str | int] = [repr(now), tenant, horizon, self._window_s]
        return int(await self._hit(keys=[key], args=args))

    async def count(self, caller: str) -> int:
        key, now = self._prefix + caller, self._clock()
        return int(await self._redis.zcount(key, now - self._window_s, "+inf"))
