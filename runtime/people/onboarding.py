"""Onboarding as a state machine per tenant.

account created → number provisioned → SIP app configured → forwarding verified → contacts
consented → test call passed → active. A step completes at most once, only after every step
before it (its record says when and how); ``active`` completes by itself when the others have.
The first step not completed is the *current* one: the pages list it with what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

__all__ = [
    "BY_OPERATOR",
    "STEPS",
    "OnboardingStatus",
    "Step",
    "StepOutOfOrder",
    "StepState",
    "by_operator",
]


class Step(StrEnum):
    ACCOUNT_CREATED = "account_created"
    NUMBER_PROVISIONED = "number_provisioned"
    SIP_APP_CONFIGURED = "sip_app_configured"
    FORWARDING_VERIFIED = "forwarding_verified"
    CONTACTS_CONSENTED = "contacts_consented"
    TEST_CALL_PASSED = "test_call_passed"
    ACTIVE = "active"


STEPS: Final[tuple[Step, ...]] = tuple(Step)

# Who completes each step: the system (✅ in the brief) or the person (phones and law require it).
BY_PERSON: Final[frozenset[Step]] = frozenset(
    {Step.SIP_APP_CONFIGURED, Step.FORWARDING_VERIFIED, Step.CONTACTS_CONSENTED}
)


# A step recorded by hand through the operator route (a manual intervention, counted by the
# KPI): its record's "how" starts with this.
BY_OPERATOR: Final = "by an operator: "


def by_operator(how: str) -> bool:
    """Whether a step record was written by an operator rather than by the system."""
    return how.startswith(BY_OPERATOR)


class StepOutOfOrder(ValueError):
    """A step was completed before the steps it follows."""


@dataclass(frozen=True, slots=True)
class StepState:
    step: Step
    completed_at: datetime | None
    how: str

    @property
    def done(self) -> bool:
        return self.completed_at is not None

    @property
    def by_person(self) -> bool:
        return self.step in BY_PERSON


@dataclass(frozen=True, slots=True)
class OnboardingStatus:
    """Every step of one tenant, in order."""

    slug: str
    steps: tuple[StepState, ...]

    @classmethod
    def of(cls, slug: str, done: dict[Step, tuple[datetime, str]]) -> OnboardingStatus:
        return cls(
            slug,
            tuple(StepState(s, *(done.get(s, (None, "")))) for s in STEPS),
        )

    @property
    def current(self) -> Step | None:
        """The first step not completed (``None`` once active)."""
        return next((s.step for s in self.steps if not s.done), None)

    @property
    def active(self) -> bool:
        return self.current is None

    def check_can_complete(self, step: Step) -> bool:
        """``False`` if already completed (nothing to do); raises if steps before it are not."""
        state = self.steps[STEPS.index(step)]
        if state.done:
            return False
        missing = [s.step for s in self.steps[: STEPS.index(step)] if not s.done]
        if missing:
            raise StepOutOfOrder(f"{self.slug}: cannot complete {step} before {', '.join(missing)}")
        return True
