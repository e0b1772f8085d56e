"""Metering from the tenant's call logs (SQLite), and the 80 % / 100 % notices, once a month."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from runtime.alerts.tables import bind_tables
from runtime.billing.metering import month_of, notices_due, usage_of
from runtime.billing.plans import plan
from runtime.storage import store_for_url

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def test_usage_is_counted_per_utc_month_and_each_threshold_is_due_once(tmp_path: Path) -> None:
    async def run() -> None:
        store = store_for_url(f"sqlite:///{tmp_path}/ethiq.sqlite")
        await store.ensure_platform()
        await store.ensure("acme")
        t = bind_tables(store.engine("acme"))
        for number in ("+15145550111", "+15145550122"):
            await t.Contact.insert(t.Contact(number=number, name="x"))
        calls = [
            ("CA1", "inbound", datetime(2026, 11, 2, tzinfo=UTC), 61),  # 2 minutes
            ("CA2", "inbound", datetime(2026, 11, 30, 23, 59, tzinfo=UTC), 30),  # 1 minute
            ("CA3", "outbound-api", datetime(2026, 11, 3, tzinfo=UTC), 600),  # not screened
            ("CA4", "inbound", datetime(2026, 10, 31, 23, 59, tzinfo=UTC), 600),  # October
            ("CA5", "inbound", datetime(2026, 11, 4, tzinfo=UTC), None),  # still ringing
        ]
        for sid, direction, at, duration in calls:
            await t.Call.insert(
                t.Call(
                    sid=sid,
                    from_number="+15145550199",
                    to_number="+15145550100",
                    direction=direction,
                    started_at=at,
                    duration=duration,
                )
            )
        contacts = await t.Contact.select(t.Contact.id)
        for index in range(12):  # 12 scam calls, each alerting both contacts: 24 alerts
            sid = f"CAS{index}"
            await t.Call.insert(
                t.Call(
                    sid=sid,
                    from_number="+15145550199",
                    to_number="+15145550100",
                    started_at=datetime(2026, 11, 5, tzinfo=UTC),
                )
            )
            call = await t.Call.select(t.Call.id).where(t.Call.sid == sid).first()
            assert call is not None
            for contact in contacts:
                await t.Alert.insert(
                    t.Alert(
                        call=call["id"],
                        contact=contact["id"],
                        kind="scam",
                        created_at=datetime(2026, 11, 5, tzinfo=UTC),
                    )
                )
        usage = await usage_of(store, "acme", NOW)
        await store.close()

        assert (usage.period, usage.screened_minutes, usage.contacts, usage.alerts) == (
            "2026-11",
            3,
            2,
            24,
        )
        solo = plan("solo")  # 600 minutes, 2 contacts, 30 alerts
        due = notices_due(solo, usage)
        assert sorted((n.metric, n.threshold) for n in due) == [
            ("alerts", 80),
            ("contacts", 80),
            ("contacts", 100),
        ]
        # Sent once: the same month's usage is due for nothing more.
        assert notices_due(solo, usage, [n.key for n in due]) == []
        assert notices_due(plan("family"), usage) == []  # 5 contacts, 100 alerts

    asyncio.run(run())


def test_months_are_utc_calendar_months() -> None:
    assert month_of(datetime(2026, 12, 31, 23, 0, tzinfo=UTC))[0] == "2026-12"
    name, start, end = month_of(datetime(2026, 12, 15, tzinfo=UTC))
    assert name == "2026-12"
    assert (start, end) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
