"""Our Stripe calls against Stripe's own mock: accepted by Stripe's specification, answers read."""

from __future__ import annotations

import pytest
import stripe

from runtime.billing import PLANS, StripeGateway, plan

KEY = "sk_test_123"  # stripe-mock accepts any key of the test form


@pytest.fixture
def gateway(stripe_mock: str) -> StripeGateway:
    return StripeGateway(KEY, base_url=stripe_mock, max_network_retries=0)


def test_the_catalogue_has_a_monthly_price_per_plan(gateway: StripeGateway) -> None:
    prices = gateway.ensure_catalogue()
    assert set(prices) == {p.lookup_key for p in PLANS.values()}
    assert all(price_id.startswith("price_") for price_id in prices.values())


def test_checkout_and_identity_are_hosted_by_stripe(gateway: StripeGateway) -> None:
    customer = gateway.create_customer("acme", "jeanne@example.org", "fr-CA")
    assert customer.startswith("cus_")
    prices = gateway.ensure_catalogue()
    link = gateway.checkout(
        "acme",
        customer,
        prices[plan("family").lookup_key],
        success_url="https://ethiq.example/me/billing?done=1",
        cancel_url="https://ethiq.example/me/billing",
    )
    assert link.session_id.startswith("cs_")
    assert link.url.startswith("https://")  # the card is typed on Stripe's page, never ours
    verification = gateway.verify_identity("acme", return_url="https://ethiq.example/me")
    assert verification.session_id.startswith("vs_")
    # stripe-mock's fixture session is already settled (its url is null); Stripe's statuses:
    assert verification.status in {"requires_input", "processing", "verified", "canceled"}


def test_a_retrieved_session_being_redacted_reads_as_redacted(gateway: StripeGateway) -> None:
    """stripe-mock answers the retrieve with its fixture: the id asked, ``verified``, with a
    redaction ``processing``; a session under redaction takes no one again."""
    link = gateway.retrieve_verification("vs_1NuNAILkdIwHu7ixh7OtGMLw")
    assert link is not None
    assert (link.session_id, link.status) == ("vs_1NuNAILkdIwHu7ixh7OtGMLw", "redacted")


def test_a_call_stripe_would_refuse_is_refused(stripe_mock: str) -> None:
    """The mock validates parameters against Stripe's specification, as Stripe does."""
    client = stripe.StripeClient(KEY, base_addresses={"api": stripe_mock}, max_network_retries=0)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create({"mode": "monthly"})


def test_unknown_plans_are_named() -> None:
    with pytest.raises(KeyError, match="unknown plan 'gold': one of solo, family"):
        plan("gold")
