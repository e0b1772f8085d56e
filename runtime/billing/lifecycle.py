"""Where a tenant's subscription stands, from what Stripe's webhooks recorded.

Stripe retries a failed payment (Smart Retries) and marks the subscription ``past_due``, then
``unpaid`` or ``canceled`` as the Dashboard's settings say
(https://docs.stripe.com/billing/subscriptions/overview#subscription-statuses). Ethiq answers:

- **grace**: from the first ``past_due``, ``ETHIQ_PAYMENT_GRACE_DAYS`` (14) with everything on;
  the person is told at once (a ``payment`` notice, :mod:`runtime.billing.quotas`);
- **alerts suspended** after the grace, and only once that notice was sent: a person is never
  cut off without having been told. Calls are still connected and screened (safety first);
- **retained**: a canceled subscription keeps its number ``ETHIQ_NUMBER_RETENTION_DAYS`` (30),
  calls still connected, time to export the data or come back; then its **release is due**
  (a reviewed change to the stack: numbers are protected, never released by a webhook).
  The retention is kept for the person, not by law: a person who asked for the erasure of
  their history after canceling, once it is done, has said they are not coming back, and
  the release is due at once (docs/privacy.md, "Early release").

**Texts to the person** follow the alerts (:func:`texts_person`, the one place that decides):
when the standing suspends alerts to the contacts, it also stops the texts that are part of
the paid service, the missed-call notice of a call Ethiq did not find risky and the 80 %/100 %
usage notices. Two kinds still go: the notices about the subscription itself (the payment
notice, which announces the suspension and without which it never starts, and the notice
that it has begun: the contacts are no longer alerted), and, for safety,
the missed-call notice of a voicemail screened as a ``scam``: it is the person's own warning
about a call they did not answer, as the spoken warning is on a call they answer, and the
screening of calls never stops. Texts the person asks for (a sign-in link) or gets at
enrolment are not a tenant's service and are not read here.

:func:`standing` is a pure function of the recorded dates, so every reader (the metering job,
the pages, the operator) computes the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from runtime.billing.accounts import Account

__all__ = ["PersonText", "Phase", "Standing", "standing", "texts_person"]


class Phase(StrEnum):
    ACTIVE = "active"
    GRACE = "grace"
    ALERTS_SUSPENDED = "alerts_suspended"
    RETAINED = "retained"
    RELEASE_DUE = "release_due"


class PersonText(StrEnum):
    """What a text to the protected person is about."""

    SUBSCRIPTION = "subscription"  # the subscription itself: a failed payment, the suspension
    MISSED_CALL = "missed-call"  # a call that reached voicemail
    USAGE = "usage"  # 80 % or 100 % of a plan's limit


@dataclass(frozen=True, slots=True)
class Standing:
    phase: Phase
    until: datetime | None  # when the phase ends by itself (grace, retention)
    alerts: bool  # whether alerts go to the contacts
    keep_number: bool  # whether the number must stay bought

    @property
    def calls_connected(self) -> bool:
        """Always: no billing state ever drops a call (until the number is released)."""
        return True


def standing(
    account: Account,
    now: datetime,
    *,
    grace: timedelta,
    retention: timedelta,
    notified: bool,
    erased_at: datetime | None = None,
) -> Standing:
    """The account's phase at ``now``; ``notified``: the payment notice of the current
    grace period was sent to the person; ``erased_at``: when the person asked for the
    erasure of their history, by the latest erasure request carried out."""
    if account.canceled_at is not None:
        end = account.canceled_at + retention
        if now < end and (erased_at is None or erased_at < account.canceled_at):
            return Standing(Phase.RETAINED, end, alerts=False, keep_number=True)
        return Standing(Phase.RELEASE_DUE, None, alerts=False, keep_number=False)
    if account.past_due_since is not None:
        end = account.past_due_since + grace
        if now < end or not notified:
            return Standing(Phase.GRACE, end, alerts=True, keep_number=True)
        return Standing(Phase.ALERTS_SUSPENDED, None, alerts=False, keep_number=True)
    return Standing(Phase.ACTIVE, None, alerts=True, keep_number=True)


def texts_person(found: Standing | None, kind: PersonText, *, scam: bool = False) -> bool:
    """Whether a text of ``kind`` goes to the person under the standing ``found`` (``None``:
    no billing account, everything on); ``scam``: the missed call was screened a scam."""
    if found is None or found.alerts or kind is PersonText.SUBSCRIPTION:
        return True
    return kind is PersonText.MISSED_CALL and scam
