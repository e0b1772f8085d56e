"""Billing and identity: plans and their limits, Stripe customers, hosted Checkout and Identity,
and the accounts Stripe's webhooks (:mod:`runtime.web.stripe_webhooks`) update, which record what
a tenant's activation is gated on.

Exceptions: Stripe's own (``stripe.StripeError`` and subclasses) pass through the gateway;
the webhook answers 400 on a bad signature and never applies an event twice.

The names below load on first use: the tenant program validates ``ethiq:plan`` against
:mod:`runtime.billing.plans` and must not load the data layer or Stripe's SDK for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.billing.accounts import Account, Accounts
    from runtime.billing.gateway import CheckoutLink, StripeGateway, VerificationLink
    from runtime.billing.plans import PLANS, Plan, plan
    from runtime.billing.start import StartLinks, start_billing

__all__ = [
    "PLANS",
    "Account",
    "Accounts",
    "CheckoutLink",
    "Plan",
    "StartLinks",
    "StripeGateway",
    "VerificationLink",
    "plan",
    "start_billing",
]

_WHERE = {
    "Account": "accounts",
    "Accounts": "accounts",
    "CheckoutLink": "gateway",
    "StripeGateway": "gateway",
    "VerificationLink": "gateway",
    "PLANS": "plans",
    "Plan": "plans",
    "StartLinks": "start",
    "start_billing": "start",
    "plan": "plans",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
