"""Billing and identity: plans and their limits, Stripe customers, hosted Checkout and Identity,
and the accounts Stripe's webhooks (:mod:`runtime.web.stripe_webhooks`) update, which record what
a tenant's activation is gated on.

Exceptions: Stripe's own (``stripe.StripeError`` and subclasses) pass through the gateway;
the webhook answers 400 on a bad signature and never applies an event twice.
"""

from __future__ import annotations

from runtime.billing.accounts import Account, Accounts
from runtime.billing.gateway import CheckoutLink, StripeGateway, VerificationLink
from runtime.billing.plans import PLANS, Plan, plan

__all__ = [
    "PLANS",
    "Account",
    "Accounts",
    "CheckoutLink",
    "Plan",
    "StripeGateway",
    "VerificationLink",
    "plan",
]
