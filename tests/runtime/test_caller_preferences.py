"""The person's call preferences through the real voice webhook (signed, in-process app), on
SQLite + the in-process store and on PostgreSQL + Redis: blocked numbers survive a restart,
trusted numbers ring through unscreened (unless STIR/SHAKEN says the caller ID is spoofed),
quiet hours send other callers to a screened voicemail and never silence a scam's alerts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest

from runtime.calls import preferences
from runtime.calls.preferences import (
    MAX_NUMBERS,
    InvalidPreference,
    ListKind,
    QuietHours,
    parse_quiet_hours,
)
from runtime.calls.tables import bind_tables
from runtime.settings import Settings
from tests.runtime.helpers import (
    SCAM_LINES_FR,
    Harness,
    harness,
    parse_twiml,
    unique_caller,
)
from tests.runtime.test_transcription import consent_all

ZONE = "America/Toronto"


async def _call_row(h: Harness, slug: str, call_sid: str) -> dict[str, Any]:
    t = bind_tables(h.runtime.storage.engine(slug))
    row = await t.Call.select().where(t.Call.sid == call_sid).output(load_json=True).first()
    assert row is not None
    return dict(row)


def _around_now() -> QuietHours:
    """Quiet hours from an hour ago to an hour from now, local time (may span midnight)."""
    now = datetime.now(UTC).astimezone(ZoneInfo(ZONE))
    before, after = now - timedelta(hours=1), now + timedelta(hours=1)
    return QuietHours(before.time().replace(second=0, microsecond=0), after.time(), ZONE)


def test_blocked_numbers_survive_a_restart_and_old_store_lists_move(settings: Settings) -> None:
    caller, old = unique_caller(), unique_caller()

    async def scenario() -> str:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            await h.runtime.blocklist.add(tenant.slug, caller)
            # A list a 0.1.0 runtime left in the store is moved to the database on first use.
            legacy = msgspec.json.encode([old])
            await h.runtime.store.set(f"blocklist:{tenant.slug}", legacy)
            await h.runtime.blocklist.preferences.add(tenant.slug, ListKind.TRUSTED, old)
            return tenant.slug

    slug = asyncio.run(scenario())

    async def restarted() -> None:
        async with harness(settings) as h:  # a new app: new in-process store, same database
            tenant = await h.runtime.registry.get(slug)
            assert tenant is not None
            for number in (caller, old):
                _, response = await h.call(tenant, number)
                assert parse_twiml(response.text).find("Reject") is not None, number
            assert await h.runtime.blocklist.numbers(slug) == sorted([caller, old])
            # Blocking moved it off the trusted list (a number is on one list at most).
            assert await h.runtime.blocklist.preferences.numbers(slug, ListKind.TRUSTED) == []

    if settings.store.redis_url:  # Redis kept the old list across the restart: moved now
        asyncio.run(restarted())
    else:  # the in-process store forgot it: only the database's rows remain
        asyncio.run(_only_database(settings, slug, caller))


async def _only_database(settings: Settings, slug: str, caller: str) -> None:
    async with harness(settings) as h:
        tenant = await h.runtime.registry.get(slug)
        assert tenant is not None
        _, response = await h.call(tenant, caller)
        assert parse_twiml(response.text).find("Reject") is not None
        assert caller in await h.runtime.blocklist.numbers(slug)


def test_trusted_rings_unscreened_unless_the_caller_id_is_spoofed(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            daughter = unique_caller()
            prefs = h.runtime.blocklist.preferences
            await prefs.add(tenant.slug, ListKind.TRUSTED, daughter)
            await prefs.set_quiet_hours(tenant.slug, _around_now())
            call_sid, response = await h.call(tenant, daughter)
            root = parse_twiml(response.text)
            assert root.find("Start/Transcription") is None  # not transcribed, never alerted
            assert root.find("Dial/Conference") is not None  # rings, quiet hours or not
            assert h.updater.participants[-1]["conference"] == f"ethiq-{call_sid}"
            row = await _call_row(h, tenant.slug, call_sid)
            assert row["reasons"] == ["numéro de confiance : sonne toujours, pas filtré"]
            assert row["verdict"] is None
            # The same number with a failed STIR/SHAKEN verification: screened as anyone.
            spoof_sid, spoof = await h.call(tenant, daughter, StirVerstat="TN-Validation-Failed-A")
            assert parse_twiml(spoof.text).find("Start/Transcription") is not None
            assert parse_twiml(spoof.text).find("Record") is not None  # and quiet hours apply
            assert (await _call_row(h, tenant.slug, spoof_sid))["verdict"] is not None

    asyncio.run(scenario())


def test_quiet_hours_send_others_to_voicemail_and_a_scam_still_alerts(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            await consent_all(h, tenant)
            await h.runtime.blocklist.preferences.set_quiet_hours(tenant.slug, _around_now())
            rung = len(h.updater.participants)
            call_sid, response = await h.call(tenant)
            root = parse_twiml(response.text)
            assert root.find("Start/Transcription") is not None  # the message is screened
            assert root.find("Record") is not None
            assert root.find("Dial") is None
            assert len(h.updater.participants) == rung  # the person's phone never rang
            for n, line in enumerate(SCAM_LINES_FR, 1):
                await h.say(tenant, call_sid, n, line)
            row = await _call_row(h, tenant.slug, call_sid)
            assert (row["verdict"], row["outcome"]) == ("scam", "quiet_hours")
            assert h.updater.announcements == []  # nobody on the line to warn
            await h.runtime.outbox.run_once()
            alerted = {m["to"] for m in h.sender.sent if "ALERT" in m["body"].upper()}
            assert alerted & {c.number for c in tenant.contacts}
            # Outside the quiet hours the same stranger rings the person.
            await h.runtime.blocklist.preferences.set_quiet_hours(tenant.slug, None)
            _, later = await h.call(tenant)
            assert parse_twiml(later.text).find("Dial/Conference") is not None

    asyncio.run(scenario())


def test_quiet_hours_span_midnight_in_the_tenants_zone() -> None:
    night = parse_quiet_hours("22:00", "07:00", ZONE)
    toronto = ZoneInfo(ZONE)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 7, 1, hour, minute, tzinfo=toronto).astimezone(UTC)

    assert [night.contains(at(h)) for h in (21, 22, 23, 0, 6)] == [False, True, True, True, True]
    assert not night.contains(at(7))  # the end is outside
    assert night.contains(at(6, 59))
    day = QuietHours(time(13), time(15), ZONE)
    assert [day.contains(at(h)) for h in (12, 14, 15)] == [False, True, False]
    # 02:30 UTC is 22:30 in Toronto in summer (EDT) and 21:30 in winter (EST).
    assert night.contains(datetime(2026, 7, 2, 2, 30, tzinfo=UTC))
    assert not night.contains(datetime(2026, 1, 2, 2, 30, tzinfo=UTC))
    assert night.label() == "22:00-07:00"
    with pytest.raises(InvalidPreference, match="different"):
        parse_quiet_hours("22:00", "22:00", ZONE)
    with pytest.raises(InvalidPreference, match="HH:MM"):
        parse_quiet_hours("25:00", "07:00", ZONE)
    with pytest.raises(InvalidPreference, match="zone"):
        parse_quiet_hours("22:00", "07:00", "Mars/Olympus")


def test_lists_take_only_e164_numbers_and_are_bounded(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert MAX_NUMBERS == 200
    monkeypatch.setattr(preferences, "MAX_NUMBERS", 3)  # the same check, fewer rows to write

    async def scenario() -> None:
        async with harness(sqlite_settings) as h:
            tenant = await h.add_tenant()
            prefs = h.runtime.blocklist.preferences
            with pytest.raises(ValueError, match=r"E\.164"):
                await prefs.add(tenant.slug, ListKind.TRUSTED, "514 555 0100")
            for n in range(3):
                await prefs.add(tenant.slug, ListKind.TRUSTED, f"+1514555{n:04d}")
            with pytest.raises(InvalidPreference, match="at most 3"):
                await prefs.add(tenant.slug, ListKind.TRUSTED, "+15145559999")
            await prefs.add(tenant.slug, ListKind.TRUSTED, "+15145550001")  # already on it
            assert len(await prefs.numbers(tenant.slug, ListKind.TRUSTED)) == 3
            assert await prefs.remove(tenant.slug, ListKind.TRUSTED, "+15145550000")
            assert not await prefs.remove(tenant.slug, ListKind.TRUSTED, "+15145550000")

    asyncio.run(scenario())
