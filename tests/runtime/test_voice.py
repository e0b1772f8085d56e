"""The voice webhook: routing, signatures, pre-answer screening, TwiML, the call record."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from runtime.alerts.tables import bind_tables
from runtime.settings import Settings
from runtime.telephony import paths
from tests.runtime.helpers import (
    OPERATOR,
    PUBLIC,
    Harness,
    harness,
    parse_twiml,
    sid,
    unique_caller,
    unique_number,
)


async def _calls(h: Harness, slug: str) -> list[dict[str, Any]]:
    tables = bind_tables(h.runtime.storage.engine(slug))
    return list(await tables.Call.select().order_by(tables.Call.id).output(load_json=True))


def test_signed_call_is_screened_transcribed_and_connected(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            caller = unique_caller()
            call_sid, response = await h.call(tenant, caller)
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("application/xml")
            root = parse_twiml(response.text)
            transcription = root.find("Start/Transcription")
            assert transcription is not None
            assert transcription.get("statusCallbackUrl") == (
                f"{PUBLIC}{paths.TRANSCRIPTION}?tenant={tenant.slug}"
            )
            assert transcription.get("languageCode") == "fr-CA"
            assert transcription.get("transcriptionEngine") == "google"  # pinned, not defaults
            assert transcription.get("speechModel") == "telephony"
            # The caller waits in the call's own conference; the person is rung into it.
            assert root.findtext("Dial/Conference") == f"ethiq-{call_sid}"
            assert root.find("Dial").get("action") == (  # type: ignore[union-attr]
                f"{PUBLIC}{paths.DIAL_STATUS}?tenant={tenant.slug}"
            )
            [person] = h.updater.participants
            assert person["conference"] == f"ethiq-{call_sid}"
            assert person["to"] == tenant.sip_address + ";secure=true"
            assert person["from_"] == caller
            assert person["label"] == "person"
            assert person["status_callback"] == (
                f"{PUBLIC}{paths.PARTICIPANT_STATUS}?tenant={tenant.slug}&call={call_sid}"
            )
            [call] = await _calls(h, tenant.slug)
            assert (call["sid"], call["from_number"], call["verdict"]) == (
                call_sid,
                caller,
                "legit",
            )

    asyncio.run(scenario())


def test_missing_or_wrong_signature_is_refused_and_nothing_stored(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            params = {
                "CallSid": sid("CA"),
                "AccountSid": tenant.subaccount_sid,
                "From": unique_caller(),
                "To": tenant.phone_number,
            }
            assert (await h.webhook(paths.VOICE, params, None)).status_code == 403
            assert (await h.webhook(paths.VOICE, params, "not-the-token")).status_code == 403
            # Signed for the internal URL the app sees, not the public one Twilio calls.
            internal = f"http://internal.test:8000{paths.VOICE}"
            bad = await h.webhook(paths.VOICE, params, tenant.auth_token, signed_url=internal)
            assert bad.status_code == 403
            # A valid signature, but the payload claims another account.
            other = {**params, "AccountSid": sid("AC")}
            assert (await h.webhook(paths.VOICE, other, tenant.auth_token)).status_code == 403
            assert await _calls(h, tenant.slug) == []

    asyncio.run(scenario())


def test_unknown_number_is_politely_refused(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            params = {
                "CallSid": sid("CA"),
                "AccountSid": sid("AC"),
                "From": unique_caller(),
                "To": unique_number(),
            }
            response = await h.webhook(paths.VOICE, params, None)
            assert response.status_code == 200
            root = parse_twiml(response.text)
            assert root.find("Say") is not None
            assert root.find("Hangup") is not None
            assert root.find("Dial") is None
            assert (
                'ethiq_calls_total{region="",tenant="",verdict="unknown"} 1.0'
                in (await h.client.get("/metrics")).text
            )

    asyncio.run(scenario())


def test_risky_metadata_warns_before_connecting(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            own = "+15145550123"
            call_sid, response = await h.call(
                tenant, own, ForwardedFrom=own, StirVerstat="TN-Validation-Failed"
            )
            root = parse_twiml(response.text)
            assert root.find("Say") is None  # the caller hears nothing of it
            assert root.findtext("Dial/Conference") == f"ethiq-{call_sid}"  # still connected
            assert h.updater.announcements == []  # nobody to warn until the person answers
            answered = {
                "CallSid": sid("CA"),
                "AccountSid": tenant.subaccount_sid,
                "CallStatus": "in-progress",
            }
            query = f"tenant={tenant.slug}&call={call_sid}"
            await h.webhook(paths.PARTICIPANT_STATUS, answered, tenant.auth_token, query=query)
            # The warning is announced to the person's participant, from a signed runtime URL.
            [(_, conference, label, url)] = h.updater.announcements
            assert (conference, label) == (f"ethiq-{call_sid}", "person")
            assert url.startswith(f"{PUBLIC}{paths.WHISPER}?tenant={tenant.slug}&kind=pre")
            leg = {"CallSid": sid("CA"), "AccountSid": tenant.subaccount_sid}
            said = await h.webhook(paths.WHISPER, leg, tenant.auth_token, query=url.split("?")[1])
            assert said.status_code == 200
            say = parse_twiml(said.text).find("Say")
            assert say is not None
            assert (say.get("language"), say.get("voice")) == ("fr-CA", "Polly.Gabrielle-Neural")
            assert "fraude" in (say.text or "")
            forged = await h.webhook(paths.WHISPER, leg, "not-the-token", query=url.split("?")[1])
            assert forged.status_code == 403
            [call] = await _calls(h, tenant.slug)
            assert (call["verdict"], call["outcome"]) == ("suspicious", "answered")

    asyncio.run(scenario())


def test_person_unreachable_sends_the_caller_to_voicemail(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            call_sid, _ = await h.call(tenant)
            query = f"tenant={tenant.slug}&call={call_sid}"
            missed = {
                "CallSid": sid("CA"),
                "AccountSid": tenant.subaccount_sid,
                "CallStatus": "no-answer",
            }
            await h.webhook(paths.PARTICIPANT_STATUS, missed, tenant.auth_token, query=query)
            [(_, updated, twiml)] = h.updater.updates  # the caller is alone: safe to update
            assert updated == call_sid
            record = parse_twiml(twiml).find("Record")
            assert record is not None
            assert record.get("action") == f"{PUBLIC}{paths.VOICEMAIL}?tenant={tenant.slug}"
            left = {"CallSid": call_sid, "AccountSid": tenant.subaccount_sid}
            done = await h.webhook(
                paths.VOICEMAIL, left, tenant.auth_token, query=f"tenant={tenant.slug}"
            )
            assert parse_twiml(done.text).find("Hangup") is not None
            [call] = await _calls(h, tenant.slug)
            assert call["outcome"] == "voicemail"

    asyncio.run(scenario())


def test_without_a_conference_the_app_is_rung_directly(settings: Settings) -> None:
    """Twilio's REST API unreachable: the call is still connected (<Dial><Sip> with timeout
    and action), marked degraded; an unanswered dial then goes to voicemail."""

    async def scenario() -> None:
        async with harness(settings) as h:
            h.updater.fail_participants = True
            tenant = await h.add_tenant()
            call_sid, response = await h.call(tenant)
            root = parse_twiml(response.text)
            dial = root.find("Dial")
            assert dial is not None
            assert root.findtext("Dial/Sip") == tenant.sip_address + ";secure=true"
            assert dial.get("timeout") == "25"
            assert dial.get("action") == f"{PUBLIC}{paths.DIAL_STATUS}?tenant={tenant.slug}"
            [call] = await _calls(h, tenant.slug)
            assert call["degraded"] == "conference"
            ended = {
                "CallSid": call_sid,
                "AccountSid": tenant.subaccount_sid,
                "CallStatus": "in-progress",
                "DialCallStatus": "busy",
            }
            query = f"tenant={tenant.slug}"
            answer = await h.webhook(paths.DIAL_STATUS, ended, tenant.auth_token, query=query)
            assert parse_twiml(answer.text).find("Record") is not None
            [call] = await _calls(h, tenant.slug)
            assert call["outcome"] == "busy"
            metrics = (await h.client.get("/metrics")).text
            assert 'ethiq_degraded_answers_total{dependency="conference"} 1.0' in metrics

    asyncio.run(scenario())


def test_blocked_caller_is_rejected(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            caller = unique_caller()
            auth = {"Authorization": f"Bearer {OPERATOR}"}
            added = await h.client.post(
                f"/operator/tenants/{tenant.slug}/blocklist", json={"number": caller}, headers=auth
            )
            assert added.status_code == 201, added.text
            _, response = await h.call(tenant, caller)
            root = parse_twiml(response.text)
            assert root.find("Reject") is not None
            assert root.find("Dial") is None
            [call] = await _calls(h, tenant.slug)
            assert call["status"] == "blocked"
            removed = await h.client.delete(
                f"/operator/tenants/{tenant.slug}/blocklist/{caller}", headers=auth
            )
            assert removed.status_code == 204
            _, again = await h.call(tenant, caller)
            assert parse_twiml(again.text).find("Dial") is not None

    asyncio.run(scenario())


def test_caller_reaching_many_tenants_is_counted_across_tenants(settings: Settings) -> None:
    """Velocity alone is a weak signal; with a failed STIR/SHAKEN and a neighbour's number, a
    caller who already reached ten of our people gets the person warned before connecting."""

    async def scenario() -> None:
        async with harness(settings) as h:
            tenants = [await h.add_tenant() for _ in range(10)]
            caller = "+1514555" + unique_caller()[-4:]
            spoof = {"ForwardedFrom": "+15145551234", "StirVerstat": "TN-Validation-Failed"}
            for tenant in tenants:
                await h.call(tenant, caller, **spoof)
            verdicts = [(await _calls(h, t.slug))[0]["verdict"] for t in tenants]
            assert verdicts == ["legit"] * 9 + ["suspicious"]
            [call] = await _calls(h, tenants[-1].slug)
            assert call["verdict"] == "suspicious"
            assert "ce numéro appelle beaucoup de gens" in call["reasons"]

    asyncio.run(scenario())


def test_tenant_a_token_never_opens_tenant_b(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            a, b = await h.add_tenant(), await h.add_tenant()
            call_sid, ok = await h.call(b)
            assert ok.status_code == 200
            # Signed with A's token, addressed to B's number (with A's or B's AccountSid).
            for account in (a.subaccount_sid, b.subaccount_sid):
                params = {
                    "CallSid": sid("CA"),
                    "AccountSid": account,
                    "From": unique_caller(),
                    "To": b.phone_number,
                }
                assert (await h.webhook(paths.VOICE, params, a.auth_token)).status_code == 403
                status = {**params, "CallSid": call_sid, "CallStatus": "completed"}
                assert (await h.webhook(paths.CALL_STATUS, status, a.auth_token)).status_code == 403
                sms = {
                    "MessageSid": sid("SM"),
                    "AccountSid": account,
                    "From": b.contacts[0].number,
                    "To": b.phone_number,
                    "Body": "OUI",
                }
                assert (await h.webhook(paths.SMS, sms, a.auth_token)).status_code == 403
            # A's transcription URL pointed at B's data.
            event = {
                "AccountSid": a.subaccount_sid,
                "CallSid": call_sid,
                "TranscriptionEvent": "transcription-content",
                "Track": "inbound_track",
                "SequenceId": "1",
                "Final": "true",
                "TranscriptionData": '{"transcript": "hello"}',
            }
            forged = await h.webhook(
                paths.TRANSCRIPTION, event, a.auth_token, query=f"tenant={b.slug}"
            )
            assert forged.status_code == 403
            tables = bind_tables(h.runtime.storage.engine(b.slug))
            assert await tables.Segment.count() == 0
            assert await tables.Consent.count() == 0
            [call] = await _calls(h, b.slug)
            assert call["status"] == "ringing"
            assert await _calls(h, a.slug) == []

    asyncio.run(scenario())


def test_fallback_connects_without_screening_and_sip_app_can_call_out(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            caller = unique_caller()
            params = {
                "CallSid": sid("CA"),
                "AccountSid": tenant.subaccount_sid,
                "From": caller,
                "To": tenant.phone_number,
                "ErrorCode": "11200",
            }
            fallback = await h.webhook(paths.VOICE_FALLBACK, params, tenant.auth_token)
            root = parse_twiml(fallback.text)
            assert root.findtext("Dial/Sip") == tenant.sip_address + ";secure=true"
            assert root.find("Start") is None
            assert (await h.webhook(paths.VOICE_FALLBACK, params, None)).status_code == 403
            outbound = {
                "CallSid": sid("CA"),
                "AccountSid": tenant.subaccount_sid,
                "From": f"sip:{tenant.sip_username}@x.sip.twilio.com",
                "To": f"sip:{caller}@x.sip.twilio.com",
            }
            dialed = parse_twiml(
                (await h.webhook(paths.SIP_OUTBOUND, outbound, tenant.auth_token)).text
            )
            assert dialed.findtext("Dial/Number") == caller
            assert dialed.find("Dial").get("callerId") == tenant.phone_number  # type: ignore[union-attr]
            other = await h.add_tenant()
            forged = await h.webhook(paths.SIP_OUTBOUND, outbound, other.auth_token)
            assert forged.status_code == 403

    asyncio.run(scenario())


def test_a_rotated_token_becomes_one_loud_signal(settings: Settings) -> None:
    """Twilio signs with the subaccount's current token; after a rotation every webhook of the
    tenant fails. Each is refused, and the burst is counted and logged once, actionably."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    async def scenario() -> None:
        async with harness(settings) as h:
            handler = Collect(level=logging.ERROR)
            logging.getLogger("runtime.web.twilio_webhooks").addHandler(handler)
            try:
                tenant = await h.add_tenant()
                rotated = "rotated-" + "z" * 24
                for _ in range(7):
                    params = {
                        "CallSid": sid("CA"),
                        "AccountSid": tenant.subaccount_sid,
                        "From": unique_caller(),
                        "To": tenant.phone_number,
                    }
                    assert (await h.webhook(paths.VOICE, params, rotated)).status_code == 403
            finally:
                logging.getLogger("runtime.web.twilio_webhooks").removeHandler(handler)
            metrics = (await h.client.get("/metrics")).text
            assert "ethiq_signature_storms_total 1.0" in metrics
            assert 'ethiq_webhooks_rejected_total{endpoint="voice"} 7.0' in metrics

    asyncio.run(scenario())
    assert len([line for line in lines if "probably rotated" in line]) == 1
