"""With Redis and PostgreSQL down, calls still connect (from the last-known routing copy)."""

from __future__ import annotations

import asyncio
import time

import pytest

from runtime.telephony import paths
from tests.runtime.helpers import harness, make_settings, parse_twiml, sid, unique_caller
from tests.servers import postgres_server, redis_server

TWILIO_BUDGET_S = 15.0


@pytest.mark.services
def test_voice_answers_and_connects_with_database_and_redis_down() -> None:
    pg_context, redis_context = postgres_server(), redis_server()
    pg, cache = pg_context.__enter__(), redis_context.__enter__()
    stopped = {"pg": False, "redis": False}

    async def scenario() -> None:
        async with harness(make_settings(pg.url, cache.url)) as h:
            tenant = await h.add_tenant()
            _, warm = await h.call(tenant)  # routing now known locally
            assert parse_twiml(warm.text).find("Dial") is not None
            redis_context.__exit__(None, None, None)
            stopped["redis"] = True
            pg_context.__exit__(None, None, None)
            stopped["pg"] = True

            started = time.monotonic()
            _call_sid, response = await h.call(tenant, unique_caller())
            elapsed = time.monotonic() - started
            assert response.status_code == 200
            root = parse_twiml(response.text)
            # Still connected (the person is rung into the call's conference).
            assert root.findtext("Dial/Conference") is not None
            assert elapsed < TWILIO_BUDGET_S
            metrics = (await h.client.get("/metrics")).text
            assert 'ethiq_degraded_answers_total{dependency="database"} 1.0' in metrics
            assert 'ethiq_degraded_answers_total{dependency="store"} 1.0' in metrics
            ready = await h.client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"]["status"] == "down"
            assert ready.json()["checks"]["store"]["status"] == "down"
            assert (await h.client.get("/health/live")).status_code == 200
            # Still signed: a forged request is refused even while degraded.
            forged = {
                "CallSid": sid("CA"),
                "AccountSid": tenant.subaccount_sid,
                "From": unique_caller(),
                "To": tenant.phone_number,
            }
            assert (await h.webhook(paths.VOICE, forged, "forged")).status_code == 403

    try:
        asyncio.run(scenario())
    finally:
        if not stopped["redis"]:
            redis_context.__exit__(None, None, None)
        if not stopped["pg"]:
            pg_context.__exit__(None, None, None)
