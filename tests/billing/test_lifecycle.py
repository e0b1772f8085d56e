"""Where a subscription stands, as a pure function of its recorded dates: the grace period,
alerts suspended only once the person was told, the number kept through the retention."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from runtime.billing.accounts import Account
from runtime.billing.lifecycle import Phase, standing

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
GRACE, RETENTION = timedelta(days=14), timedelta(days=30)
ACCOUNT = Account(
    tenant="acme",
    customer_id="cus_acme",
    plan="solo",
    subscription_id="sub_acme",
    subscription_status="active",
    verification_id="",
    kyc_status="verified",
    kyc_updated_at=None,
    terms_version="2026-11",
    terms_accepted_at=None,
)


def _at(account: Account, now: datetime = NOW, *, notified: bool = True) -> tuple[object, ...]:
    s = standing(account, now, grace=GRACE, retention=RETENTION, notified=notified)
    return s.phase, s.until, s.alerts, s.keep_number, s.calls_connected


def test_an_active_subscription_alerts_and_keeps_its_number() -> None:
    assert _at(ACCOUNT) == (Phase.ACTIVE, None, True, True, True)


def test_a_failed_payment_has_a_grace_then_suspends_alerts_once_the_person_was_told() -> None:
    failed = replace(ACCOUNT, past_due_since=NOW - timedelta(days=3))
    end = NOW + timedelta(days=11)
    assert _at(failed) == (Phase.GRACE, end, True, True, True)
    assert _at(failed, end - timedelta(seconds=1)) == (Phase.GRACE, end, True, True, True)
    assert _at(failed, end) == (Phase.ALERTS_SUSPENDED, None, False, True, True)
    # Never cut off without the notice: the grace lasts until it was sent.
    assert _at(failed, end + timedelta(days=5), notified=False) == (
        Phase.GRACE,
        end,
        True,
        True,
        True,
    )


def test_a_canceled_subscription_keeps_the_number_through_the_retention_then_releases_it() -> None:
    canceled = replace(
        ACCOUNT, past_due_since=NOW - timedelta(days=40), canceled_at=NOW - timedelta(days=29)
    )
    end = NOW + timedelta(days=1)
    assert _at(canceled) == (Phase.RETAINED, end, False, True, True)  # canceled wins over unpaid
    assert _at(canceled, end - timedelta(seconds=1))[0] == Phase.RETAINED
    assert _at(canceled, end) == (Phase.RELEASE_DUE, None, False, False, True)


def test_an_erasure_asked_after_canceling_makes_the_release_due_at_once() -> None:
    """The retention is the person's time to come back: once they asked for the erasure of
    their history after canceling (and it was done), it ends. An erasure asked before the
    cancellation says nothing of it; a running subscription keeps its number whatever."""
    canceled_at = NOW - timedelta(days=3)
    canceled = replace(ACCOUNT, subscription_status="canceled", canceled_at=canceled_at)

    def at(account: Account, erased_at: datetime | None) -> tuple[object, ...]:
        s = standing(
            account, NOW, grace=GRACE, retention=RETENTION, notified=True, erased_at=erased_at
        )
        return s.phase, s.until, s.keep_number

    assert at(canceled, None) == (Phase.RETAINED, canceled_at + RETENTION, True)
    assert at(canceled, canceled_at - timedelta(seconds=1))[0] == Phase.RETAINED
    assert at(canceled, canceled_at) == (Phase.RELEASE_DUE, None, False)
    assert at(canceled, NOW - timedelta(days=1)) == (Phase.RELEASE_DUE, None, False)
    assert at(ACCOUNT, NOW - timedelta(days=1)) == (Phase.ACTIVE, None, True)
