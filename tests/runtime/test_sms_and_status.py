"""Incoming SMS (contacts' consent) and call status callbacks (the call log)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from infra.tenant_config import PERSON_NAME_MAX
from runtime.alerts import keyword_kind
from runtime.alerts.keywords import ADVANCED_OPT_OUT, advanced_opt_out
from runtime.alerts.messages import sms_segments
from runtime.alerts.tables import ConsentKind, bind_tables
from runtime.settings import Settings
from runtime.telephony import paths
from tests.runtime.helpers import harness, make_tenant, parse_twiml, sid, unique_caller


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("OUI", ConsentKind.CONSENT),
        ("yes please", ConsentKind.CONSENT),
        ("Oui.", ConsentKind.CONSENT),
        ("STOP", ConsentKind.WITHDRAW),
        ("arrêt", ConsentKind.WITHDRAW),
        ("ARRET", ConsentKind.WITHDRAW),
        ("aide", ConsentKind.HELP),
        ("HELP", ConsentKind.HELP),
        ("bonjour", None),
        ("", None),
    ],
)
def test_keywords(body: str, kind: ConsentKind | None) -> None:
    assert keyword_kind(body) == kind


def test_consent_replies_are_recorded_and_answered_in_the_contacts_language(
    settings: Settings,
) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            marie, john = tenant.contacts  # fr-CA, en-US

            async def text(sender: str, body: str) -> str:
                params = {
                    "MessageSid": sid("SM"),
                    "AccountSid": tenant.subaccount_sid,
                    "From": sender,
                    "To": tenant.phone_number,
                    "Body": body,
                }
                response = await h.webhook(paths.SMS, params, tenant.auth_token)
                assert response.status_code == 200
                return parse_twiml(response.text).findtext("Message") or ""

            assert "Merci" in await text(marie.number, "Oui")
            # Twilio answers its own keywords (YES, STOP, HELP …): recorded, never answered twice.
            assert await text(john.number, "YES") == ""
            assert "ne recevrez plus" in await text(marie.number, "ARRÊT")
            assert await text(john.number, "HELP") == ""
            assert "fraud" in await text(john.number, "AIDE")
            assert "Reply YES" in await text(john.number, "what is this?")
            assert "pas inscrit" in await text(unique_caller(), "OUI")  # not a contact
            t = bind_tables(h.runtime.storage.engine(tenant.slug))
            rows: list[dict[str, Any]] = await t.Consent.select().order_by(t.Consent.id)
            assert [r["kind"] for r in rows] == ["consent", "consent", "withdraw", "help", "help"]
            assert all(r["at"] is not None for r in rows)

    asyncio.run(scenario())


def test_status_callbacks_complete_the_call_out_of_order(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            call_sid, _ = await h.call(tenant)

            async def status(name: str, sequence: int, **extra: str) -> None:
                params = {
                    "CallSid": call_sid,
                    "AccountSid": tenant.subaccount_sid,
                    "From": unique_caller(),
                    "To": tenant.phone_number,
                    "CallStatus": name,
                    "SequenceNumber": str(sequence),
                    "Timestamp": "Wed, 25 Nov 2026 14:03:20 +0000",
                    **extra,
                }
                response = await h.webhook(paths.CALL_STATUS, params, tenant.auth_token)
                assert response.status_code == 204

            await status("completed", 2, CallDuration="42")
            await status("in-progress", 1)  # late: must not reopen the call
            t = bind_tables(h.runtime.storage.engine(tenant.slug))
            call = await t.Call.select().where(t.Call.sid == call_sid).first()
            assert call is not None
            assert (call["status"], call["duration"]) == ("completed", 42)
            assert call["ended_at"].isoformat().startswith("2026-11-25T14:03:20")

    asyncio.run(scenario())


def test_twilios_optouttype_decides_consent_for_a_tenant_on_a_messaging_service(
    settings: Settings,
) -> None:
    """With Advanced Opt-Out, Twilio answers the keyword and says what it did (``OptOutType``):
    the record follows Twilio's block, in French and English, and the runtime stays silent."""

    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant(make_tenant(messaging_service_sid=sid("MG")))
            marie, john = tenant.contacts  # fr-CA, en-US

            async def text(sender: str, body: str, opt_out_type: str = "") -> str:
                params = {
                    "MessageSid": sid("SM"),
                    "AccountSid": tenant.subaccount_sid,
                    "MessagingServiceSid": tenant.messaging_service_sid,
                    "From": sender,
                    "To": tenant.phone_number,
                    "Body": body,
                } | ({"OptOutType": opt_out_type} if opt_out_type else {})
                response = await h.webhook(paths.SMS, params, tenant.auth_token)
                assert response.status_code == 200
                return parse_twiml(response.text).findtext("Message") or ""

            assert await text(marie.number, "OUI", "START") == ""  # Twilio's reply only
            assert await text(marie.number, "ARRÊT", "STOP") == ""
            # Not the whole body: Twilio did not lift its block, so nothing is recorded as
            # consent and the contact learns what Twilio needs.
            assert "START" in await text(marie.number, "Oui merci")
            assert await text(john.number, "STOP please") != ""  # not Twilio's: the app answers
            assert "Reply YES" not in await text(john.number, "YES please")  # never blocked
            t = bind_tables(h.runtime.storage.engine(tenant.slug))
            rows: list[dict[str, Any]] = await t.Consent.select().order_by(t.Consent.id)
            assert [(r["kind"], r["body"]) for r in rows] == [
                ("consent", "OUI"),
                ("withdraw", "ARRÊT"),
                ("withdraw", "STOP please"),
                ("consent", "YES please"),
            ]

    asyncio.run(scenario())


def test_the_advanced_opt_out_replies_fit_two_gsm7_segments() -> None:
    """The replies an operator enters in the Console (Twilio sends them): cheap and unbroken,
    with the longest name a tenant may give its person."""
    for language in (*ADVANCED_OPT_OUT, *advanced_opt_out("W" * PERSON_NAME_MAX)):
        assert set(language.replies) == set(language.keywords) == set(ConsentKind)
        for reply in language.replies.values():
            encoding, segments = sms_segments(reply)
            assert (encoding, segments <= 2) == ("GSM-7", True), (language.language, reply)
