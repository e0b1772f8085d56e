"""The person's first steps with Stripe, before their tenant exists: a card and the terms on
Stripe Checkout, their identity on Stripe Identity.

A tenant's stack buys its number only once both are recorded (the ``activation-gate`` policy),
so nothing of the tenant can send the person these links: the operator starts them, from the
sign-up request, for the tenant name its stack will have (``POST
/operator/people/{slug}/billing``). The billing account is opened with a Stripe customer if it
has none; a step already done (an active subscription, a verified identity) gets no new link.
Stripe's webhooks then record what the person did (:mod:`runtime.web.stripe_webhooks`).

Sending the links again reuses the account's identity session while Stripe still has it in
``requires_input`` (waiting for the person, or a check that failed and may be tried again):
it is retrieved for a fresh short-lived link, as Stripe recommends rather than a new session
per try (https://docs.stripe.com/identity/verification-sessions, "Best practices", and
https://docs.stripe.com/api/identity/verification_sessions/retrieve). Retrieving changes
nothing of ours, so a crash there loses nothing. A session Stripe says is ``processing`` or
``verified`` (its webhook not here yet) is recorded as such and gets no link. Otherwise
(recorded or retrieved ``canceled``, redacted, refused by Stripe) a new session replaces the
earlier one. The earlier one is never lost: it is kept as replaced (``kyc_session``) before the new
one is made, then redacted at once; one Stripe does not redact now stays there for the daily
purge (:mod:`runtime.billing.retention`). A crash between any two steps leaves its id either
on the account or in that table.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Final

from runtime.billing.accounts import Accounts, Replaced
from runtime.billing.gateway import StripeGateway
from runtime.billing.plans import plan
from runtime.billing.retention import redact_replaced, stripe_session

__all__ = ["StartLinks", "start_billing"]

# A subscription in one of these states needs no new Checkout.
_SUBSCRIBED: Final = frozenset({"active", "trialing", "past_due"})


# A session in this status takes the person again at its retrieved url (Stripe's status for a
# new session and for a failed check the person may try again).
_REUSABLE: Final = frozenset({"requires_input"})
# Stripe has what it needs (or has verified it): no link, no new session.
_UNDER_WAY: Final = frozenset({"processing", "verified"})


@dataclass(frozen=True, slots=True)
class StartLinks:
    checkout_url: str  # "": the subscription already runs
    verification_url: str  # "": nothing for the person to do (verified, or Stripe gave none)
    verification_status: str  # Stripe Identity's status of the session ("verified" if done)


async def start_billing(
    gateway: StripeGateway,
    accounts: Accounts,
    *,
    tenant: str,
    email: str,
    language: str,
    plan_id: str,
    return_url: str,
) -> StartLinks:
    """Open ``tenant``'s account if needed and make the hosted links still needed. The Stripe
    SDK is synchronous: its calls run in a thread, off the event loop."""
    chosen = plan(plan_id)
    account = await accounts.get(tenant)
    if account is None:
        customer = await asyncio.to_thread(gateway.create_customer, tenant, email, language)
        account = await accounts.open(tenant, customer, chosen.id)
    checkout_url = ""
    if account.subscription_status not in _SUBSCRIBED:
        prices = await asyncio.to_thread(gateway.ensure_catalogue)
        checkout = await asyncio.to_thread(
            partial(
                gateway.checkout,
                tenant,
                account.customer_id,
                prices[chosen.lookup_key],
                success_url=return_url,
                cancel_url=return_url,
            )
        )
        checkout_url = checkout.url
    if account.kyc_status == "verified":
        return StartLinks(checkout_url, "", "verified")
    if account.kyc_status in _REUSABLE and stripe_session(account.verification_id):
        current = await asyncio.to_thread(gateway.retrieve_verification, account.verification_id)
        if current is not None and current.status in _REUSABLE:
            return StartLinks(checkout_url, current.url, current.status)
        if current is not None and current.status in _UNDER_WAY:
            await accounts.record_verification(
                tenant, current.session_id, current.status, datetime.now(UTC)
            )
            return StartLinks(checkout_url, "", current.status)
    earlier = account.verification_id if stripe_session(account.verification_id) else ""
    replaced = Replaced(tenant, earlier, datetime.now(UTC))
    if earlier:  # kept before the account moves on: no crash after this point loses it
        await accounts.replacing(tenant, earlier, replaced.replaced_at)
    verification = await asyncio.to_thread(
        partial(gateway.verify_identity, tenant, return_url=return_url)
    )
    await accounts.record_verification(
        tenant, verification.session_id, verification.status, datetime.now(UTC)
    )
    if earlier:  # its link stops working now; a failure is logged, the purge tries again
        await redact_replaced(accounts, gateway.redact_verification, replaced)
    return StartLinks(checkout_url, verification.url, verification.status)
