"""The in-process velocity store forgets callers who do not call again."""

from __future__ import annotations

import asyncio

from runtime.calls import MemoryVelocity


def test_callers_who_never_call_again_are_forgotten() -> None:
    now = [0.0]
    velocity = MemoryVelocity(600, clock=lambda: now[0])

    async def scenario() -> None:
        for index in range(10_000):
            await velocity.hit(f"+1438555{index:04d}", "acme")
        assert len(velocity) == 10_000
        assert await velocity.hit("+14385550001", "other") == 2  # a campaign is still seen
        now[0] = 601.0
        assert await velocity.hit("+15145550199", "acme") == 1
        assert len(velocity) == 1

    asyncio.run(scenario())
