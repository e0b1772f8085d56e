"""KYC retention: what a finished identity verification leaves, and for how long.

Stripe Identity holds what the person showed (document images, selfie, the data read from the
document) on Ethiq's behalf; Ethiq keeps only ids, statuses and dates (``billing_account``). The
outcome is all Ethiq needs once the number is bought, so ``ETHIQ_KYC_RETENTION_DAYS`` (30) after
a verification ended (``verified``, or failed and left: ``requires_input`` with an error,
``canceled``) the purge asks Stripe to redact the session and forgets its id; the status and
its date stay, as the record of what the number was bought under. A ``requires_input`` session
without an error has not ended: it waits for the person to start (nothing collected yet), and
its clock starts only once it fails or succeeds (each event sets ``kyc_updated_at``). One
recorded before errors were kept (``kyc_error`` NULL) may be an old failure whose images Stripe
still holds: it counts as ended, as it did (redacting an unstarted session is harmless).
``docs/privacy.md`` gives the legal basis.

The account points only at its latest session. When the operator sends the links again, the
session the new one replaces is first kept in ``kyc_session`` (:meth:`Accounts.replacing`),
then redacted at once (:func:`redact_replaced`; Stripe cancels a ``requires_input`` one as it
redacts it, so its link stops working) and forgotten once Stripe accepted. A replaced session
waits for no retention period: the new try supersedes it. One Stripe will not redact yet (a
session still ``processing``) or could not reach stays in the table, logged, and every purge
tries it again until Stripe accepts.

:func:`purge_kyc` is a plain callable: ``ethiq billing purge-kyc`` runs it now, and the job
worker runs it daily (``runtime/billing/jobs.py``). It is idempotent: a redaction Stripe
already made is harmless, and a failed one is retried by the next run, nothing forgotten
before Stripe agreed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import stripe

from runtime.billing.accounts import Account, Accounts, Replaced

__all__ = [
    "FINISHED",
    "REPLACED",
    "Purged",
    "due_for_purge",
    "ended",
    "purge_kyc",
    "redact_replaced",
    "stripe_session",
]

logger = logging.getLogger(__name__)

# Statuses after which nothing more is collected (``processing`` is still being checked), but
# for a ``requires_input`` that waits for the person to start (:func:`ended`).
FINISHED: Final = frozenset({"verified", "requires_input", "canceled"})
_STRIPE_SESSION: Final = "vs_"  # only Stripe's sessions hold data at Stripe
REPLACED: Final = "replaced"  # a purged line's status for a session a newer one replaced


@dataclass(frozen=True, slots=True)
class Purged:
    tenant: str
    verification_id: str
    kyc_status: str
    outcome: str  # Stripe's redaction status, or "failed: <reason>" (retried next run)


def ended(account: Account) -> bool:
    """Whether the account's verification ended: verified, failed, canceled; not one still
    being checked nor a session waiting for the person to start it."""
    return account.kyc_status in FINISHED and not account.awaits_person


def stripe_session(verification_id: str) -> bool:
    """Whether a verification id names a session at Stripe (not an in-person check)."""
    return verification_id.startswith(_STRIPE_SESSION)


def due_for_purge(accounts: list[Account], now: datetime, keep: timedelta) -> list[Account]:
    """Accounts whose Stripe verification ended more than ``keep`` ago and is not redacted."""
    return [
        a
        for a in accounts
        if stripe_session(a.verification_id)
        and ended(a)
        and a.kyc_updated_at is not None
        and now - a.kyc_updated_at >= keep
    ]


async def purge_kyc(
    accounts: Accounts,
    redact: Callable[[str], str],
    *,
    now: datetime,
    keep: timedelta,
    dry_run: bool = False,
) -> list[Purged]:
    """Redact (``redact``: :meth:`StripeGateway.redact_verification`) every verification due
    and every replaced session, then forget its id; a failed redaction keeps the id, so the
    next run tries again."""
    done = []
    for account in due_for_purge(await accounts.all(), now, keep):
        session = account.verification_id
        if dry_run:
            outcome = "due"
        else:
            try:
                # Stripe's SDK is synchronous: off the event loop (the worker runs other jobs).
                outcome = await asyncio.to_thread(redact, session)
            except stripe.StripeError as error:
                outcome = f"failed: {error.user_message or type(error).__name__}"
                logger.error("KYC purge of %s (%s) failed: %s", account.tenant, session, outcome)
            else:
                await accounts.forget_verification(account.tenant, session)
        done.append(Purged(account.tenant, session, account.kyc_status, outcome))
    for replaced in await accounts.replaced():
        outcome = "due" if dry_run else await redact_replaced(accounts, redact, replaced)
        done.append(Purged(replaced.tenant, replaced.verification_id, REPLACED, outcome))
    return done


async def redact_replaced(
    accounts: Accounts, redact: Callable[[str], str], replaced: Replaced
) -> str:
    """Redact a replaced session now and forget it once Stripe accepted; a failure is logged
    and kept on its row, which the next purge tries again. Stripe's outcome, or ``failed:``."""
    session = replaced.verification_id
    try:
        outcome = await asyncio.to_thread(redact, session)
    except stripe.StripeError as error:
        outcome = f"failed: {error.user_message or type(error).__name__}"
        logger.error(
            "KYC redaction of %s's replaced session %s failed: %s",
            replaced.tenant,
            session,
            outcome,
        )
        await accounts.replaced_failed(session, outcome)
    else:
        await accounts.replaced_redacted(session)
    return outcome
