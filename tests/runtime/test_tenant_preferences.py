"""What a tenant's stack declares about its person reaches the call path: the name alerts give
(``ethiq:personName``) and the countries the SIP app may call (``ethiq:callCountries``)."""

from __future__ import annotations

import asyncio

from runtime.settings import Settings
from runtime.telephony import paths
from tests.runtime.helpers import SCAM_LINES_FR, harness, make_tenant, parse_twiml, sid
from tests.runtime.test_transcription import consent_all


def test_the_registry_keeps_the_name_and_the_countries(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant(
                make_tenant(person_name="Jeanne", call_countries=("FR", "GB"))
            )
            stored = await h.runtime.registry.get(tenant.slug)
            assert stored is not None
            assert (stored.person_name, stored.call_countries) == ("Jeanne", ("FR", "GB"))
            plain = await h.runtime.registry.get((await h.add_tenant()).slug)
            assert plain is not None
            assert (plain.person_name, plain.call_countries) == ("", ())

    asyncio.run(scenario())


def test_alerts_name_the_protected_person(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant(make_tenant(person_name="Jeanne"))
            await consent_all(h, tenant)
            call_sid, _ = await h.call(tenant)
            for n, line in enumerate(SCAM_LINES_FR, 1):
                await h.say(tenant, call_sid, n, line)
            await h.runtime.outbox.run_once()
            john = tenant.contacts[1].number  # first by priority, in English
            [alert] = [m for m in h.sender.sent if m["to"] == john]
            assert "Jeanne got a likely scam call" in alert["body"]
            assert "Call Jeanne" in alert["body"]
            assert "your relative" not in alert["body"]

    asyncio.run(scenario())


def test_the_sip_app_calls_only_the_countries_the_stack_allows(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            abroad = await h.add_tenant(make_tenant(call_countries=("FR",)))
            home = await h.add_tenant()

            async def dial(tenant_sid: str, token: str, number: str) -> str | None:
                params = {
                    "CallSid": sid("CA"),
                    "AccountSid": tenant_sid,
                    "From": "sip:me@x.sip.twilio.com",
                    "To": f"sip:{number}@x.sip.twilio.com",
                }
                answer = await h.webhook(paths.SIP_OUTBOUND, params, token)
                return parse_twiml(answer.text).findtext("Dial/Number")

            paris, london = "+33142685300", "+442071234567"
            assert await dial(abroad.subaccount_sid, abroad.auth_token, paris) == paris
            assert await dial(abroad.subaccount_sid, abroad.auth_token, london) is None
            assert await dial(home.subaccount_sid, home.auth_token, paris) is None

    asyncio.run(scenario())
