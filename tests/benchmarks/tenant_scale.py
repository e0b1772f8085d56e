"""Thousands of tenants on one PostgreSQL with ``max_connections=100``: connections used.

Registers ``--tenants`` tenants (default 5,000: registry rows through :class:`Registry` and one
``tenant_<key>`` schema each), then plays, for ``--active`` random tenants at once, what Twilio
sends: a contact's "OUI" by SMS, a call, three transcript segments of a scam (which queue an
alert), then one outbox pass that sends the alerts. It prints what worked, the webhook
latencies, and the connections the runtime used (its pool, and ``pg_stat_activity`` sampled
every 50 ms) beside the tenant count and ``max_connections``.

The schemas are made fast: one tenant is migrated with the real migrations, then its schema
(tables, indexes and migration bookkeeping, from ``pg_dump``) is replayed under every other
tenant's name; a sample is checked to report every migration as applied.

The app runs in process (Litestar's test client, no sockets) with the tests' fake SMS sender;
Twilio's side is not what this measures. Run: ``.venv/bin/python -m tests.benchmarks.tenant_scale``
(part of ``make bench``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import secrets
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import asyncpg
import httpx

from runtime.settings import DatabaseSettings, ServerSettings, StoreSettings
from runtime.storage import TENANT_MIGRATIONS, store_for_url, tenant_namespace
from runtime.telephony import paths
from runtime.tenants import Registry, TenantContact, TenantRecord
from runtime.web.app import create_app
from tests.runtime.helpers import (
    REGISTRY_KEY,
    SCAM_LINES_FR,
    FakeSender,
    FakeUpdater,
    Harness,
    make_settings,
)
from tests.servers import Server, _pg_bindir, postgres_server, redis_server

MAX_CONNECTIONS = 100
POOL_SIZE = 10
BASE = "http://internal.test:8000"


def _tenant(index: int) -> TenantRecord:
    slug = f"scale-{index:05d}"
    return TenantRecord(
        slug=slug,
        phone_number=f"+1514{200 + index // 10_000:03d}{index % 10_000:04d}",
        sip_address=f"sip:user@{slug}.sip.twilio.com",
        sip_username=f"user_{index}",
        subaccount_sid="AC" + uuid.uuid4().hex,
        auth_token=secrets.token_hex(16),
        language="fr-CA",
        region="CA-QC",
        contacts=(TenantContact(f"+1438{200 + index // 10_000:03d}{index % 10_000:04d}", "Marie"),),
    )


def _psql(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["psql", server.url, "-v", "ON_ERROR_STOP=1", "-q", *args],
        check=True,
        capture_output=True,
        text=True,
    )


async def _bounded(items: list[Any], limit: int, step: Callable[[Any], Awaitable[object]]) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(item: Any) -> None:
        async with gate:
            await step(item)

    await asyncio.gather(*(one(item) for item in items))


async def _provision(server: Server, tenants: list[TenantRecord]) -> float:
    started = time.perf_counter()
    store = store_for_url(server.url, pool_size=8)
    registry = Registry(store, REGISTRY_KEY)
    try:
        await registry.migrate()
        await store.ensure(tenants[0].slug)
        template = tenant_namespace(tenants[0].slug)
        dump = subprocess.run(
            [str(_pg_bindir() / "pg_dump"), "--no-owner", "-n", template, server.url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
            for tenant in tenants[1:]:
                script.write(dump.replace(template, tenant_namespace(tenant.slug)))
            script.flush()
            _psql(server, "-f", script.name)
        await _bounded(tenants, 8, registry.upsert)
        for tenant in random.sample(tenants, 20):
            assert await store.applied_migrations(tenant.slug) == TENANT_MIGRATIONS.ids()
    finally:
        await registry.close()
    return time.perf_counter() - started


async def _sample_connections(url: str, stop: asyncio.Event, peak: list[int]) -> None:
    conn = await asyncpg.connect(url)
    try:
        while not stop.is_set():
            count = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid()"
            )
            peak[0] = max(peak[0], int(count))
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)
    finally:
        await conn.close()


async def _play(
    pg: Server, redis: Server, tenants: list[TenantRecord], active: int, concurrency: int
) -> None:
    settings = make_settings(pg.url, redis.url)
    settings = settings.model_copy(
        update={
            "database": DatabaseSettings(url=pg.url, pool_size=POOL_SIZE),
            "store": StoreSettings(redis_url=redis.url),
            "server": ServerSettings(calls_per_tenant=10**9),  # the path, not the busy tone
        }
    )
    chosen = random.sample(tenants, active)
    latencies: dict[str, list[float]] = {"sms": [], "voice": [], "transcription": []}
    failures: dict[str, int] = {"sms": 0, "voice": 0, "transcription": 0}
    stop, peak = asyncio.Event(), [0]
    sender, updater = FakeSender(), FakeUpdater()
    app = create_app(settings, sender=sender, updater=updater)
    for name in ("runtime", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        h = Harness(app, client, sender, updater)
        sampler = asyncio.create_task(_sample_connections(pg.url, stop, peak))

        async def timed(kind: str, request: Awaitable[Any], ok: int) -> None:
            started = time.perf_counter()
            response = await request
            latencies[kind].append((time.perf_counter() - started) * 1000)
            if response.status_code != ok:
                failures[kind] += 1

        async def scenario(tenant: TenantRecord) -> None:
            contact = tenant.contacts[0].number
            sms = {
                "MessageSid": "SM" + uuid.uuid4().hex,
                "AccountSid": tenant.subaccount_sid,
                "From": contact,
                "To": tenant.phone_number,
                "Body": "OUI",
            }
            await timed("sms", h.webhook(paths.SMS, sms, tenant.auth_token), 200)
            started = time.perf_counter()
            call_sid, response = await h.call(tenant)
            latencies["voice"].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                failures["voice"] += 1
            for sequence, line in enumerate(SCAM_LINES_FR, start=1):
                await timed("transcription", h.say(tenant, call_sid, sequence, line), 204)

        started = time.perf_counter()
        await _bounded(chosen, concurrency, scenario)
        played = time.perf_counter() - started
        outbox_started = time.perf_counter()
        result = await h.runtime.outbox.run_once()
        outbox_s = time.perf_counter() - outbox_started
        stats = h.runtime.storage.pool_stats()
        stop.set()
        await sampler
        directory = h.runtime.directory

    print(f"{active} random tenants, {concurrency} calls at a time, played in {played:.1f}s")
    for kind, values in latencies.items():
        ordered = sorted(values)
        p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
        print(
            f"  {kind:<14} {len(values):>5} requests  {failures[kind]:>3} failed"
            f"  p50 {statistics.median(values):6.1f} ms  p99 {p99:6.1f} ms"
        )
    print(
        f"  alerts sent by one outbox pass: {result.sent} of {active} expected "
        f"({result.errors} tenant errors, pass over {len(tenants)} tenants: {outbox_s:.1f}s)"
    )
    webhooks = sum(len(v) for v in latencies.values())
    print(f"  registry reads for routing: {directory.registry_reads} for {webhooks} webhooks")
    assert stats is not None
    print(
        f"connections: runtime pool {stats.size} open (max {stats.max_size}); "
        f"peak on the server {peak[0]} of max_connections={MAX_CONNECTIONS}, "
        f"for {len(tenants)} tenants ({peak[0] / len(tenants):.4f} per tenant)"
    )
    print(
        json.dumps(
            {
                "tenants": len(tenants),
                "peak_connections": peak[0],
                "alerts_sent": result.sent,
                "failures": failures,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Connections used by thousands of tenants")
    parser.add_argument("--tenants", type=int, default=5000)
    parser.add_argument("--active", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=POOL_SIZE)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    random.seed(args.seed)
    tenants = [_tenant(i) for i in range(args.tenants)]
    with (
        postgres_server(f"max_connections={MAX_CONNECTIONS}") as pg,
        redis_server() as redis,
    ):
        print(f"registering {args.tenants} tenants...", flush=True)
        took = asyncio.run(_provision(pg, tenants))
        print(f"{args.tenants} tenants registered (registry + schema each) in {took:.0f}s")
        active = min(args.active, args.tenants)
        asyncio.run(_play(pg, redis, tenants, active, args.concurrency))


if __name__ == "__main__":
    main()
