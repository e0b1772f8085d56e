"""activation-gate: the rule on a number's activation record, and how the number's provider
fills that record from the tenant's billing account (in-process, SQLite; the engine proof is in
tests/policies/test_pack_engine.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import rpc

from ethiq.local import LOCAL_TERMS, activate_locally
from infra.providers.twilio_number import ACTIVATION, HELD, PhoneNumberProvider
from policies.rules import activation_errors
from policies.values import UNKNOWN
from runtime.billing import Accounts
from runtime.billing.tables import BillingAccount
from runtime.storage import store_for_url
from runtime.storage.bind import bind_table

VERIFIED = {
    "source": "billing_account",
    "kyc_status": "verified",
    "kyc_updated_at": "2026-12-01T10:00:00+00:00",
    "terms_version": "2026-12",
    "terms_accepted_at": "2026-12-01T10:05:00+00:00",
}


def test_a_verified_person_who_accepted_the_terms_may_buy() -> None:
    assert activation_errors("acme", {ACTIVATION: VERIFIED}) == []


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("none", "no identity verification was started"),
        ("requires_input", "failed or needs another try"),
        ("processing", "being processed by Stripe"),
        ("canceled", "canceled or expired: start a new one"),
    ],
)
def test_unverified_identity_is_refused_with_what_to_do(status: str, says: str) -> None:
    [problem] = activation_errors("acme", {ACTIVATION: VERIFIED | {"kyc_status": status}})
    assert "tenant 'acme' may not buy its number before the person's identity is verified " in (
        problem
    )
    assert f"(KYC status {status!r})" in problem
    assert says in problem


@pytest.mark.parametrize(
    ("error", "says"),
    [
        ("", "the person has not verified their identity yet"),
        ("document_expired", "failed (document_expired): the document was not accepted"),
        ("selfie_face_mismatch", "failed (selfie_face_mismatch): the selfie did not match"),
        ("consent_declined", "failed (consent_declined): the person left the verification"),
        ("unknown", "failed (unknown): review the session on Stripe's dashboard"),
    ],
)
def test_a_session_waiting_for_the_person_is_not_told_as_a_failed_check(
    error: str, says: str
) -> None:
    record = VERIFIED | {"kyc_status": "requires_input", "kyc_error": error}
    [problem] = activation_errors("acme", {ACTIVATION: record})
    assert "(KYC status 'requires_input')" in problem
    assert says in problem
    assert ("send them their verification link" in problem) is (error == "")
    assert ("failed or needs another try" in problem) is False


def test_terms_need_a_version_and_a_time() -> None:
    for missing in ("terms_version", "terms_accepted_at"):
        [problem] = activation_errors("acme", {ACTIVATION: VERIFIED | {missing: ""}})
        assert "before the person accepts the terms" in problem


def test_no_account_fails_both_ways() -> None:
    no_account = VERIFIED | {"kyc_status": "none", "terms_version": "", "terms_accepted_at": ""}
    assert len(activation_errors("acme", {ACTIVATION: no_account})) == 2


def test_unknown_in_a_preview_and_held_numbers_pass_a_missing_record_does_not() -> None:
    assert activation_errors("acme", {ACTIVATION: UNKNOWN}) == []
    assert activation_errors("acme", {ACTIVATION: HELD}) == []
    [problem] = activation_errors("acme", {"friendly_name": "ethiq-acme"})
    assert "declares no activation record" in problem


def _news(url: Any) -> dict[str, Any]:
    return {"tenant": "acme", "database_url": url, "friendly_name": "ethiq-acme"}


def test_the_provider_reads_the_account_only_when_buying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path}/ethiq.sqlite"
    provider = PhoneNumberProvider()

    # A database without billing tables yet: no account, nothing written.
    fresh = provider.check({}, _news(url)).inputs[ACTIVATION]
    assert fresh["kyc_status"] == "none"
    assert fresh["terms_version"] == ""
    assert activation_errors("acme", {ACTIVATION: fresh})

    async def failed_verification() -> None:
        store = store_for_url(url)
        await store.ensure_platform()
        accounts = Accounts(store)
        await accounts.open("acme", "cus_1", "solo")
        await accounts.record_verification("acme", "vs_1", "requires_input", datetime.now(UTC))
        await store.close()

    asyncio.run(failed_verification())
    gate = provider.check({}, _news(url)).inputs[ACTIVATION]
    assert (gate["kyc_status"], gate["kyc_error"]) == ("requires_input", "")
    waiting, _terms = activation_errors("acme", {ACTIVATION: gate})
    assert "has not verified their identity yet" in waiting

    async def record(error: str | None) -> None:
        store = store_for_url(url)
        accounts = Accounts(store)
        await accounts.record_verification(
            "acme", "vs_1", "requires_input", datetime.now(UTC), error=error or ""
        )
        if error is None:  # a row from before the error code was kept
            table = bind_table(BillingAccount, store.platform_engine())
            await table.update({table.kyc_error: None}).where(table.tenant == "acme")
        await store.close()

    asyncio.run(record("document_expired"))
    gate = provider.check({}, _news(url)).inputs[ACTIVATION]
    assert gate["kyc_error"] == "document_expired"
    failed, _terms = activation_errors("acme", {ACTIVATION: gate})
    assert "the identity verification failed (document_expired)" in failed
    asyncio.run(record(None))
    gate = provider.check({}, _news(url)).inputs[ACTIVATION]
    assert "kyc_error" not in gate  # unknown: the message names both possibilities
    assert "failed or needs another try" in activation_errors("acme", {ACTIVATION: gate})[0]

    activate_locally(url, ["acme"])
    gate = provider.check({}, _news(url)).inputs[ACTIVATION]
    assert gate["kyc_status"] == "verified"
    assert gate["terms_version"] == LOCAL_TERMS
    assert gate["terms_accepted_at"]
    assert activation_errors("acme", {ACTIVATION: gate}) == []

    # A number already bought keeps its purchase's record; one from before the gate is held.
    olds = _news(url) | {ACTIVATION: gate}
    assert provider.check(olds, _news("postgresql://nowhere")).inputs[ACTIVATION] == gate
    assert provider.check(_news(url), _news(url)).inputs[ACTIVATION] == HELD


def test_a_preview_without_the_database_leaves_it_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    gate = PhoneNumberProvider().check({}, _news(rpc.UNKNOWN)).inputs[ACTIVATION]
    assert gate == rpc.UNKNOWN
