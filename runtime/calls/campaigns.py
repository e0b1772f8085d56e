"""Campaign callers: numbers whose cross-tenant velocity reached the campaign threshold.

:mod:`runtime.calls.velocity` counts the distinct tenants one caller reached in its window; a
caller that reaches ``ETHIQ_CAMPAIGN_TENANTS`` of them is a campaign that no single person's
protection can see. The call path flags it here: the first flag of a caller within the velocity
window returns ``True`` (the call path then counts it and logs it once), and every flagged
caller stays listed for ``keep_s`` (a day) for the operator's view, with the most tenants it
reached. Same shapes as the velocity: Redis (shared by every process) or in-process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol, cast

from redis.asyncio import Redis

from runtime.calls.velocity import Velocity

__all__ = ["CampaignCaller", "Campaigns", "MemoryCampaigns", "RedisCampaigns", "ScamSurge"]

KEEP_S: Final = 86_400


@dataclass(frozen=True, slots=True)
class CampaignCaller:
    caller: str
    tenants: int  # the most distinct tenants it reached within one velocity window
    last_at: float  # epoch seconds of its latest flagged call


class Campaigns(Protocol):
    async def flag(self, caller: str, tenants: int) -> bool:
        """Record ``caller`` at ``tenants`` tenants now; ``True`` if not flagged in the window."""
        ...

    async def recent(self) -> list[CampaignCaller]:
        """Callers flagged within ``keep_s``, the most recent first."""
        ...


class MemoryCampaigns:
    def __init__(
        self, window_s: int, keep_s: int = KEEP_S, clock: Callable[[], float] = time.time
    ) -> None:
        self._window_s = window_s
        self._keep_s = max(keep_s, window_s)
        self._clock = clock
        self._seen: dict[str, tuple[float, float, int]] = {}  # caller → first, last, tenants

    async def flag(self, caller: str, tenants: int) -> bool:
        now = self._clock()
        self._forget(now)
        first, _, most = self._seen.get(caller, (0.0, 0.0, 0))
        new = now - first > self._window_s
        self._seen[caller] = (now if new else first, now, max(most, tenants))
        return new

    async def recent(self) -> list[CampaignCaller]:
        self._forget(self._clock())
        found = [CampaignCaller(c, n, last) for c, (_, last, n) in self._seen.items()]
        return sorted(found, key=lambda c: -c.last_at)

    def _forget(self, now: float) -> None:
        for caller in [c for c, (_, last, _) in self._seen.items() if last < now - self._keep_s]:
            del self._seen[caller]


class RedisCampaigns:
    """A sorted set of callers by last flag, a hash of their most tenants, and one key per
    caller that lives for the window (``SET NX``: the first flag in the window wins)."""

    def __init__(
        self,
        redis: Redis,
        window_s: int,
        keep_s: int = KEEP_S,
        *,
        prefix: str = "ethiq:campaigns",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._window_s = window_s
        self._keep_s = max(keep_s, window_s)
        self._prefix = prefix
        self._clock = clock

    async def flag(self, caller: str, tenants: int) -> bool:
        now = self._clock()
        by_last, most = self._prefix, f"{self._prefix}:tenants"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{self._prefix}:flag:{caller}", b"1", nx=True, ex=self._window_s)
            pipe.zadd(by_last, {caller: now})
            pipe.zremrangebyscore(by_last, "-inf", now - self._keep_s)
            pipe.hget(most, caller)
            pipe.expire(by_last, self._keep_s)
            results = await pipe.execute()
        if int(results[3] or 0) < tenants:
            await self._redis.hset(most, caller, tenants)
            await self._redis.expire(most, self._keep_s)
        return bool(results[0])

    async def recent(self) -> list[CampaignCaller]:
        now = self._clock()
        rows = await self._redis.zrevrangebyscore(
            self._prefix, "+inf", now - self._keep_s, withscores=True
        )
        if not rows:
            return []
        scored = cast(list[tuple[bytes, float]], rows)
        callers = [member.decode() for member, _ in scored]
        most = await self._redis.hmget(f"{self._prefix}:tenants", callers)
        return [
            CampaignCaller(caller, int(n or 0), float(score))
            for caller, (_, score), n in zip(callers, scored, most, strict=True)
        ]


class ScamSurge:
    """Scam verdicts across every tenant within the velocity window, counted with the velocity's
    own backend (one "caller", the calls as its "tenants") and flagged once per window when they
    reach ``threshold``: the runtime's log line beside the ``EthiqScamSurge`` alert."""

    KEY: Final = "scam-verdicts"

    def __init__(self, velocity: Velocity, flags: Campaigns, threshold: int) -> None:
        self._velocity = velocity
        self._flags = flags
        self._threshold = threshold

    async def scam(self, tenant: str, call_sid: str) -> int | None:
        """Count one scam verdict; the count if this one starts a surge in the window."""
        count = await self._velocity.hit(self.KEY, f"{tenant}:{call_sid}")
        if count >= self._threshold and await self._flags.flag(self.KEY, count):
            return count
        return None
