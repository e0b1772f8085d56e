"""The subscription as desired state: what a tenant's stack file should say of it.

Stripe's webhooks change the billing account at once (the plan the runtime's quotas read, the
lifecycle's dates); the stack file follows through a reviewed change, never a webhook, since
the number is protected (README, "A person's number is protected"):

- a **plan** change (``customer.subscription.updated`` naming another price) proposes
  ``ethiq:plan: <plan>``, which the stack validates against its contacts;
- a canceled subscription whose number's **release is due** (``ETHIQ_NUMBER_RETENTION_DAYS``
  after the cancellation, or at once when the person asked for the erasure of their history
  after canceling and it is done: :mod:`runtime.billing.lifecycle`) proposes
  ``ethiq:allowDestroy: true``, the first step of a release; the removal of the stack file
  follows as a second change, as for any tenant (README).

:func:`proposals` computes them (``ethiq billing changes`` prints them and can write them into
the stack files for a pull request), and :func:`release_refusal` is the other side: the tenant
program refuses ``ethiq:allowDestroy: true`` while a subscription's standing still keeps the
number (``infra/program.py``). Only accounts with a Stripe subscription are governed by it: a
tenant set up by an operator, the demo's or the tests', has none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from runtime.alerts.messages import local_time
from runtime.billing.accounts import Account, Accounts
from runtime.billing.lifecycle import Phase, standing
from runtime.storage import TenantStore, store_for_url

__all__ = ["ErasedAt", "Proposal", "proposals", "read_release_refusal", "release_refusal"]


@dataclass(frozen=True, slots=True)
class Proposal:
    tenant: str
    key: str  # the ethiq: key, without its prefix
    value: Any
    why: str


def _governed(account: Account | None) -> bool:
    return account is not None and bool(account.subscription_id)


# When the person of a tenant asked for the erasure its latest done erasure request carried
# out (``None``: none). The requests belong to the people's app, so the caller's layer reads
# them: ``runtime.privacy.asked.erasure_asked``.
ErasedAt = Callable[[TenantStore, str], Awaitable[datetime | None]]


def release_refusal(
    account: Account | None,
    now: datetime,
    retention: timedelta,
    erased_at: datetime | None = None,
    *,
    region: str = "",
) -> str | None:
    """Why the tenant's number must not be released yet (``None``: it may); its dates as the
    tenant of ``region`` reads them, the days its notices and pages name."""
    if account is None or not _governed(account):
        return None
    # ``notified`` does not matter here: only a cancellation ends the keeping.
    where = standing(
        account, now, grace=timedelta(0), retention=retention, notified=True, erased_at=erased_at
    )
    if not where.keep_number:
        return None
    if where.phase is Phase.RETAINED and where.until is not None:
        assert account.canceled_at is not None  # noqa: S101 (retained: canceled)
        canceled = local_time(account.canceled_at, region)
        until = local_time(where.until, region)
        return (
            f"the subscription was canceled on {canceled:%Y-%m-%d}: its number is kept until "
            f"{until:%Y-%m-%d %H:%M %Z} (the tenant's time zone) "
            f"({retention.days} days, ETHIQ_NUMBER_RETENTION_DAYS, or until the person's "
            "erasure request made since is done); `ethiq billing changes` proposes the release "
            "once it is due"
        )
    return (
        f"the subscription is {account.subscription_status} (Stripe): the number is kept while "
        "it runs; once canceled, for the retention period"
    )


async def read_release_refusal(
    database_url: str,
    tenant: str,
    now: datetime,
    retention: timedelta,
    erased_at: ErasedAt | None = None,
    *,
    region: str = "",
) -> str | None:
    """:func:`release_refusal` of the tenant's account in the platform database (read only);
    ``erased_at`` reads when its person asked for an erasure carried out; ``region``: the
    tenant's, for its dates."""
    store = store_for_url(database_url)
    try:
        accounts = Accounts(store)
        if not await accounts.exist():
            return None
        erased = None if erased_at is None else await erased_at(store, tenant)
        return release_refusal(await accounts.get(tenant), now, retention, erased, region=region)
    finally:
        await store.close()


def proposals(
    accounts: list[Account],
    stacks: Mapping[str, Mapping[str, Any]],
    now: datetime,
    retention: timedelta,
    erased: Mapping[str, datetime] | None = None,
) -> list[Proposal]:
    """The changes the tenants' stack files (``stacks``: slug → its ``ethiq:`` values) need
    to say what their subscriptions say; ``erased``: slug → when its person asked for the
    erasure their latest done request carried out."""
    erased = erased or {}
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
            asked = erased.get(account.tenant)
            # Its dates as the tenant reads them (its stack's region), as its notices give them.
            region = str(values.get("region") or "")
            refusal = release_refusal(account, now, retention, asked, region=region)
            if refusal is None:
                canceled = local_time(account.canceled_at, region).date().isoformat()
                why = f"canceled on {canceled}, kept {retention.days} days: release due"
                if now < account.canceled_at + retention:
                    assert asked is not None  # noqa: S101 (only an erasure ends it early)
                    why = (
                        f"canceled on {canceled}, history erased on the person's request of "
                        f"{local_time(asked, region).date().isoformat()}: release due"
                    )
                found.append(Proposal(account.tenant, "allowDestroy", True, why))
    return found
