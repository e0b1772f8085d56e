"""Rate limits of magic-link requests: per address and per source, in fixed windows.

Without them anyone could make Ethiq mail a person (or any address) without end, or try
addresses from one machine. Counters are :class:`runtime.ratelimit.WindowCounter` (Redis when
the runtime has it, else in the process; an outage allows the request: it must not lock people
out of their page). Addresses are hashed before they become keys.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from redis.asyncio import Redis

from runtime.ratelimit import WindowCounter

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
        self._counter = WindowCounter(redis, prefix="ethiq:login", window_s=window_s, clock=clock)
        self._limits = {"address": per_address, "source": per_source}

    async def allow(self, address: str, source: str) -> bool:
        """Count one request from ``source`` for ``address``; ``False`` past either limit."""
        digest = hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:32]
        keys = {"address": f"address:{digest}", "source": f"source:{source or '?'}"}
        allowed = True
        for kind, key in keys.items():
            count = await self._counter.hit(key)
            if count > self._limits[kind]:
                logger.warning("magic links: %s limit reached (%d in the window)", kind, count)
                allowed = False
        return allowed
