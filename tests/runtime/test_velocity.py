"""Caller velocity counts the distinct tenants a caller reached within the window only, on both
backends (in-process, and Redis shared by every process)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from runtime.calls import MemoryVelocity, RedisVelocity, Velocity
from tests.servers import Server

WINDOW_S = 600
_keys = itertools.count()


async def _window_story(velocity: Velocity, now: list[float]) -> None:
    caller = "+14385550111"
    assert await velocity.hit(caller, "acme") == 1  # t = 0
    now[0] = 300.0
    assert await velocity.hit(caller, "bravo") == 2
    now[0] = 599.0
    assert await velocity.hit(caller, "acme") == 2  # the same tenant again: still two
    assert await velocity.hit(caller, "charlie") == 3
    now[0] = 901.0  # acme's last call (599) and charlie's are in, bravo's (300) left
    assert await velocity.count(caller) == 2
    now[0] = 1199.5  # every call left the window
    assert await velocity.count(caller) == 0
    assert await velocity.hit(caller, "delta") == 1
    assert await velocity.count("+15145550199") == 0  # another caller was never seen


async def _boundary_story(velocity: Velocity, now: list[float]) -> None:
    caller = "+14385550122"
    assert await velocity.hit(caller, "acme") == 1  # t = 0
    now[0] = float(WINDOW_S)  # acme's call is exactly one window old: still in
    assert await velocity.count(caller) == 1
    assert await velocity.hit("+15145550100", "acme") == 1  # another caller calls meanwhile
    assert await velocity.count(caller) == 1
    assert await velocity.hit(caller, "bravo") == 2
    now[0] += 0.5  # now it left
    assert await velocity.count(caller) == 1


def test_the_in_process_window_forgets_calls_older_than_the_window() -> None:
    now = [0.0]
    velocity = MemoryVelocity(WINDOW_S, clock=lambda: now[0])
    asyncio.run(_window_story(velocity, now))
    boundary = [0.0]
    asyncio.run(_boundary_story(MemoryVelocity(WINDOW_S, clock=lambda: boundary[0]), boundary))
    now[0] += WINDOW_S + 1
    assert asyncio.run(velocity.count("+14385550111")) == 0
    assert len(velocity) == 0  # a caller with no call left in the window is freed


@pytest.mark.services
def test_the_redis_window_forgets_calls_older_than_the_window(redis: Server) -> None:
    now = [0.0]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731

    async def scenario() -> None:
        client = Redis.from_url(redis.url)
        try:
            velocity = RedisVelocity(
                client, WINDOW_S, prefix=f"test:velocity:{next(_keys)}:", clock=clock
            )
            await _window_story(velocity, now)
            now[0] = 0.0
            velocity = RedisVelocity(
                client, WINDOW_S, prefix=f"test:velocity:{next(_keys)}:", clock=clock
            )
            await _boundary_story(velocity, now)
        finally:
            await client.aclose()

    asyncio.run(scenario())
