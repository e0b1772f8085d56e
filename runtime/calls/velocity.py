"""Cross-tenant caller velocity: how many distinct tenants one caller reached recently.

Only a multitenant service sees this; a campaign dials many of our people within minutes.
One small interface, one backend per store: Redis (a sorted set per caller, shared by every
process) or in-process (the embedded default, one process only).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from redis.asyncio import Redis

from runtime.ratelimit import COUNT_LUA, WindowCounter

__all__ = ["Counted", "MemoryVelocity", "RedisVelocity", "Velocity"]


class Velocity(Protocol):
    async def hit(self, caller: str, tenant: str) -> int:
        """Record that ``caller`` called ``tenant`` now; return distinct tenants in the window."""
        ...

    async def count(self, caller: str) -> int:
        """Distinct tenants ``caller`` reached within the window."""
        ...


@dataclass(frozen=True, slots=True)
class Counted:
    """A caller's velocity recorded with the tenant's call count (:meth:`RedisVelocity.
    hit_counted`), for the call path to take instead of its own :meth:`Velocity.hit`:
    ``tenants``, or the ``error`` that stopped the round trip."""

    tenants: int | None
    error: BaseException | None = None

    async def result(self) -> int | None:
        if self.error is not None:
            raise self.error
        return self.tenants


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
_VELOCITY_LUA: Final = """
local function velocity_hit(key, now, tenant, horizon, ttl)
  redis.call('ZADD', key, now, tenant)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', horizon)
  local count = redis.call('ZCARD', key)
  redis.call('EXPIRE', key, ttl)
  return count
end
"""
_HIT: Final = _VELOCITY_LUA + "return velocity_hit(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])\n"
# The tenant's call count (runtime.ratelimit's own code), then, unless the count passed the
# limit and the caller is not exempt (the call is refused: no velocity, as before any count),
# the caller's velocity: both in one round trip. -1: not recorded.
_COUNTED_HIT: Final = (
    COUNT_LUA
    + _VELOCITY_LUA
    + """
local count = count_hit(KEYS[1], ARGV[1])
if count > tonumber(ARGV[2]) and ARGV[3] == '0' then
  return {count, -1}
end
return {count, velocity_hit(KEYS[2], ARGV[4], ARGV[5], ARGV[6], ARGV[7])}
"""
)


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
        self._counted_hit = redis.register_script(_COUNTED_HIT)

    def _args(self, tenant: str) -> list[str | int]:
        # Scores go as text (repr: exact), computed here: the script does no arithmetic. The
        # bound is exclusive ("("): a call exactly one window old is still in, as `count` says.
        now = self._clock()
        return [repr(now), tenant, "(" + repr(now - self._window_s), self._window_s]

    async def hit(self, caller: str, tenant: str) -> int:
        return int(await self._hit(keys=[self._prefix + caller], args=self._args(tenant)))

    async def hit_counted(
        self, counter: WindowCounter, limit: int, *, exempt: bool, caller: str, tenant: str
    ) -> tuple[int, int | None]:
        """One round trip: a hit of ``counter`` for ``tenant`` (a Redis counter), then, unless
        its count passed ``limit`` and the caller is not ``exempt``, :meth:`hit`. The count,
        and the distinct tenants (``None``: not recorded, the limit refuses the call)."""
        keys = [counter.key(tenant), self._prefix + caller]
        args = [counter.window_s, limit, int(exempt), *self._args(tenant)]
        count, tenants = await self._counted_hit(keys=keys, args=args)
        return int(count), (None if int(tenants) < 0 else int(tenants))

    async def count(self, caller: str) -> int:
        key, now = self._prefix + caller, self._clock()
        return int(await self._redis.zcount(key, now - self._window_s, "+inf"))
