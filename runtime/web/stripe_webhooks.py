"""Stripe's webhooks: verified with the endpoint's signing secret, applied once per event id.

Stripe signs ``{timestamp}.{raw body}`` with HMAC-SHA256 (``Stripe-Signature: t=…,v1=…``) and
retries an event until it gets a 2xx, for up to three days; the SDK's
``Webhook.construct_event`` checks the signature and a 5-minute tolerance on the timestamp
(Stripe's "Receive Stripe events in your webhook endpoint" guide). Events may arrive out of order
and more than once: each is recorded by id in the same transaction as its effect, and one older
than the last applied to the same state changes nothing (``Accounts.apply_event``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import stripe
from litestar import Controller, Request, post
from litestar.exceptions import HTTPException

from runtime.billing.accounts import REDACTED, UNKNOWN_ERROR, VERIFICATION_STATUSES, Accounts
from runtime.billing.standings import Standings

__all__ = ["SIGNATURE_HEADER", "StripeWebhooks", "effect_of", "verification_error"]

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Stripe-Signature"
_ERROR_LENGTH = 64  # billing_account.kyc_error


def effect_of(event_type: str, obj: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The tenant an event is about and what it changes on its account (None: not ours)."""
    metadata = obj.get("metadata") or {}
    tenant = metadata.get("tenant") or obj.get("client_reference_id") or ""
    if not tenant:
        return None
    if event_type.startswith("identity.verification_session."):
        return _verification(event_type, tenant, obj)
    if event_type == "checkout.session.completed":
        completed: dict[str, Any] = {"subscription_id": obj.get("subscription") or ""}
        # Checkout completes only once the person ticked the terms (consent_collection).
        consent = (obj.get("consent") or {}).get("terms_of_service")
        if consent == "accepted" and metadata.get("terms_version"):
            completed |= {
                "terms_version": str(metadata["terms_version"]),
                "terms_accepted_at": datetime.now(UTC),
            }
        return tenant, completed
    if event_type.startswith("customer.subscription."):
        values: dict[str, Any] = {
            "subscription_id": obj.get("id", ""),
            "subscription_status": obj.get("status") or "none",
        }
        items = (obj.get("items") or {}).get("data") or []
        plan = ((items[0].get("price") or {}).get("metadata") or {}).get("plan") if items else None
        if plan:
            values["plan"] = plan
        return tenant, values
    return None


def _verification(
    event_type: str, tenant: str, obj: dict[str, Any]
) -> tuple[str, dict[str, Any]] | None:
    """What an Identity event changes: the session's own status, as it was when the event was
    made. An event's name is not always a status (``created`` is a session in
    ``requires_input``); the object is what Stripe says the session is, and its ``last_error``
    tells a new session waiting for the person from a check that failed (both
    ``requires_input``). https://docs.stripe.com/identity/how-sessions-work"""
    if event_type == REDACTED:
        # Stripe erased what the person showed; the session keeps its status, and so does the
        # account (the evidence the number was bought under): only the session's id goes.
        return tenant, {"verification_id": obj.get("id", "")}
    status = obj.get("status")
    if status not in VERIFICATION_STATUSES:
        logger.warning("stripe %s without a session status ignored", event_type)
        return None
    return tenant, {
        "verification_id": obj.get("id", ""),
        "kyc_status": status,
        "kyc_error": verification_error(obj),
        "kyc_updated_at": datetime.now(UTC),
    }


def verification_error(session: dict[str, Any]) -> str:
    """Why a session's last check did not succeed: its ``last_error.code``
    (``document_expired``, ``selfie_face_mismatch``, ``abandoned``...), :data:`UNKNOWN_ERROR`
    for an error without a code, ``""`` without ``last_error`` (nothing failed). Only the code
    is kept: Stripe's ``reason`` is free text about the person's documents."""
    last_error = session.get("last_error")
    if not last_error:
        return ""
    code = last_error.get("code") if isinstance(last_error, dict) else None
    return str(code)[:_ERROR_LENGTH] if code else UNKNOWN_ERROR


class StripeWebhooks(Controller):
    """``POST /stripe/webhook``: 400 on a bad signature (nothing applied), 200 otherwise."""

    path = "/stripe"
    tags = ("stripe",)

    @post("/webhook", status_code=200, summary="Stripe events (signed)")
    async def webhook(self, request: Request[Any, Any, Any]) -> dict[str, str]:
        state = request.app.state
        secret: str = state.stripe_webhook_secret
        accounts: Accounts = state.billing_accounts
        payload = await request.body()
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not secret:
            raise HTTPException(status_code=503, detail="Stripe webhooks are not configured")
        try:
            event = stripe.Webhook.construct_event(payload, signature, secret)
        except (ValueError, stripe.SignatureVerificationError):
            logger.warning("stripe webhook refused: bad signature or payload")
            raise HTTPException(status_code=400, detail="bad signature") from None
        obj = event.data.object.to_dict()
        effect = effect_of(event.type, obj)
        if effect is None:
            return {"status": "ignored"}
        tenant, values = effect
        created = datetime.fromtimestamp(event.created, UTC)
        applied = await accounts.apply_event(
            event.id, event.type, tenant, created=created, **values
        )
        standings: Standings | None = state.get("standings")
        if applied and standings is not None:  # this process's outbox reads it at once
            standings.forget(tenant)
        return {"status": "applied" if applied else "duplicate"}
