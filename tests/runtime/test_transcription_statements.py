"""What one final transcript segment costs on PostgreSQL, counted by asyncpg itself: every
statement the runtime's pool runs during the webhook (BEGIN/COMMIT included), so the fast
path cannot quietly regress. The segment, its verdict row and the call's risk still commit
together (one statement); an escalation to ``scam`` keeps its transaction with the alerts
(tests/runtime/test_atomicity.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from runtime.calls.records import _SEGMENT_READ_SQL, read_for_segment
from runtime.calls.tables import bind_tables
from tests.runtime.helpers import count_statements, harness, make_settings
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


def test_a_final_segment_costs_at_most_three_round_trips(postgres: Server, redis: Server) -> None:
    async def scenario() -> None:
        async with harness(make_settings(postgres.url, redis.url)) as h:
            tenant = await h.add_tenant()
            call_sid, _ = await h.call(tenant)
            assert (await h.say(tenant, call_sid, 1, LINES[0])).status_code == 204  # warm
            seen = count_statements(h)
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


def _plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _plan_nodes(child))]


def test_the_unfed_segments_of_a_long_call_are_one_index_range(postgres: Server) -> None:
    """Segment 400 of a call reads only the segments after the last one fed, neither the
    call's 400 nor the later ones of another call: the read's plan (EXPLAIN ANALYZE, on
    PostgreSQL, planned for these values and generically, as a prepared statement reused) finds
    them by the index on (call, final, id), with nothing read and filtered out."""

    async def scenario() -> None:
        async with harness(make_settings(postgres.url)) as h:
            tenant = await h.add_tenant()
            call_sid, _ = await h.call(tenant)
            engine: Any = h.runtime.storage.engine(tenant.slug)
            # 400 segments (every tenth not final), then 20,000 of 100 other calls: a table
            # where reading every row, or every later one, costs more than an index.
            await engine.fetch_raw(
                'INSERT INTO {schema}."call" ("sid", "from_number", "to_number", "started_at") '
                "SELECT 'CA' || md5(n::text), c.from_number, c.to_number, now() "
                'FROM {schema}."call" c, generate_series(1, 100) n WHERE c.sid = $1',
                call_sid,
            )
            for calls, count in (("c.sid = $1", 400), ("c.sid <> $1", 200)):
                await engine.fetch_raw(
                    'INSERT INTO {schema}."transcript_segment" ("call", "track", "sequence", '
                    '"text", "confidence", "final", "t_seconds", "received_at") '
                    "SELECT c.id, 'inbound_track', n, 'bonjour', 0.9, n % 10 <> 0, n, now() "
                    'FROM {schema}."call" c, generate_series(1, $2::int) n WHERE ' + calls,
                    call_sid,
                    count,
                )
            await engine.fetch_raw('ANALYZE {schema}."transcript_segment"')
            read = await read_for_segment(engine.fetch_raw, call_sid, "inbound_track", 401, 0)
            assert len(read.unfed) == 360  # every final one, when nothing was fed yet
            fed = read.unfed[-2][0]  # 398: the session was fed up to it
            assert call_sid.isalnum()  # quoted as a literal below: EXECUTE takes no parameters
            for mode in ("force_custom_plan", "force_generic_plan"):
                async with engine.transaction():  # one connection: the prepared statement's
                    await engine.fetch_raw(f"SET LOCAL plan_cache_mode = {mode}")
                    await engine.fetch_raw("PREPARE unfed AS " + _SEGMENT_READ_SQL)
                    [row] = await engine.fetch_raw(
                        "EXPLAIN (ANALYZE, FORMAT JSON) "
                        f"EXECUTE unfed('{call_sid}', 'inbound_track', 401, {fed})"
                    )
                    await engine.fetch_raw("DEALLOCATE unfed")
                plan = json.loads(row[0])[0]["Plan"]
                scans = [
                    n
                    for n in _plan_nodes(plan)
                    if n.get("Index Name") == "transcript_segment_final_by_call"
                ]
                assert len(scans) == 1, (mode, json.dumps(plan))
                [scan] = scans
                # Only the final segment after the one fed (399; 400 is not final) is read,
                # from the index's range: none read then thrown away.
                assert scan["Actual Rows"] == 1, (mode, scan)
                assert scan.get("Rows Removed by Filter", 0) == 0, (mode, scan)
                assert "id >" in scan["Index Cond"], (mode, scan)

    asyncio.run(scenario())
