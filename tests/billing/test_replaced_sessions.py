"""Sending the Stripe links again reuses the account's identity session while Stripe has it in
``requires_input`` (retrieved for a fresh link), and replaces one that cannot be reused
(canceled, redacted); the one replaced is never forgotten: kept before the new one is made,
redacted at once at Stripe (stripe-mock validates the call), retried by the purge when Stripe
refuses or the process dies between two steps. Its late events no longer move the account.
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
import stripe

from runtime.billing import Accounts, StripeGateway
from runtime.billing.gateway import VerificationLink
from runtime.billing.jobs import run_kyc_purge
from runtime.billing.retention import REPLACED, purge_kyc
from runtime.billing.start import StartLinks, start_billing
from runtime.storage import store_for_url
from tests.servers import create_database

TENANT = "jeanne-tremblay"
KEEP = timedelta(days=30)


class Crash(Exception):
    """The process dying at a given step (nothing after it runs)."""


class Recording(StripeGateway):
    """stripe-mock keeps no state: the sessions this gateway redacted, each after stripe-mock
    accepted the call; ``fail``/``crash`` make the step named fail once (Stripe refusing, the
    process dying)."""

    def __init__(self, base_url: str) -> None:
        super().__init__("sk_test_123", base_url=base_url)
        self.redacted: list[str] = []
        self.made: list[str] = []
        self.retrieved: list[str] = []
        self.fail = self.crash = ""
        # stripe-mock answers every retrieve with its fixture (a ``verified`` session whose
        # redaction is ``processing``): the status Stripe would have now, set by a test,
        # replaces the one read from it.
        self.at_stripe = ""

    def retrieve_verification(self, session_id: str) -> VerificationLink | None:
        link = super().retrieve_verification(session_id)  # stripe-mock validated the call
        self.retrieved.append(session_id)
        if link is None or not self.at_stripe:
            return link
        return VerificationLink(link.session_id, link.url, self.at_stripe)

    def verify_identity(self, tenant: str, *, return_url: str) -> VerificationLink:
        link = super().verify_identity(tenant, return_url=return_url)
        self.made.append(link.session_id)
        if self.crash == "made":  # made at Stripe, never recorded
            self.crash = ""
            raise Crash
        return link

    def redact_verification(self, session_id: str) -> str:
        if self.crash == "recorded":  # the new one recorded, the old one not redacted yet
            self.crash = ""
            raise Crash
        if self.fail:
            self.fail = ""
            raise stripe.InvalidRequestError(  # type: ignore[no-untyped-call]
                "A VerificationSession in processing status cannot be redacted.", None
            )
        outcome = super().redact_verification(session_id)
        self.redacted.append(session_id)
        return outcome


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "postgres":  # a database per test: each starts with no account
        cluster = request.getfixturevalue("postgres_cluster")
        return create_database(cluster, f"test_{uuid.uuid4().hex[:12]}").url
    return f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite"


@asynccontextmanager
async def _accounts(url: str) -> AsyncIterator[Accounts]:
    store = store_for_url(url)
    try:
        await store.ensure_platform()
        yield Accounts(store)
    finally:
        await store.close()


def _start(gateway: StripeGateway, accounts: Accounts) -> Callable[[], Awaitable[StartLinks]]:
    async def start() -> StartLinks:
        return await start_billing(
            gateway,
            accounts,
            tenant=TENANT,
            email="jeanne@example.org",
            language="fr-CA",
            plan_id="solo",
            return_url="https://ethiq.example/fr",
        )

    return start


async def _session(accounts: Accounts) -> str:
    account = await accounts.get(TENANT)
    assert account is not None
    return account.verification_id


async def _check_failed(accounts: Accounts, session: str, error: str) -> None:
    """What the webhook records: stripe-mock's new sessions come back verified."""
    await accounts.record_verification(
        TENANT, session, "requires_input", datetime.now(UTC), error=error
    )


async def _canceled(accounts: Accounts, session: str) -> None:
    """What ``identity.verification_session.canceled`` records: a session never reused."""
    await accounts.record_verification(TENANT, session, "canceled", datetime.now(UTC))


def test_links_sent_again_redact_the_session_they_replace(database: str, stripe_mock: str) -> None:
    gateway = Recording(stripe_mock)

    async def scenario() -> None:
        async with _accounts(database) as accounts:
            start = _start(gateway, accounts)
            await start()
            first = await _session(accounts)
            assert gateway.redacted == []  # nothing replaced yet
            await _canceled(accounts, first)

            await start()  # canceled: a new session
            second = await _session(accounts)
            assert second != first
            assert gateway.redacted == [first]  # at once, not when a purge comes by
            assert await accounts.replaced() == []  # Stripe accepted: forgotten

            await _canceled(accounts, second)
            await start()
            assert gateway.redacted == [first, second]
            assert await accounts.replaced() == []
            assert await _session(accounts) not in {first, second}

    asyncio.run(scenario())


@pytest.mark.parametrize("error", ["", "document_expired", "selfie_face_mismatch"])
def test_links_sent_again_reuse_a_session_stripe_still_has_waiting_for_input(
    database: str, stripe_mock: str, error: str
) -> None:
    """Waiting for the person (no error) or a failed check they may try again: the same session
    (retrieved for a fresh link), nothing made, nothing replaced."""
    gateway = Recording(stripe_mock)

    async def scenario() -> None:
        async with _accounts(database) as accounts:
            start = _start(gateway, accounts)
            await start()
            first = await _session(accounts)
            await _check_failed(accounts, first, error)
            gateway.at_stripe = "requires_input"

            links = await start()
            assert gateway.retrieved == [first]
            assert gateway.made == [first]  # no second session at Stripe
            assert links.verification_status == "requires_input"
            assert await _session(accounts) == first
            assert await accounts.replaced() == []  # no kyc_session row
            assert gateway.redacted == []
            account = await accounts.get(TENANT)
            assert account is not None
            assert (account.kyc_status, account.kyc_error) == ("requires_input", error)

    asyncio.run(scenario())


@pytest.mark.parametrize("at_stripe", ["", "canceled"])
def test_a_session_stripe_no_longer_takes_input_on_is_replaced(
    database: str, stripe_mock: str, at_stripe: str
) -> None:
    """Recorded ``requires_input``, but Stripe's session cannot take the person again: its
    redaction under way (stripe-mock's own answer) or canceled. Retrieved, then replaced as
    before (kept, made, recorded, redacted)."""
    gateway = Recording(stripe_mock)

    async def scenario() -> None:
        async with _accounts(database) as accounts:
            start = _start(gateway, accounts)
            await start()
            first = await _session(accounts)
            await _check_failed(accounts, first, "")
            gateway.at_stripe = at_stripe

            await start()
            assert gateway.retrieved == [first]
            second = await _session(accounts)
            assert second != first
            assert gateway.made == [first, second]
            assert gateway.redacted == [first]
            assert await accounts.replaced() == []

    asyncio.run(scenario())


def test_a_session_stripe_verified_meanwhile_is_recorded_without_a_new_one(
    database: str, stripe_mock: str
) -> None:
    """Its webhook missed: the retrieved ``verified`` session is recorded, no link, nothing
    made or replaced."""
    gateway = Recording(stripe_mock)

    async def scenario() -> None:
        async with _accounts(database) as accounts:
            start = _start(gateway, accounts)
            await start()
            first = await _session(accounts)
            await _check_failed(accounts, first, "")
            gateway.at_stripe = "verified"

            links = await start()
            assert (links.verification_url, links.verification_status) == ("", "verified")
            assert gateway.retrieved == [first]
            assert gateway.made == [first]
            account = await accounts.get(TENANT)
            assert account is not None
            assert (account.verification_id, account.kyc_status) == (first, "verified")
            assert await accounts.replaced() == []

    asyncio.run(scenario())


def test_a_redaction_stripe_refuses_is_logged_kept_and_retried_by_the_purge(
    database: str, stripe_mock: str, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = Recording(stripe_mock)

    async def scenario() -> None:
        async with _accounts(database) as accounts:
            start = _start(gateway, accounts)
            await start()
            first = await _session(accounts)
            await _canceled(accounts, first)
            gateway.fail = "processing"
            with caplog.at_level("ERROR", logger="runtime.billing.retention"):
                await start()  # the new link still goes out
            assert await _session(accounts) != first
            assert f"{TENANT}'s replaced session {first} failed" in caplog.text
            [kept] = await accounts.replaced()
            assert (kept.tenant, kept.verification_id) == (TENANT, first)
            assert kept.last_error.startswith("failed: ")

            now = datetime.now(UTC)
            dry = await purge_kyc(
                accounts, gateway.redact_verification, now=now, keep=KEEP, dry_run=True
            )
            assert [(p.verification_id, p.kyc_status, p.outcome) for p in dry] == [
                (first, REPLACED, "due")
            ]
            done = await purge_kyc(accounts, gateway.redact_verification, now=now, keep=KEEP)
            assert [(p.tenant, p.verification_id, p.kyc_status) for p in done] == [
                (TENANT, first, REPLACED)
            ]
            assert gateway.redacted == [first]
            assert await accounts.replaced() == []
            assert await purge_kyc(accounts, gateway.redact_verification, now=now, keep=KEEP) == []

    asyncio.run(scenario())


@pytest.mark.parametrize("step", ["made", "recorded"])
def test_a_crash_between_two_steps_loses_no_session(
    database: str, stripe_mock: str, step: str
) -> None:
    """``made``: the new session exists at Stripe, the account still points at the old one;
    ``recorded``: the account points at the new one, the old one is not redacted yet."""
    gateway = Recording(stripe_mock)

    async def scenario() -> None:
        async with _accounts(database) as accounts:
            start = _start(gateway, accounts)
            await start()
            first = await _session(accounts)
            await _canceled(accounts, first)
            gateway.crash = step
            with pytest.raises(Crash):
                await start()
            assert gateway.redacted == []
            assert [r.verification_id for r in await accounts.replaced()] == [first]
            assert (await _session(accounts) == first) is (step == "made")

            # The next purge redacts it, whatever the operator does next.
            now = datetime.now(UTC)
            done = await purge_kyc(accounts, gateway.redact_verification, now=now, keep=KEEP)
            assert [(p.verification_id, p.kyc_status) for p in done] == [(first, REPLACED)]
            assert gateway.redacted == [first]
            assert await accounts.replaced() == []

    asyncio.run(scenario())


def test_a_replaced_sessions_late_events_leave_the_account_on_the_newer_one(
    database: str, stripe_mock: str
) -> None:
    gateway = Recording(stripe_mock)

    async def scenario() -> None:
        async with _accounts(database) as accounts:
            start = _start(gateway, accounts)
            await start()
            first = await _session(accounts)
            await _canceled(accounts, first)
            gateway.fail = "unreachable"  # so it stays replaced, not yet redacted
            await start()
            second = await _session(accounts)
            await _check_failed(accounts, second, "")

            # The person opened the first email's link after all: Stripe tells of it.
            late = datetime.now(UTC) + timedelta(seconds=5)
            applied = await accounts.apply_event(
                "evt_old",
                "identity.verification_session.verified",
                TENANT,
                created=late,
                verification_id=first,
                kyc_status="verified",
                kyc_error="",
                kyc_updated_at=late,
            )
            assert applied is True  # received once, changes nothing
            account = await accounts.get(TENANT)
            assert account is not None
            assert (account.verification_id, account.kyc_status) == (second, "requires_input")

            # Stripe's redaction of it (the purge's, or made on the dashboard) forgets it.
            await accounts.apply_event(
                "evt_red",
                "identity.verification_session.redacted",
                TENANT,
                created=late,
                verification_id=first,
            )
            assert await accounts.replaced() == []
            assert await _session(accounts) == second

    asyncio.run(scenario())


def test_the_daily_purge_without_a_key_reports_a_replaced_session_as_due(
    database: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with _accounts(database) as accounts:
            await accounts.open(TENANT, "cus_1", "solo")
            await accounts.replacing(TENANT, "vs_replaced", datetime.now(UTC))
            with caplog.at_level("INFO", logger="runtime.billing.jobs"):
                assert await run_kyc_purge(accounts, None, now=datetime.now(UTC), keep=KEEP) == 0
            [record] = [r for r in caplog.records if r.name == "runtime.billing.jobs"]
            assert record.levelno == logging.ERROR
            assert "1 Stripe verification(s) due" in record.getMessage()

    asyncio.run(scenario())
