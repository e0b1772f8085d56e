"""A stalled PostgreSQL or Redis (SIGSTOP, the real servers): every wait is bounded, nothing
leaks, and the runtime is fully working again within seconds of the stall ending.

Each freeze lasts ``FREEZE_S`` (the fault); recovery is polled until a bounded deadline, never
asserted from a fixed sleep.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, suppress

import pytest

from runtime.settings import DatabaseSettings
from runtime.storage import PoolStats
from runtime.telephony import paths
from runtime.tenants import TenantRecord
from tests.runtime.helpers import (
    SCAM_LINES_FR,
    Harness,
    harness,
    make_settings,
    parse_twiml,
    sid,
    unique_caller,
)
from tests.servers import Server, frozen, postgres_server, redis_server

pytestmark = pytest.mark.services

FREEZE_S = 10.0
RECOVERY_DEADLINE_S = 20.0  # "within seconds": from the end of a freeze to fully working
TWILIO_BUDGET_S = 15.0
POOL_SIZE = 4


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Server, Server]]:
    """Servers of this module's own: freezing them must not stall other tests."""
    with postgres_server() as pg, redis_server() as cache:
        yield pg, cache


def _degraded(metrics: str) -> float:
    return sum(
        float(v) for v in re.findall(r"^ethiq_degraded_answers_total\{[^}]*\} (\S+)", metrics, re.M)
    )


async def _sms(h: Harness, tenant: TenantRecord, body: str) -> int:
    params = {
        "MessageSid": sid("SM"),
        "AccountSid": tenant.subaccount_sid,
        "From": tenant.contacts[0].number,
        "To": tenant.phone_number,
        "Body": body,
    }
    response = await h.webhook(paths.SMS, params, tenant.auth_token)
    return int(response.status_code)


def _connects(h: Harness, tenant: TenantRecord, call_sid: str, twiml: str) -> None:
    """The caller waits in the call's conference and the person's app is rung into it."""
    conference = parse_twiml(twiml).findtext("Dial/Conference")
    assert conference is not None
    rung = [p for p in h.updater.participants if p["conference"] == conference]
    assert rung, f"the person was not rung into {conference} ({call_sid})"
    assert tenant.sip_address in rung[-1]["to"]


async def _fully_working(h: Harness, tenant: TenantRecord) -> bool:
    """A call answered without degradation, its transcript stored, an SMS handled, ready."""
    before = _degraded((await h.client.get("/metrics")).text)
    call_sid, voice = await h.call(tenant)
    if voice.status_code != 200 or parse_twiml(voice.text).find("Dial") is None:
        return False
    if _degraded((await h.client.get("/metrics")).text) != before:
        return False
    if (await h.say(tenant, call_sid, 1, "Bonjour, c'est moi.")).status_code != 204:
        return False
    if await _sms(h, tenant, "AIDE") != 200:
        return False
    return bool((await h.client.get("/health/ready")).status_code == 200)


async def _recovered_within(h: Harness, tenant: TenantRecord, deadline_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if await _fully_working(h, tenant):
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError(f"not fully working {deadline_s}s after the freeze ended")


async def _bounded(step: Awaitable[object]) -> float:
    """Run ``step``; it may fail (a 503, a timeout), but it must end within Twilio's budget."""
    started = time.monotonic()
    with suppress(Exception):
        await step
    elapsed = time.monotonic() - started
    assert elapsed < TWILIO_BUDGET_S, f"a webhook took {elapsed:.1f}s during the freeze"
    return elapsed


@asynccontextmanager
async def _stalled(server: Server) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Freeze ``server``; the yielded coroutine waits out the rest of the freeze."""
    with frozen(server):
        started = time.monotonic()

        async def rest() -> None:
            await asyncio.sleep(max(0.0, FREEZE_S - (time.monotonic() - started)))

        yield rest


async def _no_connection_in_use(h: Harness, deadline_s: float = 10.0) -> None:
    """Every connection is given back. Background work (the in-process job worker, an incident
    opened after the freeze) may hold one for a moment; a leaked one is never returned."""
    deadline = time.monotonic() + deadline_s
    while True:
        stats: PoolStats | None = h.runtime.storage.pool_stats()
        assert stats is not None
        assert stats.size <= POOL_SIZE
        if stats.size == stats.idle:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{stats.size - stats.idle} connection(s) never given back")
        await asyncio.sleep(0.1)


def test_postgres_frozen_twice_then_everything_works(servers: tuple[Server, Server]) -> None:
    pg, cache = servers
    settings = make_settings(pg.url, cache.url)
    settings = settings.model_copy(
        update={
            "database": DatabaseSettings(url=pg.url, timeout_s=3.0, pool_size=POOL_SIZE),
            # The job worker runs in the process: it must come back too.
            "alerts": settings.alerts.model_copy(update={"worker": True}),
            # Each recovery probe is a new call of the same tenant: on a slow machine they
            # passed ETHIQ_CALLS_PER_TENANT (30 a minute) and got the busy tone, which is the
            # rate limit working, not the database failing to come back.
            "server": settings.server.model_copy(update={"calls_per_tenant": 1000}),
        }
    )

    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            assert await _sms(h, tenant, "OUI") == 200
            assert await _fully_working(h, tenant)
            for _ in range(2):
                async with _stalled(pg) as rest:
                    # Everything Twilio may send meanwhile answers within its budget.
                    call_sid, voice = await h.call(tenant, unique_caller())
                    assert voice.status_code == 200
                    _connects(h, tenant, call_sid, voice.text)
                    await _bounded(h.say(tenant, call_sid, 1, SCAM_LINES_FR[0]))
                    await _bounded(_sms(h, tenant, "AIDE"))
                    await _bounded(h.runtime.outbox.run_once())
                    ready = await h.client.get("/health/ready")
                    assert ready.status_code == 503
                    assert ready.json()["status"] == "degraded"
                    await rest()
                took = await _recovered_within(h, tenant, RECOVERY_DEADLINE_S)
                print(f"fully working {took:.1f}s after the freeze")
            await _no_connection_in_use(h)
            # A scam call now: its alert is queued and sent.
            call_sid, _ = await h.call(tenant, unique_caller())
            for sequence, line in enumerate(SCAM_LINES_FR, start=1):
                assert (await h.say(tenant, call_sid, sequence, line)).status_code == 204
            # The worker (restarted after the freezes if it had to) sends it.
            for _ in range(int(RECOVERY_DEADLINE_S * 10)):
                if any("ALERTE" in m["body"] for m in h.sender.sent):
                    break
                await asyncio.sleep(0.1)
            alerts = [m["to"] for m in h.sender.sent if "ALERTE" in m["body"]]
            assert alerts == [tenant.contacts[0].number]

    asyncio.run(scenario())


def test_redis_frozen_then_everything_works(servers: tuple[Server, Server]) -> None:
    pg, cache = servers

    settings = make_settings(pg.url, cache.url)
    # Ready needs a job worker on PostgreSQL: one runs in the process.
    settings = settings.model_copy(
        update={"alerts": settings.alerts.model_copy(update={"worker": True})}
    )

    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            assert await _fully_working(h, tenant)
            async with _stalled(cache) as rest:
                started = time.monotonic()
                call_sid, voice = await h.call(tenant, unique_caller())
                assert time.monotonic() - started < TWILIO_BUDGET_S
                _connects(h, tenant, call_sid, voice.text)
                ready = await h.client.get("/health/ready")
                assert ready.status_code == 503
                assert ready.json()["checks"]["store"]["status"] == "down"
                await rest()
            took = await _recovered_within(h, tenant, RECOVERY_DEADLINE_S)
            print(f"fully working {took:.1f}s after the freeze")

    asyncio.run(scenario())
