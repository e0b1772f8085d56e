"""Caller velocity counts the distinct tenants a caller reached within the window only, on both
backends (in-process, and Redis shared by every process), and on Redis in one round trip with
the tenant's call count."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from runtime.calls import MemoryVelocity, RedisVelocity, Velocity
from runtime.ratelimit import WindowCounter
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


@pytest.mark.services
def test_the_call_count_and_the_velocity_share_one_round_trip_unless_the_limit_refuses(
    redis: Server,
) -> None:
    """The voice webhook's one script: the tenant's call count is the counter's own (a plain
    hit sees it), and the caller's velocity is recorded only for a call the limit lets
    through: under it, or past it for an exempt caller (a contact)."""
    now = [1_000.0]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731

    async def scenario() -> None:
        client = Redis.from_url(redis.url)
        try:
            n = next(_keys)
            counter = WindowCounter(client, prefix=f"test:calls:{n}", window_s=60, clock=clock)
            velocity = RedisVelocity(client, WINDOW_S, prefix=f"test:velocity:{n}:", clock=clock)
            caller, stranger, contact = "+14385550111", "+14385550122", "+14385550133"

            async def hit(tenant: str, number: str, exempt: bool = False) -> tuple[int, int | None]:
                return await velocity.hit_counted(
                    counter, 2, exempt=exempt, caller=number, tenant=tenant
                )

            assert await hit("acme", caller) == (1, 1)
            assert await hit("bravo", caller) == (1, 2)  # each tenant its own count
            assert await hit("acme", caller) == (2, 2)  # the same tenant again: still two
            assert await hit("acme", stranger) == (3, None)  # past the limit: refused
            assert await velocity.count(stranger) == 0
            assert await hit("acme", contact, exempt=True) == (4, 1)
            assert await counter.hit("acme") == 5  # one counter, whoever counts
            now[0] += 60  # a new minute: a new count; the velocity's window goes on
            assert await hit("charlie", caller) == (1, 3)
            assert await hit("acme", stranger) == (1, 1)
        finally:
            await client.aclose()

    asyncio.run(scenario())
