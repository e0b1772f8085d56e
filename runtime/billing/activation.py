"""What a tenant's stack may buy its number on: the account's recorded KYC and terms.

The number's provider reads this when the stack is about to buy the number (its ``check``, run
in previews and updates alike: ``infra/providers/twilio_number.py``) and keeps it as an input
of the number, where the mandatory ``activation-gate`` policy reads it before the purchase
(``policies/activation.py``). Only statuses, Stripe's error code, a terms version and
timestamps: no personal data reaches the stack's state.
"""

from __future__ import annotations

from typing import Final

from runtime.billing.accounts import Account, Accounts
from runtime.storage import store_for_url

__all__ = ["NO_ACCOUNT", "SOURCE", "activation", "read_activation"]

SOURCE: Final = "billing_account"
NO_ACCOUNT: Final = "none"


def activation(account: Account | None) -> dict[str, str]:
    """The gate's view of ``account`` (``kyc_status`` ``none`` when there is no account)."""
    if account is None:
        return {
            "source": SOURCE,
            "kyc_status": NO_ACCOUNT,
            "kyc_error": "",
            "kyc_updated_at": "",
            "terms_version": "",
            "terms_accepted_at": "",
        }
    return {
        "source": SOURCE,
        "kyc_status": account.kyc_status,
        # Stripe's error code ("" nothing failed: a session waiting for the person); a row
        # recorded before codes were kept (None) leaves it out: not known either way.
        **({} if account.kyc_error is None else {"kyc_error": account.kyc_error}),
        "kyc_updated_at": _iso(account.kyc_updated_at),
        "terms_version": account.terms_version,
        "terms_accepted_at": _iso(account.terms_accepted_at),
    }


async def read_activation(database_url: str, tenant: str) -> dict[str, str]:
    """The tenant's recorded state in the platform database at ``database_url``; a database
    without billing tables yet holds no account (read only: a preview writes nothing)."""
    store = store_for_url(database_url)
    try:
        accounts = Accounts(store)
        if not await accounts.exist():
            return activation(None)
        return activation(await accounts.get(tenant))
    finally:
        await store.close()


def _iso(at: object) -> str:
    return at.isoformat() if hasattr(at, "isoformat") and at is not None else ""
