"""KYC retention: finished verifications are redacted at Stripe (stripe-mock validates the
call) and forgotten after ETHIQ_KYC_RETENTION_DAYS; the rest is kept; failures are retried."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stripe
from typer.testing import CliRunner

from ethiq.cli import app
from runtime.billing import Accounts, StripeGateway
from runtime.billing.jobs import run_kyc_purge
from runtime.billing.retention import due_for_purge, purge_kyc
from runtime.billing.tables import BillingAccount, KycSession
from runtime.storage import store_for_url
from runtime.storage.bind import bind_table

ETHIQ = Path(sys.executable).parent / "ethiq"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEEP = timedelta(days=30)


def _seed(url: str) -> None:
    async def seed() -> None:
        store = store_for_url(url)
        await store.ensure_platform()
        accounts = Accounts(store)
        for tenant, session, status, age in [
            ("old-verified", "vs_old", "verified", 40),
            ("old-failed", "vs_failed", "requires_input", 31),
            ("recent", "vs_recent", "verified", 10),
            ("checking", "vs_checking", "processing", 90),
            ("in-person", "operator:lise", "verified", 400),  # nothing at Stripe
        ]:
            await accounts.open(tenant, f"cus_{tenant}", "solo")
            error = "document_expired" if tenant == "old-failed" else ""
            await accounts.record_verification(
                tenant, session, status, NOW - timedelta(age), error=error
            )
        await store.close()

    asyncio.run(seed())


def _ids(url: str) -> dict[str, tuple[str, str]]:
    async def read() -> dict[str, tuple[str, str]]:
        store = store_for_url(url)
        try:
            return {
                a.tenant: (a.verification_id, a.kyc_status) for a in await Accounts(store).all()
            }
        finally:
            await store.close()

    return asyncio.run(read())


def test_finished_verifications_are_redacted_once_and_forgotten(
    tmp_path: Path, stripe_mock: str
) -> None:
    url = f"sqlite:///{tmp_path}/ethiq.sqlite"
    _seed(url)
    gateway = StripeGateway("sk_test_123", base_url=stripe_mock)

    async def purge(redact: object) -> list[tuple[str, str]]:
        store = store_for_url(url)
        try:
            done = await purge_kyc(Accounts(store), redact, now=NOW, keep=KEEP)  # type: ignore[arg-type]
        finally:
            await store.close()
        return [(p.tenant, p.outcome) for p in done]

    def refuse(session: str) -> str:
        raise stripe.APIConnectionError("Stripe is unreachable")  # type: ignore[no-untyped-call]

    # Stripe down: nothing is forgotten, so the next run tries again.
    failed = asyncio.run(purge(refuse))
    assert sorted(t for t, _ in failed) == ["old-failed", "old-verified"]
    assert all(outcome.startswith("failed: ") for _, outcome in failed)
    assert _ids(url)["old-verified"] == ("vs_old", "verified")

    done = asyncio.run(purge(gateway.redact_verification))
    assert sorted(t for t, _ in done) == ["old-failed", "old-verified"]
    ids = _ids(url)
    assert ids["old-verified"] == ("", "verified")  # the outcome stays, the pointer goes
    assert ids["old-failed"] == ("", "requires_input")
    assert ids["recent"] == ("vs_recent", "verified")
    assert ids["checking"] == ("vs_checking", "processing")
    assert ids["in-person"] == ("operator:lise", "verified")
    assert asyncio.run(purge(gateway.redact_verification)) == []  # idempotent


def test_the_command_refuses_without_a_key_and_lists_in_a_dry_run(
    tmp_path: Path, stripe_mock: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/ethiq.sqlite"
    _seed(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STRIPE_API_BASE_URL", stripe_mock)
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    runner = CliRunner()
    refused = runner.invoke(app, ["billing", "purge-kyc"])
    assert refused.exit_code == 2
    assert "STRIPE_API_KEY is required" in refused.output
    dry = runner.invoke(app, ["billing", "purge-kyc", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "old-verified\tvs_old\tverified\tdue" in dry.output
    assert "2 verification(s) due" in dry.output
    assert _ids(url)["old-verified"] == ("vs_old", "verified")


def test_the_command_as_documented(tmp_path: Path, stripe_mock: str) -> None:
    url = f"sqlite:///{tmp_path}/ethiq.sqlite"
    _seed(url)
    env = os.environ | {
        "DATABASE_URL": url,
        "STRIPE_API_BASE_URL": stripe_mock,
        "STRIPE_API_KEY": "sk_test_123",
    }
    run = subprocess.run(
        [ETHIQ, "billing", "purge-kyc"], env=env, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "old-verified\tvs_old\tverified\t" in run.stdout
    assert "2 verification(s) redacted" in run.stderr
    assert _ids(url)["old-verified"] == ("", "verified")


def test_an_operator_records_an_in_person_verification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/ethiq.sqlite"
    _seed(url)
    monkeypatch.setenv("DATABASE_URL", url)
    runner = CliRunner()
    unknown = runner.invoke(app, ["billing", "verified-in-person", "nobody", "--operator", "Lise"])
    assert unknown.exit_code == 2
    assert "has no billing account" in unknown.output
    done = runner.invoke(app, ["billing", "verified-in-person", "checking", "--operator", "Lise"])
    assert done.exit_code == 0, done.output
    assert _ids(url)["checking"] == ("operator:Lise", "verified")


def test_the_daily_purge_without_a_stripe_key_skips_quietly_unless_something_is_due(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The embedded default has no Stripe key: one INFO line, no error, unless a Stripe
    verification is actually due (then nobody redacts it: that is an error)."""

    async def scenario() -> None:
        store = store_for_url(f"sqlite:///{tmp_path}/ethiq.sqlite")
        try:
            # Billing's own tables are all this needs (the platform's migrations take seconds).
            for table in (BillingAccount, KycSession):
                await bind_table(table, store.platform_engine()).create_table()
            accounts = Accounts(store)

            async def purge() -> list[tuple[int, str]]:
                caplog.clear()
                with caplog.at_level("INFO", logger="runtime.billing.jobs"):
                    assert await run_kyc_purge(accounts, None, now=NOW, keep=KEEP) == 0
                return [(r.levelno, r.getMessage()) for r in caplog.records]

            await accounts.open("local", "cus_local", "solo")
            await accounts.record_verification("local", "local-setup", "verified", NOW - KEEP * 2)
            [(level, message)] = await purge()
            assert level == logging.INFO
            assert "no Stripe key" in message
            await accounts.open("paid", "cus_paid", "solo")
            await accounts.record_verification("paid", "vs_due", "verified", NOW - KEEP * 2)
            [(level, message)] = await purge()
            assert level == logging.ERROR
            assert "1 Stripe verification(s) due" in message
        finally:
            await store.close()

    asyncio.run(scenario())


def test_a_session_waiting_for_the_person_has_not_ended_and_its_clock_starts_when_it_fails(
    tmp_path: Path, stripe_mock: str
) -> None:
    """``requires_input`` without an error is a session the person has not started: nothing was
    collected, it is not purged however old, and the retention period runs from its failure.
    One recorded before errors were kept (NULL) may be an old failure: it is purged as before."""
    gateway = StripeGateway("sk_test_123", base_url=stripe_mock)

    async def scenario() -> None:
        store = store_for_url(f"sqlite:///{tmp_path}/ethiq.sqlite")
        try:
            await store.ensure_platform()
            accounts = Accounts(store)
            table = bind_table(BillingAccount, store.platform_engine())

            async def due(now: datetime) -> list[str]:
                return [a.tenant for a in due_for_purge(await accounts.all(), now, KEEP)]

            for tenant in ("waiting", "legacy"):
                await accounts.open(tenant, f"cus_{tenant}", "solo")
                made = NOW - timedelta(days=90)
                await accounts.record_verification(tenant, f"vs_{tenant}", "requires_input", made)
            await table.update({table.kyc_error: None}).where(table.tenant == "legacy")
            assert await due(NOW) == ["legacy"]

            failed_at = NOW - timedelta(days=10)
            await accounts.record_verification(
                "waiting", "vs_waiting", "requires_input", failed_at, error="selfie_face_mismatch"
            )
            assert await due(NOW) == ["legacy"]  # failed 10 days ago: 20 more to go
            assert await due(failed_at + KEEP) == ["legacy", "waiting"]

            done = await purge_kyc(accounts, gateway.redact_verification, now=NOW, keep=KEEP)
            assert [(p.tenant, p.kyc_status) for p in done] == [("legacy", "requires_input")]
            ids = {a.tenant: a.verification_id for a in await accounts.all()}
            assert ids == {"legacy": "", "waiting": "vs_waiting"}
        finally:
            await store.close()

    asyncio.run(scenario())
