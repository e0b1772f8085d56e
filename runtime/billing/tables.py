"""Billing's tables in the platform database (schema ``platform`` or the platform file).

One ``billing_account`` per tenant: its Stripe customer, plan and subscription, identity
verification (KYC) and terms acceptance, i.e. what activation is gated on. ``stripe_event``
makes webhook handling idempotent: an event id is applied once, however often Stripe retries.
"""

from __future__ import annotations

from piccolo.columns import Timestamptz, Varchar
from piccolo.table import Table

__all__ = ["BillingAccount", "StripeEvent"]


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
    terms_version = Varchar(length=32, default="")
    terms_accepted_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()


class StripeEvent(Table, tablename="stripe_event"):
    event_id = Varchar(length=255, unique=True)
    type = Varchar(length=128)
    received_at = Timestamptz()
