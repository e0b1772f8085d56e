"""The test servers are real, on loopback, and gone afterwards."""

from __future__ import annotations

import asyncio
import socket

import asyncpg
import pytest
import redis as redis_client

from tests.servers import Server, postgres_server, redis_server

pytestmark = pytest.mark.services


def test_postgres_accepts_sql_on_loopback(postgres: Server) -> None:
    async def roundtrip() -> str:
        conn = await asyncpg.connect(postgres.url)
        try:
            await conn.execute("CREATE SCHEMA IF NOT EXISTS tenant_probe")
            await conn.execute("CREATE TABLE IF NOT EXISTS tenant_probe.t (v text)")
            await conn.execute("INSERT INTO tenant_probe.t VALUES ('ok')")
            value: str = await conn.fetchval("SELECT v FROM tenant_probe.t")
            await conn.execute("DROP SCHEMA tenant_probe CASCADE")
            return value
        finally:
            await conn.close()

    assert postgres.url.startswith("postgresql://postgres@127.0.0.1:")
    assert asyncio.run(roundtrip()) == "ok"


def test_redis_stores_and_expires_on_loopback(redis: Server) -> None:
    client = redis_client.Redis.from_url(redis.url)
    try:
        client.set("probe", "ok", ex=60)
        assert client.get("probe") == b"ok"
        assert 0 < client.ttl("probe") <= 60
    finally:
        client.close()


@pytest.mark.parametrize("start", [postgres_server, redis_server])
def test_servers_stop_and_free_their_port(start: object) -> None:
    with start() as server:  # type: ignore[operator]
        port = server.port
        assert _accepts(port)
    assert not _accepts(port)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
