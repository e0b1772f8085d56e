"""Stripe webhooks: signed as Stripe signs them, applied once, refused when forged or stale."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import stripe
from anyio.from_thread import BlockingPortal
from litestar import Litestar
from litestar.datastructures import State
from litestar.testing import TestClient

from runtime.billing import Accounts
from runtime.billing.plans import TERMS_VERSION
from runtime.people.onboarding import identity_issue
from runtime.settings import Settings
from runtime.storage import store_for_url
from runtime.tenants.crypto import generate_key
from runtime.web.app import create_app
from runtime.web.state import billing_standing
from runtime.web.stripe_webhooks import SIGNATURE_HEADER, StripeWebhooks
from tests.servers import Server

SECRET = "whsec_test_secret"  # noqa: S105 (a test signing secret)
WAITING = "acme-kyc"  # the account of the waiting and failed sessions' tests


def _signed(
    event: dict[str, Any], *, secret: str = SECRET, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and header Stripe sends: ``t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<body>")``."""
    body = json.dumps(event).encode()
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return body, {SIGNATURE_HEADER: f"t={timestamp},v1={digest.hexdigest()}"}


def _event(event_id: str, event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "api_version": "2025-01-27",
        "created": int(time.time()),
        "data": {"object": obj},
    }


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[TestClient[Litestar], Accounts]]:
    store = store_for_url(f"sqlite:///{tmp_path}/ethiq.sqlite")
    asyncio.run(store.ensure_platform())
    accounts = Accounts(store)
    litestar = Litestar(
        [StripeWebhooks],
        state=State({"stripe_webhook_secret": SECRET, "billing_accounts": accounts}),
    )
    with TestClient(litestar) as client, client.portal() as portal:
        portal.call(accounts.open, "acme", "cus_acme", "solo")
        client.app.state.portal = portal
        yield client, accounts


def _account(client: TestClient[Litestar], accounts: Accounts) -> Any:
    return client.app.state.portal.call(accounts.get, "acme")


def test_identity_then_terms_allow_activation(app: tuple[TestClient[Litestar], Accounts]) -> None:
    client, accounts = app
    assert not _account(client, accounts).may_activate
    body, headers = _signed(
        _event(
            "evt_1",
            "identity.verification_session.verified",
            {
                "id": "vs_1",
                "object": "identity.verification_session",
                "status": "verified",
                "metadata": {"tenant": "acme"},
            },
        )
    )
    response = client.post("/stripe/webhook", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "applied"}
    account = _account(client, accounts)
    assert (account.kyc_status, account.verification_id) == ("verified", "vs_1")
    assert not account.may_activate  # terms not accepted yet
    client.app.state.portal.call(accounts.accept_terms, "acme", "2026-12", datetime.now(UTC))
    assert _account(client, accounts).may_activate


def test_terms_accepted_on_checkout_are_recorded_with_their_version(
    app: tuple[TestClient[Litestar], Accounts],
) -> None:
    client, accounts = app
    session = {
        "id": "cs_1",
        "object": "checkout.session",
        "client_reference_id": "acme",
        "subscription": "sub_1",
        "metadata": {"tenant": "acme", "terms_version": TERMS_VERSION},
        "consent": {"terms_of_service": "accepted"},
    }
    before = datetime.now(UTC)
    body, headers = _signed(_event("evt_c1", "checkout.session.completed", session))
    assert client.post("/stripe/webhook", content=body, headers=headers).status_code == 200
    account = _account(client, accounts)
    assert account.terms_version == TERMS_VERSION
    assert account.terms_accepted_at is not None
    assert account.terms_accepted_at >= before.replace(microsecond=0)
    assert account.subscription_id == "sub_1"
    assert not account.may_activate  # identity not verified yet


def test_a_checkout_without_consent_records_no_terms(
    app: tuple[TestClient[Litestar], Accounts],
) -> None:
    client, accounts = app
    session = {
        "id": "cs_2",
        "object": "checkout.session",
        "client_reference_id": "acme",
        "metadata": {"tenant": "acme", "terms_version": TERMS_VERSION},
        "consent": None,
    }
    body, headers = _signed(_event("evt_c2", "checkout.session.completed", session))
    assert client.post("/stripe/webhook", content=body, headers=headers).status_code == 200
    assert _account(client, accounts).terms_version == ""


def test_a_retried_event_is_applied_once(app: tuple[TestClient[Litestar], Accounts]) -> None:
    client, accounts = app
    subscription = {
        "id": "sub_1",
        "object": "subscription",
        "status": "active",
        "metadata": {"tenant": "acme"},
        "items": {"data": [{"price": {"metadata": {"plan": "family"}}}]},
    }
    body, headers = _signed(_event("evt_2", "customer.subscription.updated", subscription))
    assert client.post("/stripe/webhook", content=body, headers=headers).json() == {
        "status": "applied"
    }
    # A later change, then Stripe retries the first event: the retry changes nothing.
    later = subscription | {"status": "past_due"}
    body2, headers2 = _signed(_event("evt_3", "customer.subscription.updated", later))
    client.post("/stripe/webhook", content=body2, headers=headers2)
    assert client.post("/stripe/webhook", content=body, headers=headers).json() == {
        "status": "duplicate"
    }
    account = _account(client, accounts)
    assert (account.plan, account.subscription_status) == ("family", "past_due")


def test_the_subscription_lifecycle_is_recorded_from_its_statuses(
    app: tuple[TestClient[Litestar], Accounts],
) -> None:
    """A failed payment starts the grace period once (a repeat keeps its date), a paid one
    ends it, a cancellation starts the number's retention."""
    client, accounts = app
    subscription = {"id": "sub_1", "object": "subscription", "metadata": {"tenant": "acme"}}

    def status(event_id: str, value: str, kind: str = "updated") -> Any:
        event = _event(event_id, f"customer.subscription.{kind}", subscription | {"status": value})
        body, headers = _signed(event)
        assert client.post("/stripe/webhook", content=body, headers=headers).status_code == 200
        return _account(client, accounts)

    assert status("evt_l1", "active").past_due_since is None
    first = status("evt_l2", "past_due").past_due_since
    assert first is not None
    assert status("evt_l3", "unpaid").past_due_since == first  # the same unpaid period
    assert status("evt_l4", "active").past_due_since is None  # paid: grace over
    canceled = status("evt_l5", "canceled", kind="deleted")
    assert (canceled.subscription_status, canceled.canceled_at is not None) == ("canceled", True)


def test_a_verification_event_records_the_sessions_own_status(
    app: tuple[TestClient[Litestar], Accounts],
) -> None:
    """The account takes the status from the session the event carries, not the event's name:
    ``created`` is a session waiting for the person (``requires_input``), and an event carrying
    no session status (a thin event) changes nothing."""
    client, accounts = app
    session: dict[str, Any] = {"id": "vs_5", "object": "identity.verification_session"}
    session["metadata"] = {"tenant": "acme"}
    kind = "identity.verification_session."
    created = session | {"status": "requires_input", "last_error": None}
    assert _deliver(client, "evt_s1", kind + "created", created, 30) == "applied"
    assert (_account(client, accounts).kyc_status, _account(client, accounts).verification_id) == (
        "requires_input",
        "vs_5",
    )
    processing = session | {"status": "processing"}
    assert _deliver(client, "evt_s2", kind + "processing", processing, 20) == "applied"
    assert _account(client, accounts).kyc_status == "processing"
    assert _deliver(client, "evt_s3", kind + "verified", session, 10) == "ignored"
    assert _account(client, accounts).kyc_status == "processing"
    assert not _account(client, accounts).may_activate
    verified = session | {"status": "verified"}
    assert _deliver(client, "evt_s3", kind + "verified", verified, 10) == "applied"
    assert _account(client, accounts).kyc_status == "verified"


def _waiting_and_failed_sessions(
    client: TestClient[Litestar],
    portal: BlockingPortal,
    accounts: Accounts,
    session: dict[str, Any],
) -> None:
    """``requires_input`` is Stripe's status for a session just made, waiting for the person,
    and for a check that failed: the session's ``last_error`` tells them apart. The account
    keeps its code ("" for none, "unknown" for an error without one), never its free-text
    reason; the person's page reads it (``identity_issue``): a waiting session is no failure.
    On an account of its own (the PostgreSQL database is the module's)."""
    portal.call(accounts.open, WAITING, f"cus_{WAITING}", "solo")
    session = session | {"metadata": {"tenant": WAITING}}
    get = partial(portal.call, accounts.get, WAITING)
    standing = partial(portal.call, billing_standing(accounts), WAITING)
    kind = "identity.verification_session."
    reason = "The selfie did not match the photo on the document."
    waiting = session | {"status": "requires_input", "last_error": None}
    assert _deliver(client, "evt_w1", kind + "created", waiting, 40) == "applied"
    assert (get().kyc_status, get().kyc_error, get().awaits_person) == ("requires_input", "", True)
    assert identity_issue(standing()) == ""  # "verify your identity", not "did not succeed"

    failed = waiting | {"last_error": {"code": "selfie_face_mismatch", "reason": reason}}
    assert _deliver(client, "evt_w2", kind + "requires_input", failed, 30) == "applied"
    assert (get().kyc_status, get().kyc_error, get().awaits_person) == (
        "requires_input",
        "selfie_face_mismatch",
        False,
    )
    assert identity_issue(standing()) == "requires_input_selfie"
    assert reason not in repr(get())

    no_code = waiting | {"last_error": {"code": None, "reason": reason}}
    assert _deliver(client, "evt_w3", kind + "requires_input", no_code, 20) == "applied"
    assert get().kyc_error == "unknown"
    assert identity_issue(standing()) == "requires_input"  # the general "did not succeed"

    processing = session | {"status": "processing", "last_error": None}
    assert _deliver(client, "evt_w4", kind + "processing", processing, 10) == "applied"
    assert (get().kyc_status, get().kyc_error) == ("processing", "")
    assert identity_issue(standing()) == "processing"


def _stripe_session(stripe_mock: str) -> dict[str, Any]:
    """A VerificationSession as Stripe's own mock makes it (the shape events carry)."""
    client = stripe.StripeClient(
        "sk_test_123", base_addresses={"api": stripe_mock}, max_network_retries=0
    )
    made = client.v1.identity.verification_sessions.create(
        {"type": "document", "metadata": {"tenant": WAITING}}
    )
    return made.to_dict()


def test_a_new_session_waits_for_the_person_and_only_a_failed_check_says_so(
    app: tuple[TestClient[Litestar], Accounts], stripe_mock: str
) -> None:
    client, accounts = app
    session = _stripe_session(stripe_mock)
    _waiting_and_failed_sessions(client, client.app.state.portal, accounts, session)


def test_a_new_session_and_a_failed_check_on_postgresql(postgres: Server, stripe_mock: str) -> None:
    """The same through the runtime's app on PostgreSQL (its migrated ``kyc_error``)."""
    with _on_postgresql(postgres) as (client, portal, accounts):
        _waiting_and_failed_sessions(client, portal, accounts, _stripe_session(stripe_mock))


@pytest.mark.parametrize(
    ("secret", "age_s"),
    [("whsec_someone_else", 0), (SECRET, 3600)],
    ids=["forged", "replayed an hour later"],
)
def test_forged_or_stale_events_are_refused(
    app: tuple[TestClient[Litestar], Accounts], secret: str, age_s: int
) -> None:
    client, accounts = app
    event = _event(
        "evt_4",
        "identity.verification_session.verified",
        {
            "id": "vs_9",
            "object": "identity.verification_session",
            "status": "verified",
            "metadata": {"tenant": "acme"},
        },
    )
    body, headers = _signed(event, secret=secret, at=int(time.time()) - age_s)
    response = client.post("/stripe/webhook", content=body, headers=headers)
    assert response.status_code == 400
    assert _account(client, accounts).kyc_status == "none"
    # Nothing was recorded either: the genuine event still applies.
    body, headers = _signed(event)
    assert client.post("/stripe/webhook", content=body, headers=headers).json() == {
        "status": "applied"
    }


@contextmanager
def _on_postgresql(postgres: Server) -> Iterator[tuple[TestClient[Any], BlockingPortal, Accounts]]:
    """The runtime's own app on PostgreSQL (its billing tables migrate with the registry), with
    the account of tenant ``acme`` opened on the solo plan."""
    settings = Settings.from_env(
        {
            "DATABASE_URL": postgres.url,
            "ETHIQ_REGISTRY_KEY": generate_key(),
            "STRIPE_WEBHOOK_SECRET": SECRET,
            "ETHIQ_OUTBOX_WORKER": "0",
        }
    )
    with TestClient(create_app(settings)) as client, client.portal() as portal:
        accounts: Accounts = client.app.state.billing_accounts
        portal.call(accounts.open, "acme", "cus_acme", "solo")
        yield client, portal, accounts


def test_the_runtime_serves_stripe_webhooks_on_postgresql(postgres: Server) -> None:
    """The runtime's own app, on PostgreSQL: the billing tables migrate with the registry."""
    with _on_postgresql(postgres) as (client, portal, accounts):
        body, headers = _signed(
            _event(
                "evt_pg",
                "identity.verification_session.requires_input",
                {
                    "id": "vs_2",
                    "object": "identity.verification_session",
                    "status": "requires_input",
                    "metadata": {"tenant": "acme"},
                },
            )
        )
        assert client.post("/stripe/webhook", content=body, headers=headers).json() == {
            "status": "applied"
        }
        assert client.post("/stripe/webhook", content=body, headers=headers).json() == {
            "status": "duplicate"
        }
        account = portal.call(accounts.get, "acme")
        assert account is not None
        assert account.kyc_status == "requires_input"
        assert not account.may_activate


def _deliver(
    client: TestClient[Litestar], event_id: str, event_type: str, obj: dict[str, Any], age_s: int
) -> str:
    """Deliver (signed now) an event Stripe made ``age_s`` seconds ago."""
    event = _event(event_id, event_type, obj)
    event["created"] = int(time.time()) - age_s
    body, headers = _signed(event)
    response = client.post("/stripe/webhook", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def _late_events_change_nothing(client: TestClient[Litestar], get: Callable[[], Any]) -> None:
    """Stripe does not deliver events in order: an hour-old ``past_due``, delivered after the
    ``active`` that followed it, neither suspends the person's payment nor starts a grace
    period; an old ``requires_input`` does not undo a verification."""
    subscription = {"id": "sub_1", "object": "subscription", "metadata": {"tenant": "acme"}}
    assert (
        _deliver(
            client,
            "evt_o1",
            "customer.subscription.updated",
            subscription | {"status": "active"},
            0,
        )
        == "applied"
    )
    late = subscription | {"status": "past_due"}
    assert _deliver(client, "evt_o2", "customer.subscription.updated", late, 3600) == "applied"
    assert (get().subscription_status, get().past_due_since) == ("active", None)
    # Received all the same: its retry is a duplicate.
    assert _deliver(client, "evt_o2", "customer.subscription.updated", late, 3600) == "duplicate"
    # A newer one still applies.
    _deliver(client, "evt_o3", "customer.subscription.updated", late, -1)
    assert get().subscription_status == "past_due"
    assert get().past_due_since is not None

    session = {
        "id": "vs_1",
        "object": "identity.verification_session",
        "metadata": {"tenant": "acme"},
    }
    verified, failed = session | {"status": "verified"}, session | {"status": "requires_input"}
    _deliver(client, "evt_o4", "identity.verification_session.verified", verified, 0)
    _deliver(client, "evt_o5", "identity.verification_session.requires_input", failed, 600)
    assert (get().kyc_status, get().verification_id) == ("verified", "vs_1")


def _redaction_keeps_the_evidence(
    client: TestClient[Litestar], get: Callable[[], Any], forget: Callable[[str], Any]
) -> None:
    """The purge forgets a redacted session's id; Stripe's ``redacted`` event that follows
    neither brings it back nor changes the status and its date (so no new verification is
    sent to a person already verified). Redacted elsewhere (the Dashboard), the id goes too."""
    session = {
        "id": "vs_1",
        "object": "identity.verification_session",
        "metadata": {"tenant": "acme"},
    }
    _deliver(
        client,
        "evt_r1",
        "identity.verification_session.verified",
        session | {"status": "verified"},
        0,
    )
    verified_at = get().kyc_updated_at
    forget("vs_1")
    _deliver(
        client,
        "evt_r2",
        "identity.verification_session.redacted",
        session | {"status": "verified"},
        0,
    )
    account = get()
    assert (account.kyc_status, account.verification_id) == ("verified", "")
    assert account.kyc_updated_at == verified_at

    other = session | {"id": "vs_2", "status": "verified"}
    _deliver(client, "evt_r3", "identity.verification_session.verified", other, -1)
    _deliver(client, "evt_r4", "identity.verification_session.redacted", other, -1)
    assert (get().kyc_status, get().verification_id) == ("verified", "")


def test_events_delivered_late_change_nothing(app: tuple[TestClient[Litestar], Accounts]) -> None:
    client, accounts = app
    _late_events_change_nothing(client, lambda: _account(client, accounts))
    # An operator's in-person check is not undone by a Stripe event older than it.
    portal = client.app.state.portal
    portal.call(accounts.record_verification, "acme", "operator:ann", "verified", datetime.now(UTC))
    session = {
        "id": "vs_3",
        "object": "identity.verification_session",
        "status": "canceled",
        "metadata": {"tenant": "acme"},
    }
    _deliver(client, "evt_o6", "identity.verification_session.canceled", session, 60)
    assert (_account(client, accounts).kyc_status, _account(client, accounts).verification_id) == (
        "verified",
        "operator:ann",
    )


def test_a_redacted_verification_keeps_its_status(
    app: tuple[TestClient[Litestar], Accounts],
) -> None:
    client, accounts = app
    _redaction_keeps_the_evidence(
        client,
        lambda: _account(client, accounts),
        lambda session: client.app.state.portal.call(accounts.forget_verification, "acme", session),
    )


def test_late_and_redacted_events_on_postgresql(postgres: Server) -> None:
    """The same, on PostgreSQL through the runtime's app (its migrated tables)."""
    with _on_postgresql(postgres) as (client, portal, accounts):
        get = partial(portal.call, accounts.get, "acme")
        _late_events_change_nothing(client, get)
        _redaction_keeps_the_evidence(
            client, get, lambda session: portal.call(accounts.forget_verification, "acme", session)
        )
