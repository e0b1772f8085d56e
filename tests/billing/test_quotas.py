"""Quota notices and overage, as the worker runs them: the 80 % and 100 % notices reach the
person (SMS to their own number, else email, in their language) and the operator (an incident),
once per period each; over quota a call is still connected; last month's overage is absorbed or
billed at Stripe (stripe-mock); the metering and the KYC purge are periodic jobs of the worker."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from procrastinate.periodic import PeriodicDeferrer

from runtime.billing import Accounts
from runtime.billing.jobs import METER, PURGE_KYC
from runtime.billing.lifecycle import Phase
from runtime.billing.quotas import CANCELED, PAYMENT, SUSPENDED, Crossing
from runtime.calls.tables import bind_tables
from runtime.email import Mail
from runtime.privacy.tables import ErasureRequest
from runtime.settings import BillingSettings, Settings
from runtime.storage.bind import bind_table
from runtime.telephony import paths
from runtime.tenants import TenantRecord
from tests.runtime.helpers import (
    Harness,
    harness,
    make_settings,
    make_tenant,
    parse_twiml,
    sid,
    unique_caller,
)
from tests.servers import Server

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@dataclass
class FakeMailer:
    sent: list[Mail] = field(default_factory=list)

    async def send(self, mail: Mail) -> str:
        self.sent.append(mail)
        return f"<{len(self.sent)}@mail.test>"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, stripe_mock: str
) -> Settings:
    if request.param == "postgres":
        base = make_settings(
            request.getfixturevalue("postgres").url, request.getfixturevalue("redis").url
        )
    else:
        base = make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite")
    return _with_stripe(base, stripe_mock)


def _with_stripe(settings: Settings, stripe_mock: str) -> Settings:
    billing = BillingSettings(stripe_api_key="sk_test_" + "x" * 24, stripe_api_base_url=stripe_mock)
    return settings.model_copy(update={"billing": billing})


async def _screened(h: Harness, tenant: TenantRecord, minutes: int, at: datetime) -> None:
    t = bind_tables(h.runtime.storage.engine(tenant.slug))
    await t.Call.insert(
        t.Call(
            sid=sid("CA"),
            from_number=unique_caller(),
            to_number=tenant.phone_number,
            direction="inbound",
            started_at=at,
            duration=minutes * 60,
        )
    )


def test_notices_once_per_period_to_person_and_operator_and_overage_settled(
    settings: Settings,
) -> None:
    mailer = FakeMailer()

    async def scenario() -> None:
        async with harness(settings, mailer=mailer) as h:
            solo = await h.add_tenant(make_tenant(language="fr-CA"))
            family = await h.add_tenant(make_tenant(language="en-US"))
            own_number = unique_caller()
            await h.add_person(solo, language="fr-CA", own_number=own_number)
            await h.add_person(family, language="en-US", own_number="")  # no own number: email
            accounts = Accounts(h.runtime.storage)
            await accounts.open(solo.slug, f"cus_{solo.slug}", "solo")  # 600 min, absorbed
            await accounts.open(family.slug, f"cus_{family.slug}", "family")  # 2000, billed
            await _screened(h, solo, 500, NOW - timedelta(days=10))
            await _screened(h, family, 2100, NOW - timedelta(days=3))
            quotas = h.runtime.quotas

            await quotas.meter(NOW)
            [eighty] = await quotas.notices(solo.slug)
            assert (eighty.metric, eighty.threshold, eighty.channel, eighty.status) == (
                "screened_minutes",
                80,
                "sms",
                "sent",
            )
            [sms] = h.sender.sent
            assert sms["to"] == own_number
            assert sms["from"] == solo.phone_number
            assert "vous avez utilisé 500 de vos 600 minutes" in sms["body"]
            assert sms["body"].endswith(f"Ref #q{eighty.id}")
            # Twilio's status callback, as for alerts: the notice shows delivered.
            receipt = {
                "AccountSid": solo.subaccount_sid,
                "MessageSid": sms["sid"],
                "MessageStatus": "delivered",
            }
            query = f"tenant={solo.slug}"
            response = await h.webhook(paths.SMS_STATUS, receipt, solo.auth_token, query=query)
            assert response.status_code == 204
            assert [n.status for n in await quotas.notices(solo.slug)] == ["delivered"]
            assert [n.threshold for n in await quotas.notices(family.slug)] == [80, 100]
            assert [m.to for m in mailer.sent] == [f"{family.slug}@example.org"] * 2
            assert mailer.sent[1].language == "en-US"
            assert "Each extra minute is billed 2 cents." in mailer.sent[1].text
            assert "still connected and screened" in mailer.sent[1].text
            incidents = await h.runtime.fleet.incidents.recent()
            mine = [i for i in incidents if solo.slug in i.title or family.slug in i.title]
            assert len(mine) == 3
            assert all(i.source == "quota" and i.open for i in mine)

            # The next run (every 15 minutes) finds the same usage: nothing is told twice.
            await quotas.meter(NOW + timedelta(minutes=15))
            assert len(h.sender.sent) == 1
            assert len(mailer.sent) == 2
            assert len(await h.runtime.fleet.incidents.recent()) == len(incidents)

            # Past the limit: the 100 % notice, and the next call still rings and is screened.
            await _screened(h, solo, 110, NOW)
            await quotas.meter(NOW + timedelta(minutes=30))
            assert [n.threshold for n in await quotas.notices(solo.slug)] == [80, 100]
            limit = h.sender.sent[-1]["body"]
            assert "limite de votre forfait: 610 minutes" in limit
            assert "restent connectés et filtrés" in limit
            assert "sans frais" in limit
            _, response = await h.call(solo)
            root = parse_twiml(response.text)
            assert root.find("Start/Transcription") is not None
            assert root.find("Dial") is not None

            # December: November is closed, its overage absorbed (solo) or billed (family).
            december = datetime(2026, 12, 2, 0, 10, tzinfo=UTC)
            await quotas.meter(december)
            await quotas.meter(december + timedelta(minutes=15))
            periods = {p["period"]: p for p in await quotas.periods(solo.slug)}
            assert sorted(periods) == ["2026-10", "2026-11", "2026-12"]  # October: nothing
            solo_nov, solo_dec = periods["2026-11"], periods["2026-12"]
            assert (solo_nov["period"], solo_nov["closed"], solo_nov["rule"]) == (
                "2026-11",
                True,
                "absorb",
            )
            assert (solo_nov["overage_minutes"], solo_nov["amount_cents"]) == (10, 0)
            assert solo_nov["invoice_item"] == ""
            assert (solo_dec["period"], solo_dec["closed"]) == ("2026-12", False)
            [family_nov] = [
                p for p in await quotas.periods(family.slug) if p["period"] == "2026-11"
            ]
            assert (family_nov["closed"], family_nov["rule"]) == (True, "bill")
            assert (family_nov["overage_minutes"], family_nov["amount_cents"]) == (100, 200)
            assert str(family_nov["invoice_item"]).startswith("ii_")  # Stripe's invoice item

    asyncio.run(scenario())


@pytest.mark.services
def test_metering_and_kyc_purge_are_periodic_jobs_of_the_worker(
    stripe_mock: str, postgres: Server, redis: Server
) -> None:
    """On PostgreSQL, as `ethiq worker` runs them: procrastinate's tables hold the jobs."""
    settings = _with_stripe(make_settings(postgres.url, redis.url), stripe_mock)

    async def scenario() -> None:
        async with harness(settings, mailer=FakeMailer()) as h:
            jobs = h.runtime.jobs
            periodic = {
                key: task
                for key, task in jobs.app.periodic_registry.periodic_tasks.items()
                if key[0] in (METER, PURGE_KYC)
            }
            assert {k: t.cron for k, t in periodic.items()} == {
                (METER, "metering"): settings.worker.metering,
                (PURGE_KYC, "kyc-purge"): settings.worker.kyc_purge,
            }
            tenant = await h.add_tenant()
            await h.add_person(tenant, language="fr-CA", own_number=unique_caller())
            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            await accounts.record_verification(
                tenant.slug, "vs_old", "verified", datetime.now(UTC) - timedelta(days=40)
            )
            await _screened(h, tenant, 600, datetime.now(UTC))
            # One tick of the periodic deferrer, then a worker runs what it queued.
            await jobs.open()
            tick = int(datetime.now(UTC).timestamp())
            await PeriodicDeferrer(jobs.app.periodic_registry).defer_jobs(
                [(task, tick) for task in periodic.values()]
            )
            await jobs.app.run_worker_async(
                queues=jobs.queues, wait=False, install_signal_handlers=False
            )
            notices = await h.runtime.quotas.notices(tenant.slug)
            assert [(n.threshold, n.status) for n in notices] == [(80, "sent"), (100, "sent")]
            account = await accounts.get(tenant.slug)
            assert account is not None
            assert (account.verification_id, account.kyc_status) == ("", "verified")

    asyncio.run(scenario())


def test_a_failed_payment_is_told_first_and_alerts_are_suspended_only_after(
    tmp_path: Path, stripe_mock: str
) -> None:
    settings = _with_stripe(make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite"), stripe_mock)
    mailer = FakeMailer()

    async def scenario() -> None:
        async with harness(settings, mailer=mailer) as h:
            tenant = await h.add_tenant(make_tenant(language="en-US"))
            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            quotas = h.runtime.quotas
            failed = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
            # What a past_due webhook records (test_webhooks.py), at a known time.
            await accounts._lifecycle(tenant.slug, "past_due", failed)
            late = failed + timedelta(days=settings.billing.payment_grace_days, hours=1)
            # Nobody to tell (no person recorded yet): past the grace, alerts stay on.
            await quotas.meter(failed + timedelta(hours=1))
            standing = await quotas.standing(tenant.slug, late)
            assert standing is not None
            assert (standing.phase, standing.alerts) == (Phase.GRACE, True)
            assert mailer.sent == []
            # The person's record arrives; a new grace period (paid, then failed again).
            await accounts._lifecycle(tenant.slug, "active", failed)
            again = failed + timedelta(days=1)
            await accounts._lifecycle(tenant.slug, "past_due", again)
            await h.add_person(tenant, language="en-US", own_number="")
            await quotas.meter(again + timedelta(hours=1))
            [mail] = mailer.sent
            assert "payment failed" in mail.text
            assert "by 2026-11-18" in mail.text  # 14 days after it fell due
            assert "still be connected and screened" in mail.text
            during = await quotas.standing(tenant.slug, again + timedelta(days=13))
            assert during is not None
            assert (during.phase, during.alerts, during.calls_connected) == (
                Phase.GRACE,
                True,
                True,
            )
            after = await quotas.standing(tenant.slug, again + timedelta(days=15))
            assert after is not None
            assert (after.phase, after.alerts, after.keep_number) == (
                Phase.ALERTS_SUSPENDED,
                False,
                True,
            )
            await quotas.meter(again + timedelta(days=2))
            assert len(mailer.sent) == 1  # told once per grace period
            recent = await h.runtime.fleet.incidents.recent()
            incidents = [i for i in recent if i.source == "billing"]
            assert [tenant.slug in i.title for i in incidents] == [True, True]
            # Canceled: the number is kept for the retention period, then its release is due.
            await accounts._lifecycle(tenant.slug, "canceled", again)
            kept = await quotas.standing(tenant.slug, again + timedelta(days=29))
            gone = await quotas.standing(tenant.slug, again + timedelta(days=31))
            assert kept is not None
            assert gone is not None
            assert (kept.phase, kept.keep_number) == (Phase.RETAINED, True)
            assert (gone.phase, gone.keep_number) == (Phase.RELEASE_DUE, False)
            # The person asked for erasure after canceling, and it was done: the release is
            # due at once, on the pages too (they read this standing).
            erasures = bind_table(ErasureRequest, h.runtime.storage.platform_engine())
            asked = again + timedelta(days=1)
            await erasures.insert(
                erasures(
                    slug=tenant.slug,
                    state="pending",
                    requested_by="person",
                    requested_at=asked,
                )
            )
            pending = await quotas.standing(tenant.slug, again + timedelta(days=2))
            assert pending is not None
            assert pending.phase is Phase.RETAINED  # not done yet
            await erasures.update({erasures.state: "done", erasures.done_at: asked}).where(
                erasures.slug == tenant.slug
            )
            early = await quotas.standing(tenant.slug, again + timedelta(days=2))
            assert early is not None
            assert (early.phase, early.keep_number, early.until) == (
                Phase.RELEASE_DUE,
                False,
                None,
            )
            [shown] = await quotas.overviews([tenant.slug], again + timedelta(days=2))
            assert shown.standing.phase is Phase.RELEASE_DUE  # the operator page's row

    asyncio.run(scenario())


def test_a_suspension_notice_paid_before_it_went_out_is_not_sent(
    tmp_path: Path, stripe_mock: str
) -> None:
    """Recorded once the grace was over, the notice would be false once the card was updated
    (a retry later, say): it is dropped, not sent late."""
    settings = _with_stripe(make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite"), stripe_mock)

    async def scenario() -> None:
        async with harness(settings, mailer=FakeMailer()) as h:
            tenant = await h.add_tenant()
            own = unique_caller()
            await h.add_person(tenant, language="fr-CA", own_number=own)
            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            failed = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
            await accounts._lifecycle(tenant.slug, "past_due", failed)
            quotas = h.runtime.quotas
            await quotas.meter(failed)  # the payment notice
            crossing = Crossing("2026-11-03", SUSPENDED, 0, 0, 14)
            recorded = await quotas.record(tenant.slug, crossing, "stripe")
            assert recorded is not None
            await accounts._lifecycle(tenant.slug, "active", failed + timedelta(days=15))
            assert await quotas.deliver(failed + timedelta(days=15)) == 0
            assert [m for m in h.sender.sent if "sont suspendues" in m["body"]] == []
            [notice] = [n for n in await quotas.notices(tenant.slug) if n.metric == SUSPENDED]
            assert notice.status == "skipped"

    asyncio.run(scenario())


def test_a_payment_notice_paid_before_it_went_out_is_not_sent(
    tmp_path: Path, stripe_mock: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Recorded when the payment failed, its delivery delayed (a retry later, say) until the
    card was updated: "update your card" would be false, so it is dropped and logged, not sent
    late; a payment failing again on another day is a new notice."""
    settings = _with_stripe(make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite"), stripe_mock)

    async def scenario() -> None:
        async with harness(settings, mailer=FakeMailer()) as h:
            tenant = await h.add_tenant()
            own = unique_caller()
            await h.add_person(tenant, language="fr-CA", own_number=own)
            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            failed = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
            await accounts._lifecycle(tenant.slug, "past_due", failed)  # as the webhook
            quotas = h.runtime.quotas
            grace = settings.billing.payment_grace_days
            crossing = Crossing("2026-11-03", PAYMENT, 0, 0, grace)
            assert await quotas.record(tenant.slug, crossing, "stripe") is not None
            await accounts._lifecycle(tenant.slug, "active", failed + timedelta(hours=2))
            # The app's logging config replaces the root's handlers: listen on the module's.
            told = logging.getLogger("runtime.billing.quotas")
            told.addHandler(caplog.handler)
            try:
                assert await quotas.deliver(failed + timedelta(hours=3)) == 0
            finally:
                told.removeHandler(caplog.handler)
            assert [m for m in h.sender.sent if m["to"] == own] == []
            [notice] = await quotas.notices(tenant.slug)
            assert notice.status == "skipped"
            assert f"quota notice {notice.key} not sent" in caplog.text
            # Failed again two days later: that grace period's notice goes, the old one not.
            again = failed + timedelta(days=2)
            await accounts._lifecycle(tenant.slug, "past_due", again)
            await quotas.meter(again + timedelta(hours=1))
            [text] = [m["body"] for m in h.sender.sent if m["to"] == own]
            assert "d'ici le 2026-11-19" in text
            standing = await quotas.standing(tenant.slug, again + timedelta(days=grace, hours=1))
            assert standing is not None
            assert standing.phase is Phase.ALERTS_SUSPENDED  # told: the suspension may start

    asyncio.run(scenario())


def test_the_payment_notice_names_the_suspension_in_the_tenants_time_zone(
    tmp_path: Path, stripe_mock: str
) -> None:
    """Fallen due at 03:00 UTC, 22:00 the day before in Quebec: alerts would be suspended at
    22:00 on the 17th there, not "by the 18th" (the UTC day)."""
    settings = _with_stripe(make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite"), stripe_mock)

    async def scenario() -> None:
        async with harness(settings, mailer=FakeMailer()) as h:
            tenant = await h.add_tenant(make_tenant(language="en-US", region="QC"))
            own = unique_caller()
            await h.add_person(tenant, language="en-US", own_number=own)
            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            failed = datetime(2026, 11, 4, 3, 0, tzinfo=UTC)
            await accounts._lifecycle(tenant.slug, "past_due", failed)
            await h.runtime.quotas.meter(failed + timedelta(hours=1))
            [text] = [m["body"] for m in h.sender.sent if m["to"] == own]
            assert "update your card by 2026-11-17 at 22:00" in text
            assert "2026-11-18" not in text
            [notice] = await h.runtime.quotas.notices(tenant.slug)
            assert notice.key == f"{tenant.slug}:2026-11-04:{PAYMENT}:0"  # the key: UTC day

    asyncio.run(scenario())


def test_a_payment_notice_sent_past_its_grace_says_alerts_are_suspended_now_once(
    tmp_path: Path, stripe_mock: str
) -> None:
    """Recorded in time, sent only once the grace was over (its delivery delayed): it names no
    day already gone, it says the alerts are suspended from now on; the suspension notice the
    next run records then tells the operator, not the person a second time."""
    settings = _with_stripe(make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite"), stripe_mock)

    async def scenario() -> None:
        async with harness(settings, mailer=FakeMailer()) as h:
            tenant = await h.add_tenant(make_tenant(region="QC"))
            own = unique_caller()
            await h.add_person(tenant, language="fr-CA", own_number=own)
            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            failed = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
            await accounts._lifecycle(tenant.slug, "past_due", failed)
            quotas = h.runtime.quotas
            grace = settings.billing.payment_grace_days
            recorded = await quotas.record(
                tenant.slug, Crossing("2026-11-03", PAYMENT, 0, 0, grace), "stripe"
            )
            assert recorded is not None
            late = failed + timedelta(days=grace, hours=2)
            assert await quotas.deliver(late) == 1
            [text] = [m["body"] for m in h.sender.sent if m["to"] == own]
            assert "suspendues dès maintenant" in text
            assert "d'ici le" not in text
            assert "2026-11-17" not in text
            standing = await quotas.standing(tenant.slug, late)
            assert standing is not None
            assert standing.phase is Phase.ALERTS_SUSPENDED
            await quotas.meter(late + timedelta(hours=1))
            assert [m["body"] for m in h.sender.sent if m["to"] == own] == [text]
            [suspended] = [n for n in await quotas.notices(tenant.slug) if n.metric == SUSPENDED]
            assert (suspended.status, suspended.incident is not None) == ("skipped", True)

    asyncio.run(scenario())


def test_an_export_offer_going_out_past_the_retention_is_dropped(
    tmp_path: Path, stripe_mock: str
) -> None:
    """Recorded while the number was kept, its delivery delayed past the retention: "kept
    until" a day gone would be false (the release is due), so it is not sent."""
    settings = _with_stripe(make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite"), stripe_mock)
    mailer = FakeMailer()

    async def scenario() -> None:
        async with harness(settings, mailer=mailer) as h:
            tenant = await h.add_tenant()
            await h.add_person(tenant, language="fr-CA", own_number="")
            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            canceled = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
            await accounts._lifecycle(tenant.slug, "canceled", canceled)
            quotas = h.runtime.quotas
            days = settings.billing.number_retention_days
            crossing = Crossing("2026-11-03", CANCELED, 0, 0, days)
            assert await quotas.record(tenant.slug, crossing, "stripe") is not None
            assert await quotas.deliver(canceled + timedelta(days=days, hours=1)) == 0
            assert mailer.sent == []
            [notice] = await quotas.notices(tenant.slug)
            assert notice.status == "skipped"

    asyncio.run(scenario())
