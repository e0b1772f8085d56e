"""Fixed-window counters: the one mechanism behind every rate limit of the runtime.

Counters live in Redis when the runtime has it (``INCR`` then ``EXPIRE … NX`` in one server-side
script: atomic, one round trip and one command for the client to build and parse; every worker
of every task shares them), else in the process (the embedded
default, one worker), bounded in size. If Redis fails, a hit counts as zero and the failure is
logged: an outage of the shared store must never refuse a call or lock people out.

Users: sign-in links (:mod:`runtime.people.ratelimit`), new calls per tenant and rejected
webhooks per source (:mod:`runtime.web.limits`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

from redis.asyncio import Redis
from redis.exceptions import RedisError

__all__ = ["COUNT_LUA", "WindowCounter"]

logger = logging.getLogger(__name__)

_MAX_KEYS: Final = 10_000  # in-process: ended windows are dropped past this many keys
# The count as a Lua function, so that a script counting something else in the same round trip
# runs this very code (runtime.calls.velocity: the caller's velocity with the tenant's count).
COUNT_LUA: Final = """
local function count_hit(key, window)
  local count = redis.call('INCR', key)
  redis.call('EXPIRE', key, window, 'NX')
  return count
end
"""
_HIT: Final = COUNT_LUA + "return count_hit(KEYS[1], ARGV[1])\n"


class WindowCounter:
    """Hits per key in the current ``window_s``-second window."""

    def __init__(
        self,
        redis: Redis | None,
        *,
        prefix: str,
        window_s: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self.window_s = window_s
        self._clock = clock
        self._memory: dict[str, tuple[int, float]] = {}  # key → (count, window end)
        # EVALSHA, loading the script again if the server lost it (a restart).
        self._script = redis.register_script(_HIT) if redis is not None else None

    def window_end(self) -> float:
        """When the current window ends (clock time)."""
        return (self._clock() // self.window_s + 1) * self.window_s

    @property
    def shared(self) -> bool:
        """Counted in Redis (else in the process)."""
        return self._script is not None

    def key(self, key: str) -> str:
        """The Redis key counting ``key``'s hits in the current window."""
        return f"{self._prefix}:{key}:{int(self._clock() // self.window_s)}"

    def unavailable(self, error: BaseException) -> int:
        """Log that Redis failed to count: the hit counts as zero."""
        logger.error("rate limit %s unavailable (Redis: %r): allowing", self._prefix, error)
        return 0

    async def hit(self, key: str) -> int:
        """Count one hit for ``key``; its count in this window (0 when Redis failed)."""
        full = self.key(key)
        if self._script is None:
            return self._hit_memory(full)
        try:
            return int(await self._script(keys=[full], args=[self.window_s]))
        except (RedisError, OSError) as error:
            return self.unavailable(error)

    def _hit_memory(self, key: str) -> int:
        now = self._clock()
        if len(self._memory) > _MAX_KEYS:
            self._memory = {k: v for k, v in self._memory.items() if v[1] > now}
        count, ends = self._memory.get(key, (0, self.window_end()))
        self._memory[key] = (count + 1, ends)
        return count + 1
