"""The subscription standing on the alert path: past the grace period and once the person was
told, a scam call is still connected and screened but its alerts are not texted (recorded
``suspended``, counted, in the call log); a payment back resumes alerts for new calls only.
The texts to the person follow: the payment notice always goes, a missed call screened a scam
still warns them, the other missed calls and the usage notices wait for the payment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from runtime.alerts.notices import NoticePass
from runtime.alerts.tables import bind_tables
from runtime.billing import Accounts
from runtime.billing.lifecycle import PersonText, Phase, Standing, texts_person
from runtime.billing.quotas import Crossing
from runtime.billing.standings import Standings
from runtime.settings import BillingSettings, Settings
from runtime.tenants import TenantRecord
from tests.billing.test_quotas import FakeMailer
from tests.billing.test_webhooks import SECRET, _event, _signed
from tests.runtime.helpers import (
    OPERATOR,
    SCAM_LINES_FR,
    Harness,
    harness,
    make_settings,
    parse_twiml,
    unique_caller,
)
from tests.runtime.test_missed_call import _missed
from tests.runtime.test_transcription import consent_all

AUTH = {"Authorization": f"Bearer {OPERATOR}"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if request.param == "postgres":
        base = make_settings(
            request.getfixturevalue("postgres").url, request.getfixturevalue("redis").url
        )
    else:
        base = make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite")
    # Contacts never acknowledge here: the deadline is not what this test is about.
    alerts = base.alerts.model_copy(update={"ack_s": 60 * 86_400.0})
    billing = BillingSettings(stripe_webhook_secret=SECRET)
    return base.model_copy(update={"billing": billing, "alerts": alerts})


async def _subscription(h: Harness, tenant: TenantRecord, event_id: str, status: str) -> None:
    """What Stripe sends when the subscription changes (signed as Stripe signs): here on the
    Family plan's price, the account having opened on Solo."""
    obj = {
        "id": f"sub_{tenant.slug}",
        "object": "subscription",
        "status": status,
        "metadata": {"tenant": tenant.slug},
        "items": {"data": [{"price": {"metadata": {"plan": "family"}}}]},
    }
    body, headers = _signed(_event(event_id, "customer.subscription.updated", obj))
    response = await h.client.post("/stripe/webhook", content=body, headers=headers)
    assert response.json() == {"status": "applied"}


async def _scam_call(h: Harness, tenant: TenantRecord) -> str:
    call_sid, answer = await h.call(tenant)
    assert parse_twiml(answer.text).find(".//Dial") is not None  # connected, as always
    for n, line in enumerate(SCAM_LINES_FR, 1):
        await h.say(tenant, call_sid, n, line)
    return call_sid


async def _alerts(h: Harness, tenant: TenantRecord) -> list[dict[str, Any]]:
    t = bind_tables(h.runtime.storage.engine(tenant.slug))
    return list(await t.Alert.select().order_by(t.Alert.id))


def test_alerts_are_suspended_past_the_grace_and_resume_for_new_calls(settings: Settings) -> None:
    mailer = FakeMailer()

    async def scenario() -> None:
        async with harness(settings, mailer=mailer) as h:
            tenant = await h.add_tenant()
            await consent_all(h, tenant)
            await Accounts(h.runtime.storage).open(tenant.slug, f"cus_{tenant.slug}", "solo")
            await h.add_person(tenant)
            await _subscription(h, tenant, f"evt_{tenant.slug}_1", "past_due")
            # During the grace period the alert goes out.
            await _scam_call(h, tenant)
            assert (await h.runtime.outbox.run_once()).sent == 1
            # Past the grace but the person was never told: still on.
            late = datetime.now(UTC) + timedelta(days=settings.billing.payment_grace_days + 1)
            standing = await h.runtime.quotas.standing(tenant.slug, late)
            assert standing is not None
            assert standing.phase is Phase.GRACE
            await h.runtime.quotas.meter(datetime.now(UTC))  # the payment notice, by email
            periods = await h.runtime.quotas.periods(tenant.slug)
            assert {p["plan"] for p in periods} == {"family"}  # the plan Stripe changed to
            assert [m.subject for m in mailer.sent if "paiement" in m.text] == [
                "Ethiq: paiement refusé"
            ]

            suspended_sid = await _scam_call(h, tenant)
            before = len(h.sender.sent)
            result = await h.runtime.outbox.run_once(late)
            assert (result.sent, result.suspended, result.passed_on) == (0, 1, 0)
            assert len(h.sender.sent) == before  # nobody texted
            assert [a["status"] for a in await _alerts(h, tenant)][-1:] == ["suspended"]
            metrics = (await h.client.get("/metrics")).text
            assert 'ethiq_alerts_total{outcome="suspended"} 1.0' in metrics
            calls = await h.client.get(f"/operator/tenants/{tenant.slug}/calls", headers=AUTH)
            [logged] = [c for c in calls.json() if c["sid"] == suspended_sid]
            assert (logged["verdict"], logged["degraded"]) == ("scam", ["alerts-suspended"])
            shown = await h.client.get(f"/operator/tenants/{tenant.slug}/alerts", headers=AUTH)
            assert shown.json()[0]["status"] == "suspended"

            # Paid again: the webhook's process forgets the cached standing at once. The
            # suspended alert is never sent late; a new call alerts again.
            await _subscription(h, tenant, f"evt_{tenant.slug}_2", "active")
            assert (await h.runtime.outbox.run_once(late)).sent == 0
            await _scam_call(h, tenant)
            assert (await h.runtime.outbox.run_once(late)).sent == 1
            statuses = [a["status"] for a in await _alerts(h, tenant)]
            assert statuses.count("suspended") == 1
            assert statuses[-1] == "sent"

    asyncio.run(scenario())


def test_the_standing_is_read_once_per_period_and_fails_open() -> None:
    reads: list[datetime] = []
    now = datetime(2026, 12, 1, tzinfo=UTC)
    grace_end = now + timedelta(seconds=30)
    answer: list[Standing | Exception] = [
        Standing(Phase.GRACE, grace_end, alerts=True, keep_number=True)
    ]

    async def read(slug: str, at: datetime) -> Standing | None:
        reads.append(at)
        value = answer[0]
        if isinstance(value, Exception):
            raise value
        return value

    async def scenario() -> None:
        standings = Standings(read, ttl_s=60)
        assert await standings.alerts_on("acme", now)
        assert await standings.alerts_on("acme", now + timedelta(seconds=29))
        assert len(reads) == 1  # cached
        answer[0] = Standing(Phase.ALERTS_SUSPENDED, None, alerts=False, keep_number=True)
        # The grace period ends before the cache period does: read again on time.
        assert not await standings.alerts_on("acme", grace_end)
        assert len(reads) == 2
        answer[0] = OSError("platform database down")
        standings.forget("acme")
        assert await standings.alerts_on("acme", grace_end)  # unknown: alerts go out

    asyncio.run(scenario())


def test_texts_to_the_person_follow_the_alerts_but_the_notice_and_a_scam_warning_go(
    settings: Settings,
) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            await Accounts(h.runtime.storage).open(tenant.slug, f"cus_{tenant.slug}", "solo")
            own = unique_caller()
            await h.add_person(tenant, own_number=own)
            now = datetime.now(UTC)

            def texts() -> list[str]:
                return [str(m["body"]) for m in h.sender.sent if m["to"] == own]

            await _subscription(h, tenant, f"evt_{tenant.slug}_p", "past_due")
            await h.runtime.quotas.meter(now)  # the payment notice, by SMS: it always goes
            assert [t for t in texts() if "paiement" in t] != []
            late = now + timedelta(days=settings.billing.payment_grace_days + 1)
            standing = await h.runtime.quotas.standing(tenant.slug, late)
            assert standing is not None
            assert standing.phase is Phase.ALERTS_SUSPENDED

            # A missed call Ethiq did not find risky: no text while alerts are suspended.
            before = len(texts())
            await _missed(h, tenant, ("Salut maman, c'est Julie, rappelle-moi ce soir.",))
            result = NoticePass()
            await h.runtime.notices.tenant_pass(tenant, result, late)
            assert (result.sent, result.suspended) == (0, 1)
            assert len(texts()) == before
            # A voicemail screened a scam still warns the person.
            await _missed(h, tenant, SCAM_LINES_FR)
            result = NoticePass()
            await h.runtime.notices.tenant_pass(tenant, result, late)
            assert (result.sent, result.suspended) == (1, 0)
            [warned] = texts()[before:]
            assert "appel manqué" in warned
            assert "fraude probable" in warned
            metrics = h.runtime.metrics.render().decode()
            assert 'ethiq_person_notices_total{outcome="suspended"} 1.0' in metrics

            # A usage notice: the operator hears of it, the person not while suspended.
            crossing = Crossing(late.strftime("%Y-%m"), "alerts", 80, 8, 10)
            recorded = await h.runtime.quotas.record(tenant.slug, crossing, "metering")
            assert recorded is not None
            assert recorded.incident is not None
            assert await h.runtime.quotas.deliver(late) == 0
            assert len(texts()) == before + 1
            [usage] = [
                n for n in await h.runtime.quotas.notices(tenant.slug) if n.metric == "alerts"
            ]
            assert usage.status == "skipped"

    asyncio.run(scenario())


def test_which_texts_to_the_person_a_standing_lets_go() -> None:
    on = Standing(Phase.GRACE, None, alerts=True, keep_number=True)
    off = Standing(Phase.ALERTS_SUSPENDED, None, alerts=False, keep_number=True)
    for kind in PersonText:
        assert texts_person(None, kind)
        assert texts_person(on, kind)
    assert texts_person(off, PersonText.SUBSCRIPTION)
    assert texts_person(off, PersonText.MISSED_CALL, scam=True)
    assert not texts_person(off, PersonText.MISSED_CALL)
    assert not texts_person(off, PersonText.USAGE)
