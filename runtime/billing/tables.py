"""Billing's tables in the platform database (schema ``platform`` or the platform file).

One ``billing_account`` per tenant: its Stripe customer, plan and subscription, identity
verification (KYC) and terms acceptance, i.e. what activation is gated on. ``stripe_event``
makes webhook handling idempotent: an event id is applied once, however often Stripe retries.
``kyc_session`` is each identity session a newer one replaced, until Stripe redacts it.
``quota_notice`` is each 80 %/100 % threshold a tenant crossed in a period (from metering or a
Twilio spend Usage Trigger), once per period by its ``key``, and the person's notice about it
(an outbox row: SMS or email, leased like alerts). ``usage_period`` is each month's metered
usage and its overage, absorbed or billed as the plan says, so no overage goes unrecorded.
"""

from __future__ import annotations

from piccolo.columns import Boolean, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.table import Table

__all__ = ["BillingAccount", "KycSession", "QuotaNotice", "StripeEvent", "UsagePeriod"]


class BillingAccount(Table, tablename="billing_account"):
    tenant = Varchar(length=63, unique=True)
    customer_id = Varchar(length=255, unique=True)
    plan = Varchar(length=32)
    subscription_id = Varchar(length=255, default="")
    # Stripe's subscription status (incomplete, trialing, active, past_due, canceled, unpaid...)
    subscription_status = Varchar(length=32, default="none")
    verification_id = Varchar(length=255, default="")
    # Stripe Identity's VerificationSession status: none, requires_input, processing, verified,
    # canceled. Only "verified" lets a stack buy a number.
    kyc_status = Varchar(length=32, default="none")
    kyc_updated_at = Timestamptz(null=True, default=None)
    # Why the check did not succeed: the session's ``last_error.code`` (document_expired,
    # selfie_face_mismatch, abandoned...), "unknown" for an error without a code, "" for none
    # (a ``requires_input`` session then waits for the person to start). NULL: recorded before
    # this was kept (runtime/billing/retention.py and the person's page say how it is read).
    kyc_error = Varchar(length=64, null=True, default=None)
    terms_version = Varchar(length=32, default="")
    terms_accepted_at = Timestamptz(null=True, default=None)
    # The subscription's lifecycle (runtime/billing/lifecycle.py): since when a payment is
    # due (Stripe's past_due/unpaid; cleared when active again), and when it was canceled.
    past_due_since = Timestamptz(null=True, default=None)
    canceled_at = Timestamptz(null=True, default=None)
    # The ``created`` time of the last Stripe event applied to the subscription's state and to
    # the verification's: an older event, delivered late, changes neither (Stripe does not
    # deliver events in order). A verification recorded outside Stripe sets its own.
    subscription_event_at = Timestamptz(null=True, default=None)
    kyc_event_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()


class KycSession(Table, tablename="kyc_session"):
    """A Stripe Identity session a newer one replaced (the operator sent the links again),
    written before the new one is made and deleted once Stripe accepted its redaction: the
    account points only at its latest session, and this keeps every earlier one until then
    (``runtime/billing/retention.py``). Ids and dates only."""

    tenant = Varchar(length=63, index=True)
    verification_id = Varchar(length=255, unique=True)
    replaced_at = Timestamptz()
    # Why the last redaction failed ("" none yet): the purge tries again on its next run.
    last_error = Varchar(length=255, default="")


class StripeEvent(Table, tablename="stripe_event"):
    event_id = Varchar(length=255, unique=True)
    type = Varchar(length=128)
    received_at = Timestamptz()


class QuotaNotice(Table, tablename="quota_notice"):
    """A threshold crossed, once per tenant, period, metric and threshold (``key``), with who
    was told: the operator (``incident``: the fleet incident opened for it) and the person
    (``channel`` ``sms``/``email``, delivered like an alert; ``none``: nobody to tell)."""

    key = Varchar(length=128, unique=True)  # "<tenant>:<period>:<metric>:<threshold>"
    tenant = Varchar(length=63, index=True)
    period = Varchar(length=10)  # "YYYY-MM" (UTC); a payment's: the day it fell due
    metric = Varchar(length=32)  # screened_minutes | contacts | alerts | spend | payment
    threshold = SmallInt()  # percent: 80 | 100
    used = Integer()  # in the metric's unit
    allowed = Integer()  # the limit (spend: US cents)
    source = Varchar(length=16)  # metering | usage_trigger
    detail = Text(default="")  # the Usage Trigger's sid and values, as Twilio sent them
    incident = Integer(null=True, default=None)
    channel = Varchar(length=8, default="none")
    status = Varchar(length=16, default="pending")
    attempts = SmallInt(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)
    message_sid = Varchar(length=255, null=True, default=None)
    error_code = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class UsagePeriod(Table, tablename="usage_period"):
    """A tenant's metered month: usage, overage past the plan's screened minutes and what
    became of it (``rule`` absorb | bill; ``invoice_item``: Stripe's line for a billed one).
    ``closed`` once the month ended and its overage was settled."""

    key = Varchar(length=72, unique=True)  # "<tenant>:<period>"
    tenant = Varchar(length=63, index=True)
    period = Varchar(length=7)
    plan = Varchar(length=32)
    screened_minutes = Integer(default=0)
    alerts = Integer(default=0)
    contacts = Integer(default=0)
    overage_minutes = Integer(default=0)
    rule = Varchar(length=8)
    amount_cents = Integer(default=0)
    invoice_item = Varchar(length=255, default="")
    closed = Boolean(default=False)
    updated_at = Timestamptz()
