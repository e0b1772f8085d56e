"""The four KPIs of the brief, computed from records, never claimed.

- **Provisioning time per tenant**: the duration of the reconcile run that created the
  tenant's stack (``status: created`` in a reconcile report's results; the reports are what
  ``ethiq reconcile --json`` writes and CI keeps). Target < 30 s.
- **Onboarding success rate**: of the onboardings that had their chance (active, or started
  more than ``stalled_after`` ago), the share that reached ``active``. Target > 95 %.
- **Manual interventions**: the share of onboardings with at least one record of an operator's
  hand (:func:`runtime.people.onboarding.by_operator`): a step an operator completed, an
  identity checked in person, or an operator's action (enrolment through the operator route,
  Stripe's links sent, a test call started, a SIP password made, the Advanced Opt-Out Console
  step recorded). Target < 5 %.
- **Incident time to resolve**: closed incidents, from opened to closed. Target < 1 h.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import msgspec

from runtime.people.onboarding import Step, by_operator

if TYPE_CHECKING:  # kept light: `ethiq kpi` imports this module
    from runtime.fleet.incidents import IncidentRecord

__all__ = [
    "PROVISIONING_TARGET_S",
    "IncidentKpi",
    "Kpis",
    "OnboardingKpi",
    "Provisioned",
    "ProvisioningKpi",
    "format_duration",
    "format_share",
    "incident_kpi",
    "onboarding_kpi",
    "provisioning_kpi",
]

PROVISIONING_TARGET_S: Final = 30.0
ONBOARDING_TARGET: Final = 0.95
MANUAL_TARGET: Final = 0.05
RESOLVE_TARGET_S: Final = 3600.0
STALLED_AFTER: Final = timedelta(days=7)


class Provisioned(msgspec.Struct, frozen=True):
    """One tenant's stack created by a reconcile run."""

    stack: str
    duration_s: float
    report: str = ""  # which report it came from


class ProvisioningKpi(msgspec.Struct):
    tenants: list[Provisioned] = msgspec.field(default_factory=list)
    median_s: float | None = None
    max_s: float | None = None
    within_target: float | None = None  # share under 30 s
    target_s: float = PROVISIONING_TARGET_S


class OnboardingKpi(msgspec.Struct):
    started: int = 0
    active: int = 0
    in_progress: int = 0  # started recently, not active yet: not counted either way
    stalled: int = 0  # started more than `stalled_after` ago and still not active
    success_rate: float | None = None
    manual: int = 0  # onboardings with a record of an operator's hand (by_operator)
    manual_share: float | None = None
    median_to_active_s: float | None = None
    success_target: float = ONBOARDING_TARGET
    manual_target: float = MANUAL_TARGET


class IncidentKpi(msgspec.Struct):
    open: int = 0
    closed: int = 0
    median_resolve_s: float | None = None
    max_resolve_s: float | None = None
    within_target: float | None = None  # share closed within 1 h
    target_s: float = RESOLVE_TARGET_S


class Kpis(msgspec.Struct):
    onboarding: OnboardingKpi
    incidents: IncidentKpi
    provisioning: ProvisioningKpi = msgspec.field(default_factory=ProvisioningKpi)


@dataclass(frozen=True, slots=True)
class _Onboarding:
    started: datetime
    active: datetime | None
    manual: bool


def provisioning_kpi(created: Iterable[Provisioned]) -> ProvisioningKpi:
    """Each tenant's latest creation (a stack destroyed and created again counts once)."""
    latest: dict[str, Provisioned] = {}
    for item in created:
        latest[item.stack] = item
    tenants = sorted(latest.values(), key=lambda p: p.stack)
    durations = [p.duration_s for p in tenants]
    if not durations:
        return ProvisioningKpi()
    return ProvisioningKpi(
        tenants=tenants,
        median_s=statistics.median(durations),
        max_s=max(durations),
        within_target=sum(d < PROVISIONING_TARGET_S for d in durations) / len(durations),
    )


def onboarding_kpi(
    rows: Sequence[dict[str, Any]],
    *,
    now: datetime | None = None,
    stalled_after: timedelta = STALLED_AFTER,
) -> OnboardingKpi:
    now = now or datetime.now(UTC)
    started: dict[str, datetime] = {}
    active: dict[str, datetime] = {}
    manual: set[str] = set()
    for row in rows:
        slug, at = str(row["slug"]), _aware(row["completed_at"])
        if row["step"] == Step.ACCOUNT_CREATED:
            started[slug] = at
        elif row["step"] == Step.ACTIVE:
            active[slug] = at
        if by_operator(str(row["how"])):
            manual.add(slug)
    onboardings = [
        _Onboarding(at, active.get(slug), slug in manual) for slug, at in started.items()
    ]
    if not onboardings:
        return OnboardingKpi()
    done = [o for o in onboardings if o.active is not None]
    stalled = [o for o in onboardings if o.active is None and now - o.started > stalled_after]
    decided = len(done) + len(stalled)
    return OnboardingKpi(
        started=len(onboardings),
        active=len(done),
        in_progress=len(onboardings) - decided,
        stalled=len(stalled),
        success_rate=len(done) / decided if decided else None,
        manual=sum(o.manual for o in onboardings),
        manual_share=sum(o.manual for o in onboardings) / len(onboardings),
        median_to_active_s=(
            statistics.median((o.active - o.started).total_seconds() for o in done if o.active)
            if done
            else None
        ),
    )


def incident_kpi(records: Iterable[IncidentRecord], open_count: int) -> IncidentKpi:
    durations = [r.resolve_s for r in records if r.resolve_s is not None]
    if not durations:
        return IncidentKpi(open=open_count)
    return IncidentKpi(
        open=open_count,
        closed=len(durations),
        median_resolve_s=statistics.median(durations),
        max_resolve_s=max(durations),
        within_target=sum(d <= RESOLVE_TARGET_S for d in durations) / len(durations),
    )


def format_duration(seconds: float | None) -> str:
    """``21.4 s``, ``35 min``, ``2.5 h`` (``-`` when not measured)."""
    if seconds is None:
        return "-"
    if seconds < 120:  # noqa: PLR2004
        return f"{seconds:.1f} s"
    if seconds < 7200:  # noqa: PLR2004
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def format_share(value: float | None) -> str:
    """``97.5 %`` (``-`` when nothing was counted)."""
    return "-" if value is None else f"{value * 100:.1f} %"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
