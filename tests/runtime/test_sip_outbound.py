"""``POST /twilio/sip``: a call placed from the person's SIP app, found by its subaccount,
verified with that subaccount's token, dialled from the tenant's number or refused aloud."""

from __future__ import annotations

import asyncio

from runtime.settings import Settings
from runtime.telephony import paths
from tests.runtime.helpers import harness, parse_twiml, sid


def _outbound(account: str, to: str) -> dict[str, str]:
    return {
        "CallSid": sid("CA"),
        "AccountSid": account,
        "From": "sip:user_acme@acme.sip.twilio.com",
        "To": f"sip:{to}@acme.sip.twilio.com;transport=tls",
    }


def test_a_number_typed_on_the_sip_app_is_dialled_in_e164(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            params = _outbound(tenant.subaccount_sid, "5145550123")
            response = await h.webhook(paths.SIP_OUTBOUND, params, tenant.auth_token)
            assert response.status_code == 200
            root = parse_twiml(response.text)
            assert root.findtext("Dial/Number") == "+15145550123"
            dial = root.find("Dial")
            assert dial is not None
            assert dial.get("callerId") == tenant.phone_number

    asyncio.run(scenario())


def test_a_premium_rate_number_is_refused_aloud_and_hung_up(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            params = _outbound(tenant.subaccount_sid, "19005550123")
            response = await h.webhook(paths.SIP_OUTBOUND, params, tenant.auth_token)
            assert response.status_code == 200
            root = parse_twiml(response.text)
            assert root.find("Dial") is None
            assert root.findtext("Say")
            assert root.find("Hangup") is not None

    asyncio.run(scenario())


def test_an_unknown_subaccount_is_refused_and_counted(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            params = _outbound(sid("AC"), "5145550123")
            response = await h.webhook(paths.SIP_OUTBOUND, params, tenant.auth_token)
            assert response.status_code == 403
            metrics = (await h.client.get("/metrics")).text
            assert 'ethiq_webhooks_rejected_total{endpoint="sip"} 1.0' in metrics

    asyncio.run(scenario())


def test_911_and_the_933_test_number_go_out_from_the_tenants_number(settings: Settings) -> None:
    """Emergency calls pass whatever the tenant's allowed countries say, with the number that
    carries the person's emergency address as caller ID (what the dispatcher sees)."""

    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            for dialled in ("911", "933"):
                params = _outbound(tenant.subaccount_sid, dialled)
                response = await h.webhook(paths.SIP_OUTBOUND, params, tenant.auth_token)
                root = parse_twiml(response.text)
                assert root.findtext("Dial/Number") == dialled
                dial = root.find("Dial")
                assert dial is not None
                assert dial.get("callerId") == tenant.phone_number

    asyncio.run(scenario())
