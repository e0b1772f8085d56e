"""Transcription events: idempotent, screened as they come, one warning, alerts with the verdict."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from runtime.alerts.tables import bind_tables
from runtime.calls.service import TRANSCRIPTION_RESTARTS
from runtime.settings import Settings
from runtime.telephony import paths
from runtime.tenants import TenantRecord
from tests.runtime.helpers import PUBLIC, SCAM_LINES_FR, Harness, harness, sid


async def consent_all(h: Harness, tenant: TenantRecord) -> None:
    for contact, word in zip(tenant.contacts, ("OUI", "YES"), strict=False):
        params = {
            "MessageSid": sid("SM"),
            "AccountSid": tenant.subaccount_sid,
            "From": contact.number,
            "To": tenant.phone_number,
            "Body": word,
        }
        assert (await h.webhook(paths.SMS, params, tenant.auth_token)).status_code == 200


async def rows(h: Harness, tenant: TenantRecord) -> dict[str, list[dict[str, Any]]]:
    t = bind_tables(h.runtime.storage.engine(tenant.slug))
    return {
        "calls": await t.Call.select().output(load_json=True),
        "segments": await t.Segment.select().order_by(t.Segment.id),
        "verdicts": await t.VerdictEvent.select()
        .order_by(t.VerdictEvent.id)
        .output(load_json=True),
        "alerts": await t.Alert.select().order_by(t.Alert.id),
    }


def test_scam_call_warns_once_and_alerts_the_contacts_in_priority_order(
    settings: Settings,
) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            await consent_all(h, tenant)
            call_sid, _ = await h.call(tenant)
            line1, line2, line3 = SCAM_LINES_FR
            assert (await h.say(tenant, call_sid, 1, line1)).status_code == 204
            await h.say(tenant, call_sid, 1, "Ah bon?", track="outbound_track")
            await h.say(tenant, call_sid, 2, "Il faut agir", final=False)  # partial: stored only
            assert h.updater.announcements == []
            await h.say(tenant, call_sid, 3, line2)
            assert len(h.updater.announcements) == 1  # suspicious: the person is warned, once
            await h.say(tenant, call_sid, 4, line3)
            # Twilio retries: the same events again change nothing.
            for sequence, line in ((3, line2), (4, line3)):
                assert (await h.say(tenant, call_sid, sequence, line)).status_code == 204
            await h.say(
                tenant, call_sid, 5, "Vous avez compris? Les cartes-cadeaux, tout de suite."
            )

            data = await rows(h, tenant)
            [call] = data["calls"]
            assert call["verdict"] == "scam"
            assert len(data["segments"]) == 6  # 5 final (2 tracks) + 1 partial, no duplicate
            # One timeline row at answer, then one per new final segment.
            assert [v["verdict"] for v in data["verdicts"]] == [
                "legit",
                "legit",
                "legit",
                "suspicious",
                "scam",
                "scam",
            ]
            # Announced to the person's participant only; the call itself is never updated.
            assert h.updater.updates == []
            [(slug, conference, label, url)] = h.updater.announcements
            assert (slug, conference, label) == (tenant.slug, f"ethiq-{call_sid}", "person")
            assert url == f"{PUBLIC}{paths.WHISPER}?tenant={tenant.slug}&kind=live"
            # The escalation chain starts with the first contact by priority: John (1).
            [queued] = data["alerts"]
            assert (queued["status"], queued["call"]) == ("pending", call["id"])

            result = await h.runtime.outbox.run_once()
            assert (result.sent, result.failed) == (1, 0)
            [john] = h.sender.sent
            assert john["to"] == tenant.contacts[1].number
            assert "FRAUD ALERT" in john["body"]
            assert "asks for a PIN or password" in john["body"] or "PIN" in john["body"]
            assert (await h.runtime.outbox.run_once()).sent == 0
            # John's phone is unreachable: Twilio says undelivered, Marie (2) is alerted next.
            lost = {
                "MessageSid": john["sid"],
                "AccountSid": tenant.subaccount_sid,
                "MessageStatus": "undelivered",
                "ErrorCode": "30003",
                "To": john["to"],
                "From": tenant.phone_number,
            }
            query = f"tenant={tenant.slug}"
            assert (
                await h.webhook(paths.SMS_STATUS, lost, tenant.auth_token, query=query)
            ).status_code == 204
            assert (await h.runtime.outbox.run_once()).sent == 1
            _, marie = h.sender.sent
            assert marie["to"] == tenant.contacts[0].number
            assert "ALERTE FRAUDE" in marie["body"]
            for message in (john, marie):
                assert message["from"] == tenant.phone_number
                assert message["account"] == tenant.subaccount_sid
                assert call["from_number"] in message["body"]
                assert message["callback"].endswith(f"{paths.SMS_STATUS}?tenant={tenant.slug}")
            assert (await h.runtime.outbox.run_once()).sent == 0
            assert len(h.sender.sent) == 2

    asyncio.run(scenario())


def test_contacts_without_consent_get_no_alert(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            call_sid, _ = await h.call(tenant)
            for n, line in enumerate(SCAM_LINES_FR, 1):
                await h.say(tenant, call_sid, n, line)
            data = await rows(h, tenant)
            assert data["calls"][0]["verdict"] == "scam"
            assert data["alerts"] == []

    asyncio.run(scenario())


def test_session_is_rebuilt_from_stored_segments_after_a_restart(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            call_sid, _ = await h.call(tenant)
            await h.say(tenant, call_sid, 1, SCAM_LINES_FR[0])
            await h.say(tenant, call_sid, 2, SCAM_LINES_FR[1])
        async with harness(settings) as restarted:  # a new process: no session in memory
            await restarted.say(tenant, call_sid, 3, SCAM_LINES_FR[2])
            data = await rows(restarted, tenant)
            last = data["verdicts"][-1]
            assert last["verdict"] == "scam"
            # Evidence from segments fed before the restart still counts.
            assert "vous demande de garder le secret" in last["reasons"]
            assert restarted.updater.announcements == []  # already warned before the restart

    asyncio.run(scenario())


def test_other_events_and_unknown_calls(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            call_sid = sid("CA")  # answered while the database was down: no record yet
            started = {
                "AccountSid": tenant.subaccount_sid,
                "CallSid": call_sid,
                "TranscriptionEvent": "transcription-started",
            }
            response = await h.webhook(
                paths.TRANSCRIPTION, started, tenant.auth_token, query=f"tenant={tenant.slug}"
            )
            assert response.status_code == 204
            assert (await h.say(tenant, call_sid, 1, "Bonjour")).status_code == 204
            data = await rows(h, tenant)
            assert [c["sid"] for c in data["calls"]] == [call_sid]
            assert len(data["segments"]) == 1

    asyncio.run(scenario())


def test_a_transcription_stopped_on_a_live_call_is_restarted_a_bounded_number_of_times(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Twilio's transcription-stopped does not say why: a call Twilio reports ended is left
    alone; on a live one a new transcription is started (same pinned settings, its own
    callback URL), at most ``TRANSCRIPTION_RESTARTS`` times; a restart that fails or is
    refused leaves a metric, an error log and the mark."""

    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            call_sid, _ = await h.call(tenant)
            table = bind_tables(h.runtime.storage.engine(tenant.slug)).Call

            async def degraded() -> str | None:
                row = await table.select(table.degraded).where(table.sid == call_sid).first()
                assert row is not None
                return str(row["degraded"]) if row["degraded"] else None

            # The call ended: its transcription stopped with it.
            assert (await h.stopped(tenant, call_sid)).status_code == 204
            assert h.updater.transcriptions == []
            assert await degraded() is None
            # Live: restarted, numbered 1, 2, then no more.
            h.updater.status = "in-progress"
            for restart in range(TRANSCRIPTION_RESTARTS + 1):
                assert (await h.stopped(tenant, call_sid, restart)).status_code == 204
            urls = [t["status_callback_url"] for t in h.updater.transcriptions]
            assert urls == [
                f"{PUBLIC}{paths.TRANSCRIPTION}?tenant={tenant.slug}&restart={n}"
                for n in range(1, TRANSCRIPTION_RESTARTS + 1)
            ]
            assert {t["speech_model"] for t in h.updater.transcriptions} == {"telephony"}
            assert h.updater.updates == []  # the call's TwiML is never touched
            assert await degraded() == "transcription-stopped"
            assert "is NOT being screened any more" in caplog.text
            # A restart Twilio refuses.
            h.updater.fail_transcriptions = True
            caplog.clear()
            assert (await h.stopped(tenant, call_sid)).status_code == 204
            assert "could not be restarted" in caplog.text
            sample = h.runtime.metrics.registry.get_sample_value
            assert sample("ethiq_transcription_errors_total", {"code": "stopped"}) == 4
            assert sample("ethiq_degraded_answers_total", {"dependency": "transcription"}) == 2

    logger = logging.getLogger("runtime.calls.service")  # the app's logging does not propagate
    logger.addHandler(caplog.handler)
    try:
        asyncio.run(scenario())
    finally:
        logger.removeHandler(caplog.handler)
