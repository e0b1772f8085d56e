"""Rate limits of magic-link requests: per address and per source, in fixed windows.

Without them anyone could make Ethiq mail a person (or any address) without end, or try
addresses from one machine. Counters live in Redis when the runtime has it (``INCR`` then
``EXPIRE … NX`` in one transaction: every worker shares them), else in the process (the embedded
default, one worker). Addresses are hashed before they become keys. If Redis fails, the request
is allowed and the failure logged: an outage must not lock people out of their page.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

__all__ = ["LoginLimiter"]

logger = logging.getLogger(__name__)


class LoginLimiter:
    def __init__(
        self,
        redis: Redis | None,
        *,
        per_address: int,
        per_source: int,
        window_s: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._limits = {"address": per_address, "source": per_source}
        self._window_s = window_s
        self._clock = clock
        self._memory: dict[str, tuple[int, float]] = {}  # key → (count, window end)

    async def allow(self, address: str, source: str) -> bool:
        """Count one request from ``source`` for ``address``; ``False`` past either limit."""
        digest = hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:32]
        window = int(self._clock() // self._window_s)
        keys = {
            "address": f"ethiq:login:address:{digest}:{window}",
            "source": f"ethiq:login:source:{source or '?'}:{window}",
        }
        allowed = True
        for kind, key in keys.items():
            count = await self._hit(key)
            if count > self._limits[kind]:
                logger.warning("magic links: %s limit reached (%d in the window)", kind, count)
                allowed = False
        return allowed

    async def _hit(self, key: str) -> int:
        if self._redis is None:
            return self._hit_memory(key)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, self._window_s, nx=True)
                count, _ = await pipe.execute()
            return int(count)
        except (RedisError, OSError) as error:
            logger.error("magic-link rate limit unavailable (Redis: %r): allowing", error)
            return 0

    def _hit_memory(self, key: str) -> int:
        now = self._clock()
        if len(self._memory) > 10_000:  # noqa: PLR2004 (bounded: drop ended windows)
            self._memory = {k: v for k, v in self._memory.items() if v[1] > now}
        count, ends = self._memory.get(key, (0, now + self._window_s))
        self._memory[key] = (count + 1, ends)
        return count + 1
