"""The person's missed-call text: their app did not answer, the caller left a voicemail; the
person's own mobile number gets one text (in their language) saying who called, what Ethiq
made of it and that a message was left, however often Twilio retries the ``<Record>`` action."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from runtime.alerts.messages import MAX_SEGMENTS, missed_call_body, sms_segments
from runtime.people.tables import Person
from runtime.settings import Settings
from runtime.storage import bind_table, bind_tables
from runtime.telephony import paths
from runtime.tenants import TenantRecord
from tests.runtime.helpers import SCAM_LINES_FR, Harness, harness, unique_caller


async def _person(h: Harness, tenant: TenantRecord, own_number: str, language: str) -> None:
    person = bind_table(Person, h.runtime.storage.platform_engine())
    now = datetime.now(UTC)
    await person.insert(
        person(
            slug=tenant.slug,
            email=f"{tenant.slug}@example.org",
            language=language,
            own_number=own_number,
            created_at=now,
            updated_at=now,
        )
    ).run()


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
    record = {
        "AccountSid": tenant.subaccount_sid,
        "CallSid": call_sid,
        "CallStatus": "completed",
        "RecordingSid": "RE" + "2" * 32,
        "RecordingDuration": "12",
        "Digits": "hangup",
    }
    for _ in range(2):
        done = await h.webhook(
            paths.VOICEMAIL, record, tenant.auth_token, query=f"tenant={tenant.slug}"
        )
        assert done.status_code == 200
    return call_sid


def test_a_voicemail_texts_the_person_once_in_their_language(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            own = unique_caller()
            await _person(h, tenant, own, "fr-CA")
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


def test_no_own_number_no_text_and_it_is_said(
    sqlite_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with harness(sqlite_settings) as h:
            tenant = await h.add_tenant()
            await _person(h, tenant, "", "en-US")
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
