"""The subscription as desired state: what a tenant's stack file should say of it.

Stripe's webhooks change the billing account at once (the plan the runtime's quotas read, the
lifecycle's dates); the stack file follows through a reviewed change, never a webhook, since
the number is protected (README, "A person's number is protected"):

- a **plan** change (``customer.subscription.updated`` naming another price) proposes
  ``ethiq:plan: <plan>``, which the stack validates against its contacts;
- a canceled subscription whose number's **release is due** (``ETHIQ_NUMBER_RETENTION_DAYS``
  after the cancellation) proposes ``ethiq:allowDestroy: true``, the first step of a release; the
  removal of the stack file follows as a second change, as for any tenant (README).

:func:`proposals` computes them (``ethiq billing changes`` prints them and can write them into
the stack files for a pull request), and :func:`release_refusal` is the other side: the tenant
program refuses ``ethiq:allowDestroy: true`` while a subscription's standing still keeps the
number (``infra/program.py``). Only accounts with a Stripe subscription are governed by it: a
tenant set up by an operator, the demo's or the tests', has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from runtime.billing.accounts import Account, Accounts
from runtime.billing.lifecycle import Phase, standing
from runtime.storage import store_for_url

__all__ = ["Proposal", "proposals", "read_release_refusal", "release_refusal"]


@dataclass(frozen=True, slots=True)
class Proposal:
    tenant: str
    key: str  # the ethiq: key, without its prefix
    value: Any
    why: str


def _governed(account: Account | None) -> bool:
    return account is not None and bool(account.subscription_id)


def release_refusal(account: Account | None, now: datetime, retention: timedelta) -> str | None:
    """Why the tenant's number must not be released yet (``None``: it may)."""
    if account is None or not _governed(account):
        return None
    # ``notified`` does not matter here: only a cancellation ends the keeping.
    where = standing(account, now, grace=timedelta(0), retention=retention, notified=True)
    if not where.keep_number:
        return None
    if where.phase is Phase.RETAINED and where.until is not None:
        assert account.canceled_at is not None  # noqa: S101 (retained: canceled)
        return (
            f"the subscription was canceled on {account.canceled_at.date().isoformat()}: its "
            f"number is kept until {where.until.date().isoformat()} "
            f"({retention.days} days, ETHIQ_NUMBER_RETENTION_DAYS); `ethiq billing changes` "
            "proposes the release once it is due"
        )
    return (
        f"the subscription is {account.subscription_status} (Stripe): the number is kept while "
        "it runs; once canceled, for the retention period"
    )


async def read_release_refusal(
    database_url: str, tenant: str, now: datetime, retention: timedelta
) -> str | None:
    """:func:`release_refusal` of the tenant's account in the platform database (read only)."""
    store = store_for_url(database_url)
    try:
        accounts = Accounts(store)
        if not await accounts.exist():
            return None
        return release_refusal(await accounts.get(tenant), now, retention)
    finally:
        await store.close()


def proposals(
    accounts: list[Account],
    stacks: Mapping[str, Mapping[str, Any]],
    now: datetime,
    retention: timedelta,
) -> list[Proposal]:
    """The changes the tenants' stack files (``stacks``: slug → its ``ethiq:`` values) need
    to say what their subscriptions say."""
    found = []
    for account in accounts:
        values = stacks.get(account.tenant)
        if values is None or not _governed(account):
            continue
        if account.plan and values.get("plan") != account.plan:
            was = values.get("plan") or "undeclared"
            found.append(
                Proposal(
                    account.tenant, "plan", account.plan, f"Stripe plan {account.plan} ({was})"
                )
            )
        released = values.get("allowDestroy") in (True, "true")
        if account.canceled_at is not None and not released:
            refusal = release_refusal(account, now, retention)
            if refusal is None:
                canceled = account.canceled_at.date().isoformat()
                found.append(
                    Proposal(
                        account.tenant,
                        "allowDestroy",
                        True,
                        f"canceled on {canceled}, kept {retention.days} days: release due",
                    )
                )
    return found
