"""Stripe through its official SDK: catalogue, customers, hosted Checkout, Identity.

No card number or identity document ever reaches Ethiq: the person types their card into
Stripe Checkout and shows their ID and a selfie to Stripe Identity, both hosted by Stripe; we
keep ids and statuses. Production and tests differ only by ``base_url`` (Stripe's own
``stripe-mock`` in tests and the demo) and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe

from runtime.billing.plans import PLANS, TERMS_VERSION, Plan

__all__ = ["CheckoutLink", "StripeGateway", "VerificationLink"]


@dataclass(frozen=True, slots=True)
class CheckoutLink:
    session_id: str
    url: str


@dataclass(frozen=True, slots=True)
class VerificationLink:
    session_id: str
    url: str
    status: str


class StripeGateway:
    """Ethiq's calls to Stripe. Every write carries an idempotency key derived from its
    purpose, so a retried request (a timeout after Stripe committed) never makes a duplicate."""

    def __init__(self, api_key: str, *, base_url: str = "", max_network_retries: int = 2) -> None:
        addresses: dict[str, str] = {"api": base_url} if base_url else {}
        self._client = stripe.StripeClient(
            api_key,
            base_addresses=addresses,  # type: ignore[arg-type]
            max_network_retries=max_network_retries,
        )

    def ensure_catalogue(self) -> dict[str, str]:
        """Each plan's monthly price id, creating product and price when Stripe has none."""
        keys = [p.lookup_key for p in PLANS.values()]
        found = {
            price.lookup_key: price.id
            for price in self._client.v1.prices.list({"lookup_keys": keys, "active": True}).data
            if price.lookup_key in keys
        }
        for each in PLANS.values():
            if each.lookup_key not in found:
                found[each.lookup_key] = self._create_price(each)
        return found

    def _create_price(self, plan: Plan) -> str:
        product = self._client.v1.products.create(
            {"name": f"Ethiq {plan.name['en-US']}", "metadata": {"plan": plan.id}},
            {"idempotency_key": f"product-{plan.id}"},
        )
        price = self._client.v1.prices.create(
            {
                "product": product.id,
                "currency": "cad",
                "unit_amount": plan.monthly_cents,
                "recurring": {"interval": "month"},
                "lookup_key": plan.lookup_key,
                "metadata": {"plan": plan.id},
            },
            {"idempotency_key": f"price-{plan.lookup_key}"},
        )
        return price.id

    def create_customer(self, tenant: str, email: str, language: str) -> str:
        customer = self._client.v1.customers.create(
            {
                "email": email,
                "preferred_locales": [language],
                "metadata": {"tenant": tenant},
            },
            {"idempotency_key": f"customer-{tenant}"},
        )
        return customer.id

    def checkout(
        self, tenant: str, customer_id: str, price_id: str, *, success_url: str, cancel_url: str
    ) -> CheckoutLink:
        """A hosted Checkout page that collects the card, the person's acceptance of the terms
        (``consent_collection.terms_of_service``: Checkout will not complete without it) and
        starts the subscription. The version accepted travels in the session's metadata.
        https://docs.stripe.com/payments/checkout/customization/policies"""
        params: dict[str, Any] = {
            "mode": "subscription",
            "customer": customer_id,
            "line_items": [{"price": price_id, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": tenant,
            "consent_collection": {"terms_of_service": "required"},
            "metadata": {"tenant": tenant, "terms_version": TERMS_VERSION},
            "subscription_data": {"metadata": {"tenant": tenant}},
        }
        session = self._client.v1.checkout.sessions.create(params)  # type: ignore[arg-type]
        return CheckoutLink(session.id, session.url or "")

    def verify_identity(self, tenant: str, *, return_url: str) -> VerificationLink:
        """A hosted Identity session: a government ID, a matching selfie (document check)."""
        session = self._client.v1.identity.verification_sessions.create(
            {
                "type": "document",
                "options": {"document": {"require_matching_selfie": True}},
                "metadata": {"tenant": tenant},
                "return_url": return_url,
            }
        )
        return VerificationLink(session.id, session.url or "", session.status)

    def retrieve_verification(self, session_id: str) -> VerificationLink | None:
        """The session as Stripe has it now, with a fresh ``url`` while it is
        ``requires_input`` (Stripe's hosted link is short-lived: retrieving the session is how
        one gets a valid one to resubmit). ``None``: Stripe refuses to return it (unknown id,
        another account's). https://docs.stripe.com/api/identity/verification_sessions/retrieve"""
        try:
            session = self._client.v1.identity.verification_sessions.retrieve(session_id)
        except stripe.InvalidRequestError:  # 404 and other refusals: it cannot be reused
            return None
        redaction = getattr(session, "redaction", None)
        status = "redacted" if redaction else session.status
        return VerificationLink(session.id, session.url or "", status)

    def redact_verification(self, session_id: str) -> str:
        """Have Stripe erase what a verification collected (document images, selfie, extracted
        data, its reports and events); the session keeps its status. Returns the redaction's
        status (``processing``, then ``redacted``). Redacting twice is harmless.
        https://docs.stripe.com/api/identity/verification_sessions/redact"""
        session = self._client.v1.identity.verification_sessions.redact(session_id)
        redaction = getattr(session, "redaction", None)
        return str(getattr(redaction, "status", "") or "processing")

    def bill_overage(self, customer_id: str, amount_cents: int, description: str, key: str) -> str:
        """A pending invoice item on the customer, added to their next subscription invoice:
        a month's screened minutes past the plan (``key``: one per tenant and month, so a
        retried settlement never bills twice). https://docs.stripe.com/api/invoiceitems/create"""
        item = self._client.v1.invoice_items.create(
            {
                "customer": customer_id,
                "amount": amount_cents,
                "currency": "cad",
                "description": description,
            },
            {"idempotency_key": key},
        )
        return item.id
