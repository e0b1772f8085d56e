"""What one answered voice call costs on PostgreSQL + Redis, counted by the servers' own
witnesses: every statement the runtime's pool runs (asyncpg's query logger, BEGIN/COMMIT and
any reset included) and every command Redis receives from the runtime (``MONITOR``), so the
call path cannot quietly grow a round trip. The call is still screened, recorded with its
verdict, counted for the tenant's limit and for the caller's velocity."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis

from runtime.calls.tables import bind_tables
from runtime.calls.velocity import RedisVelocity
from tests.runtime.helpers import (
    count_statements,
    harness,
    make_settings,
    parse_twiml,
    unique_caller,
)
from tests.servers import Server

pytestmark = pytest.mark.services

POSTGRES_STATEMENTS = 2  # the caller's rules; the answered call with its first verdict
REDIS_COMMANDS = 1  # the tenant's call count and the caller's velocity, one script


class _Commands:
    """The commands Redis runs for its other clients between two markers (``MONITOR`` lists
    them in the order Redis ran them, so once the end marker shows, all before it did too);
    the commands scripts run inside Redis are not round trips and are left out."""

    def __init__(self, url: str) -> None:
        self._client = Redis.from_url(url)
        self._marker = f"ethiq-test-{uuid.uuid4().hex}"
        self._monitor: Any = self._client.monitor()

    async def __aenter__(self) -> _Commands:
        await self._monitor.__aenter__()
        await self._client.echo(self._marker + ":start")
        while self._marker not in (await self._monitor.next_command())["command"]:
            pass
        return self

    async def collect(self) -> list[str]:
        await self._client.echo(self._marker + ":end")
        commands: list[str] = []
        while True:
            info = await self._monitor.next_command()
            if self._marker in info["command"]:
                return commands
            if info["client_type"] != "lua":
                commands.append(info["command"])

    async def __aexit__(self, *_: object) -> None:
        await self._monitor.__aexit__()
        await self._client.aclose()


def test_an_answered_call_costs_two_statements_and_one_redis_command(
    postgres: Server, redis: Server
) -> None:
    async def scenario() -> None:
        async with harness(make_settings(postgres.url, redis.url)) as h:
            tenant = await h.add_tenant()
            await h.call(tenant)  # warm: routing, the platform blocklist, prepared statements
            seen = count_statements(h)
            caller = unique_caller()
            async with _Commands(redis.url) as redis_commands:
                call_sid, response = await h.call(tenant, caller)
                commands = await redis_commands.collect()
            for _ in range(3):  # asyncpg calls its loggers on the next loop iterations
                await asyncio.sleep(0)
            print(f"PostgreSQL statements: {len(seen)}, Redis commands: {len(commands)}")
            assert response.status_code == 200
            assert parse_twiml(response.text).findtext("Dial/Conference") == f"ethiq-{call_sid}"
            assert len(seen) == POSTGRES_STATEMENTS, seen
            assert len(commands) == REDIS_COMMANDS, commands
            # Everything a call leaves behind is there: its row with the verdict of its
            # metadata, its verdict event, the tenant's call count, the caller's velocity.
            t = bind_tables(h.runtime.storage.engine(tenant.slug))
            [call] = await t.Call.select(t.Call.id, t.Call.verdict).where(t.Call.sid == call_sid)
            assert call["verdict"] == "legit"
            assert await t.VerdictEvent.count().where(t.VerdictEvent.call == call["id"]) == 1
            client = Redis.from_url(redis.url)
            window = h.runtime.settings.store.velocity_window_s
            assert await RedisVelocity(client, window).count(caller) == 1
            await client.aclose()
            assert h.updater.participants[-1]["conference"] == f"ethiq-{call_sid}"

    asyncio.run(scenario())
