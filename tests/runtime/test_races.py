"""Concurrent events on one call act once: the escalation is a conditional update on the call's
verdict, so the event that read the verdict before another event or process escalated it loses
and queues no second set of alerts (runtime.calls.records.record_assessment)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from runtime.alerts.records import CallAlerts
from runtime.alerts.tables import AlertTables, bind_tables
from runtime.calls.records import record_assessment, transaction
from runtime.screening.engine import Assessment
from runtime.settings import Settings
from tests.runtime.helpers import harness
from tests.runtime.test_transcription import consent_all

SCAM = Assessment(
    risk=0.95, verdict="scam", reasons=("asks for a payment",), current_risk=0.95, detected_at=1.0
)


class _ThenRun:
    """A query whose ``run`` returns its rows, then lets ``meanwhile`` act before the caller
    goes on: the other event's commit, landing between our read and our write."""

    def __init__(self, query: Any, meanwhile: Callable[[], Awaitable[None]]) -> None:
        self._query, self._meanwhile = query, meanwhile

    def where(self, *args: Any) -> _ThenRun:
        return _ThenRun(self._query.where(*args), self._meanwhile)

    def first(self) -> _ThenRun:
        return _ThenRun(self._query.first(), self._meanwhile)

    async def run(self) -> Any:
        rows = await self._query.run()
        await self._meanwhile()
        return rows


def _racing(tables: AlertTables, meanwhile: Callable[[], Awaitable[None]]) -> AlertTables:
    base = tables.Call

    def select(cls: Any, *columns: Any, **options: Any) -> _ThenRun:
        return _ThenRun(base.select(*columns, **options), meanwhile)

    racing = type(base.__name__, (base,), {"select": classmethod(select)})
    return dataclasses.replace(tables, Call=racing)


def test_the_event_that_read_a_stale_verdict_does_not_escalate_again(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            await consent_all(h, tenant)
            call_sid, _ = await h.call(tenant)
            t = bind_tables(h.runtime.storage.engine(tenant.slug))
            row = await t.Call.select(t.Call.id, t.Call.verdict).where(t.Call.sid == call_sid)
            call_id, before = row[0]["id"], row[0]["verdict"]
            assert before != "scam"

            async def other_event_escalates() -> None:
                await t.Call.update({t.Call.verdict: "scam"}).where(t.Call.id == call_id)

            engine = h.runtime.storage.engine(tenant.slug)
            async with transaction(engine):
                escalation = await record_assessment(
                    _racing(t, other_event_escalates),
                    call_id=call_id,
                    assessment=SCAM,
                    at_seconds=1.0,
                    contacts=tenant.contacts,
                    alerts=CallAlerts(),
                )
            assert not escalation.escalated
            assert escalation.alerts == 0
            assert await t.Alert.count() == 0  # the winner queues the alerts, not this event

            # Without the race, the same assessment escalates and queues the first contact's alert.
            second_sid, _ = await h.call(tenant)
            second = await t.Call.select(t.Call.id).where(t.Call.sid == second_sid).first()
            assert second is not None
            async with transaction(engine):
                won = await record_assessment(
                    t,
                    call_id=second["id"],
                    assessment=SCAM,
                    at_seconds=1.0,
                    contacts=tenant.contacts,
                    alerts=CallAlerts(),
                )
            assert won.escalated
            assert won.alerts == 1  # the escalation chain starts with the first by priority
            assert await t.Alert.count() == 1

    asyncio.run(scenario())
