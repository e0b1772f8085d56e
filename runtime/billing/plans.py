"""The plans Ethiq sells and what each allows.

Prices live in Stripe (looked up by ``lookup_key``, created by :func:`ensure_catalogue` when
missing), limits live here: they are what the runtime enforces and what the person is told.
Over a limit the call is still connected and screened (safety first); what happens to the
overage is the plan's ``overage`` rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["ENTRY_PLAN", "PLANS", "TERMS_VERSION", "Plan", "PlanId", "plan"]

# The version of the terms of service the person accepts on Stripe Checkout (the terms page's
# URL is set in Stripe's Dashboard, which Checkout's consent collection requires). A new
# version of the text gets a new value here; the account records the version accepted.
TERMS_VERSION: Final = "2026-12"

PlanId = Literal["solo", "family"]


@dataclass(frozen=True, slots=True)
class Plan:
    id: PlanId
    name: dict[str, str]  # by language
    monthly_cents: int  # CAD
    screened_minutes: int  # per month
    contacts: int
    alerts: int  # alert SMS per month
    monitored_numbers: int
    # "absorb": Ethiq carries the overage; "bill": metered at overage_cents per screened minute.
    overage: Literal["absorb", "bill"]
    # USD a month the tenant's Twilio subaccount may spend (Twilio bills in USD) when its stack
    # sets no ``ethiq:spendLimit``: the stack's Usage Triggers fire at 80 % and 100 % of it.
    # Sized above the plan's screened minutes, its number and its alerts, so a trigger means
    # usage out of the ordinary (e.g. a flood of calls), not a busy month.
    spend_limit_usd: float
    overage_cents: int = 0

    @property
    def lookup_key(self) -> str:
        return f"ethiq-{self.id}-monthly"


PLANS: Final[dict[PlanId, Plan]] = {
    "solo": Plan(
        id="solo",
        name={"fr-CA": "Solo", "en-US": "Solo"},
        monthly_cents=999,
        screened_minutes=600,
        contacts=2,
        alerts=30,
        monitored_numbers=1,
        overage="absorb",
        spend_limit_usd=30.0,
    ),
    "family": Plan(
        id="family",
        name={"fr-CA": "Famille", "en-US": "Family"},
        monthly_cents=1999,
        screened_minutes=2000,
        contacts=5,
        alerts=100,
        monitored_numbers=3,
        overage="bill",
        spend_limit_usd=100.0,
        overage_cents=2,
    ),
}

# The plan a stack that declares no ``ethiq:plan`` is sized by: the smallest, so its spend
# triggers fire first rather than never.
ENTRY_PLAN: Final[PlanId] = "solo"


def plan(plan_id: str) -> Plan:
    """The plan ``plan_id``; ``KeyError`` naming the known plans otherwise."""
    try:
        return PLANS[plan_id]  # type: ignore[index]
    except KeyError:
        raise KeyError(f"unknown plan {plan_id!r}: one of {', '.join(PLANS)}") from None
