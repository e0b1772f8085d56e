"""The person's missed-call text: their app did not answer, the caller left a voicemail; the
person's own mobile number gets one text (in their language) saying who called, what Ethiq
made of it and that a message was left, however often Twilio retries the ``<Record>`` action."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from runtime.alerts.messages import MAX_SEGMENTS, missed_call_body, sms_segments
from runtime.alerts.notices import NoticePass
from runtime.alerts.tables import bind_tables
from runtime.calls.preferences import QuietHours, parse_quiet_hours
from runtime.settings import Settings
from runtime.telephony import paths
from runtime.tenants import TenantRecord
from tests.runtime.helpers import SCAM_LINES_FR, Harness, harness, sid, unique_caller


async def _missed(h: Harness, tenant: TenantRecord, lines: tuple[str, ...]) -> str:
    """A call the person's app does not answer; the caller leaves ``lines`` as a voicemail and
    Twilio posts the ``<Record>`` action twice (a retry after a lost answer)."""
    call_sid, answered = await h.call(tenant)
    assert answered.status_code == 200
    query = f"tenant={tenant.slug}&call={call_sid}"
    params = {"AccountSid": tenant.subaccount_sid, "CallSid": "CA" + "1" * 32}
    gone = await h.webhook(
        paths.PARTICIPANT_STATUS,
        params | {"CallStatus": "no-answer"},
        tenant.auth_token,
        query=query,
    )
    assert gone.status_code == 204
    for i, text in enumerate(lines):
        assert (await h.say(tenant, call_sid, i + 1, text)).status_code == 204
    await _recorded_twice(h, tenant, call_sid, seconds=12)
    return call_sid


async def _recorded_twice(h: Harness, tenant: TenantRecord, call_sid: str, seconds: int) -> None:
    """The ``<Record>`` action of the caller's message, posted twice (Twilio's retry)."""
    record = {
        "AccountSid": tenant.subaccount_sid,
        "CallSid": call_sid,
        "CallStatus": "completed",
        "RecordingSid": sid("RE"),
        "RecordingDuration": str(seconds),
        "Digits": "hangup",
    }
    for _ in range(2):
        done = await h.webhook(
            paths.VOICEMAIL, record, tenant.auth_token, query=f"tenant={tenant.slug}"
        )
        assert done.status_code == 200


def test_a_voicemail_texts_the_person_once_in_their_language(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            own = unique_caller()
            await h.add_person(tenant, own_number=own, language="fr-CA")
            call_sid = await _missed(h, tenant, SCAM_LINES_FR)
            for _ in range(2):  # a second pass (another job) finds nothing more to send
                await h.runtime.jobs.deliver(tenant.slug)
            texts = [m for m in h.sender.sent if m["to"] == own]
            assert len(texts) == 1, texts
            body = texts[0]["body"]
            assert "appel manqué" in body
            assert "fraude probable" in body
            assert "message vocal" in body
            tables = bind_tables(h.runtime.storage.engine(tenant.slug))
            call = await tables.Call.select().where(tables.Call.sid == call_sid).first().run()
            assert call is not None
            assert (call["outcome"], call["verdict"]) == ("voicemail", "scam")
            assert call["from_number"] in body
            [row] = await tables.Notice.select().run()
            assert (row["status"], row["message_sid"]) == ("sent", texts[0]["sid"])
            # Twilio's receipt is recorded on the notice.
            receipt = {
                "AccountSid": tenant.subaccount_sid,
                "MessageSid": texts[0]["sid"],
                "MessageStatus": "delivered",
            }
            await h.webhook(
                paths.SMS_STATUS, receipt, tenant.auth_token, query=f"tenant={tenant.slug}"
            )
            [row] = await tables.Notice.select().run()
            assert row["status"] == "delivered"
            metrics = h.runtime.metrics.render().decode()
            assert 'ethiq_person_notices_total{outcome="sent"} 1.0' in metrics

    asyncio.run(scenario())


async def _quiet_voicemail(h: Harness, tenant: TenantRecord) -> str:
    """A caller sent straight to voicemail by the quiet hours leaves a message (the ``<Record>``
    action, posted twice: a retry)."""
    call_sid, answered = await h.call(tenant)
    assert "<Record" in answered.text
    assert "<Dial" not in answered.text
    assert (await h.say(tenant, call_sid, 1, "Hi, it's the pharmacy, call us back.")).status_code
    await _recorded_twice(h, tenant, call_sid, seconds=7)
    return call_sid


def _around_now(zone: str) -> QuietHours:
    now = datetime.now(UTC).astimezone(ZoneInfo(zone))
    starts, ends = now - timedelta(hours=1), now + timedelta(hours=1)

    def minute(at: datetime) -> time:
        return at.time().replace(second=0, microsecond=0)

    return QuietHours(minute(starts), minute(ends), zone)


def test_a_voicemail_in_quiet_hours_is_texted_once_when_they_end(settings: Settings) -> None:
    """Not during the quiet hours, but at their end in the tenant's zone, exactly once, by a
    runtime started after the one that took the voicemail (the row is the durable record)."""
    zone = "America/Vancouver"  # not the platform's default zone: the tenant's own counts
    hours = _around_now(zone)
    own = unique_caller()

    async def voicemail() -> tuple[str, datetime]:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            await h.add_person(tenant, own_number=own, language="en-US")
            await h.runtime.blocklist.preferences.set_quiet_hours(tenant.slug, hours)
            await _quiet_voicemail(h, tenant)
            await h.runtime.jobs.deliver(tenant.slug)
            assert [m for m in h.sender.sent if m["to"] == own] == []  # not in quiet hours
            tables = bind_tables(h.runtime.storage.engine(tenant.slug))
            [row] = await tables.Notice.select().run()
            end = hours.end_after(datetime.now(UTC))
            assert row["status"] == "pending"
            assert row["next_attempt_at"].astimezone(UTC) == end
            # The tenant's delivery job is told to wake then.
            wake = await h.runtime.notices.tenant_pass(tenant, NoticePass(), datetime.now(UTC))
            assert wake == end
            return tenant.slug, end

    async def after_restart(slug: str, end: datetime) -> None:
        async with harness(settings) as h:
            tenant = await h.runtime.registry.get(slug)
            assert tenant is not None
            notices = h.runtime.notices
            early = await notices.tenant_pass(tenant, NoticePass(), end - timedelta(seconds=1))
            assert early == end
            assert h.sender.sent == []
            for _ in range(2):  # two jobs at the end of quiet hours: one text
                await notices.tenant_pass(tenant, NoticePass(), end)
            [text] = [m for m in h.sender.sent if m["to"] == own]
            assert "missed call" in text["body"].lower()
            tables = bind_tables(h.runtime.storage.engine(tenant.slug))
            [row] = await tables.Notice.select().run()
            assert (row["status"], row["message_sid"]) == ("sent", text["sid"])

    slug, end = asyncio.run(voicemail())
    asyncio.run(after_restart(slug, end))


def test_quiet_hours_end_in_their_zone_today_or_tomorrow() -> None:
    night = parse_quiet_hours("22:00", "07:00", "America/Toronto")
    evening = datetime(2026, 3, 7, 23, 30, tzinfo=ZoneInfo("America/Toronto"))
    # The night spans the spring-forward change: 07:00 EDT is 11:00 UTC (not 12:00).
    assert night.end_after(evening) == datetime(2026, 3, 8, 11, 0, tzinfo=UTC)
    early = datetime(2026, 3, 9, 6, 0, tzinfo=ZoneInfo("America/Toronto"))
    assert night.end_after(early) == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)


def test_no_own_number_no_text_and_it_is_said(
    sqlite_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with harness(sqlite_settings) as h:
            tenant = await h.add_tenant()
            await h.add_person(tenant, own_number="", language="en-US")
            await _missed(h, tenant, ("Hi, call me back.",))
            await h.runtime.jobs.deliver(tenant.slug)
            contacts = {c.number for c in tenant.contacts}
            assert [m for m in h.sender.sent if m["to"] not in contacts] == []
            tables = bind_tables(h.runtime.storage.engine(tenant.slug))
            [row] = await tables.Notice.select().run()
            assert row["status"] == "skipped"

    logger = logging.getLogger("runtime.alerts.notices")  # the app's logging does not propagate
    logger.addHandler(caplog.handler)
    try:
        asyncio.run(scenario())
    finally:
        logger.removeHandler(caplog.handler)
    assert "gave no own mobile number" in caplog.text


@pytest.mark.parametrize("lang", ["fr-CA", "en-US"])
@pytest.mark.parametrize("verdict", ["scam", "suspicious", "legit", None])
def test_the_text_fits_two_gsm7_segments(lang: str, verdict: str | None) -> None:
    body = missed_call_body(
        lang=lang,
        caller="+14385550123",
        caller_name="Société Générale de Crédit du Québec et de l'Ontario",
        at=datetime(2026, 12, 1, 23, 5, tzinfo=UTC),
        verdict=verdict,
        marker="#M12-abcdef",
        region="QC",
    )
    encoding, segments = sms_segments(body)
    assert encoding == "GSM-7"
    assert segments <= MAX_SEGMENTS
    assert "18:05" in body  # Montréal's time, not UTC
    assert "Verdict" in body
    assert "#M12-abcdef" in body
