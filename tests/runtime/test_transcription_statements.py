"""What one final transcript segment costs on PostgreSQL, counted by asyncpg itself: every
statement the runtime's pool runs during the webhook (BEGIN/COMMIT included), so the fast
path cannot quietly regress. The segment, its verdict row and the call's risk still commit
together (one statement); an escalation to ``scam`` keeps its transaction with the alerts
(tests/runtime/test_atomicity.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runtime.calls.tables import bind_tables
from tests.runtime.helpers import Harness, harness, make_settings
from tests.servers import Server

pytestmark = pytest.mark.services

MAX_ROUND_TRIPS = 3  # was 8 with piccolo's queries (BEGIN, 6 statements, COMMIT)
LINES = (
    "Bonjour, c'est Paul du garage.",
    "Votre voiture est prête.",
    "Vous pouvez passer la chercher demain matin.",
    "Nous fermons à dix-sept heures.",
    "Bonne journée.",
)


def _count_statements(h: Harness) -> list[str]:
    """Log every statement run on a connection of the runtime's pool from now on."""
    seen: list[str] = []
    connections: Any = h.runtime.storage._connections  # type: ignore[attr-defined]
    acquire = connections.acquire

    def logged(record: Any) -> None:
        seen.append(record.query)

    async def acquire_logged() -> Any:
        connection = await acquire()
        connection.add_query_logger(logged)  # a set: added once per connection
        return connection

    connections.acquire = acquire_logged
    return seen


def test_a_final_segment_costs_at_most_three_round_trips(postgres: Server, redis: Server) -> None:
    async def scenario() -> None:
        async with harness(make_settings(postgres.url, redis.url)) as h:
            tenant = await h.add_tenant()
            call_sid, _ = await h.call(tenant)
            assert (await h.say(tenant, call_sid, 1, LINES[0])).status_code == 204  # warm
            seen = _count_statements(h)
            counts = []
            for sequence, line in enumerate(LINES[1:], start=2):
                before = len(seen)
                assert (await h.say(tenant, call_sid, sequence, line)).status_code == 204
                for _ in range(3):  # asyncpg calls its loggers on the next loop iterations
                    await asyncio.sleep(0)
                counts.append(len(seen) - before)
            print(f"PostgreSQL statements per final segment: {counts}")
            assert max(counts) <= MAX_ROUND_TRIPS, seen[-12:]
            # Everything was stored: each segment, and a verdict row after each.
            t = bind_tables(h.runtime.storage.engine(tenant.slug))
            assert await t.Segment.count() == len(LINES)
            assert await t.VerdictEvent.count().where(t.VerdictEvent.segment.is_not_null()) == 5
            # A retried event stores nothing more, and costs no write.
            before = len(seen)
            assert (await h.say(tenant, call_sid, 2, LINES[1])).status_code == 204
            for _ in range(3):
                await asyncio.sleep(0)
            assert len(seen) - before <= MAX_ROUND_TRIPS
            assert await t.Segment.count() == len(LINES)
            assert await t.VerdictEvent.count().where(t.VerdictEvent.segment.is_not_null()) == 5

    asyncio.run(scenario())
