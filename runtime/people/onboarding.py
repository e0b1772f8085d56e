"""Onboarding as a state machine per tenant.

account created → identity verified → terms accepted → number provisioned → SIP app configured
→ forwarding verified → contacts consented → test call passed → active. A step completes at most
once, only after every step before it (its record says when and how); ``active`` completes by
itself when the others have. The first step not completed is the *current* one: the pages list
it with what to do, and a failed, pending or expired identity verification says what to do
about it (:attr:`StepState.todo`).

The number is bought only after the two billing steps (the ``activation-gate`` policy reads the
same record, ``runtime/billing/activation.py``). They complete from billing's record, which the
web layer passes in as a :class:`Standing` (people does not import billing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

__all__ = [
    "BY_OPERATOR",
    "IDENTITY_ISSUES",
    "IN_PERSON",
    "OPERATOR_ACTION",
    "STEPS",
    "OnboardingStatus",
    "Standing",
    "Step",
    "StepOutOfOrder",
    "StepState",
    "by_operator",
    "identity_issue",
]


class Step(StrEnum):
    ACCOUNT_CREATED = "account_created"
    IDENTITY_VERIFIED = "identity_verified"
    TERMS_ACCEPTED = "terms_accepted"
    NUMBER_PROVISIONED = "number_provisioned"
    SIP_APP_CONFIGURED = "sip_app_configured"
    FORWARDING_VERIFIED = "forwarding_verified"
    CONTACTS_CONSENTED = "contacts_consented"
    TEST_CALL_PASSED = "test_call_passed"
    ACTIVE = "active"


STEPS: Final[tuple[Step, ...]] = tuple(Step)

# Who completes each step: the system (✅ in the brief) or the person (phones and law require it).
BY_PERSON: Final[frozenset[Step]] = frozenset(
    {
        Step.IDENTITY_VERIFIED,
        Step.TERMS_ACCEPTED,
        Step.SIP_APP_CONFIGURED,
        Step.FORWARDING_VERIFIED,
        Step.CONTACTS_CONSENTED,
    }
)

# What keeps the identity step pending, each with its own "what to do" text
# (https://docs.stripe.com/identity/how-sessions-work): Stripe's status, and for a failed check
# (``requires_input`` with an error) what failed, from the session's ``last_error.code``: the
# document, the selfie, a flow left or consent declined, or something else (``requires_input``
# alone). ``canceled`` is an expired or cancelled session, ``processing`` one being checked. A
# ``requires_input`` session without an error is no issue: it waits for the person to start
# (the plain "verify your identity" text), and so is one recorded before errors were kept
# (``kyc_error`` None): its past is unknown, and the person may always start again.
IDENTITY_ISSUES: Final[frozenset[str]] = frozenset(
    {
        "requires_input",
        "requires_input_document",
        "requires_input_selfie",
        "requires_input_abandoned",
        "processing",
        "canceled",
    }
)
# Stripe's ``last_error.code`` values (the VerificationSession object's reference), by kind.
_ERROR_KINDS: Final = (
    (("document_", "id_number_"), "document"),
    (("selfie_",), "selfie"),
    (("abandoned", "consent_declined"), "abandoned"),
)


@dataclass(frozen=True, slots=True)
class Standing:
    """Billing's record of the person's identity verification and accepted terms."""

    kyc_status: str
    kyc_updated_at: datetime | None
    verification_id: str
    terms_version: str
    terms_accepted_at: datetime | None
    kyc_error: str | None = None  # Stripe's last_error.code ("" none, None: not recorded)


def identity_issue(standing: Standing | None) -> str:
    """Why the identity step is not done yet (``""``: nothing started, or a session waiting for
    the person to start it, or nothing wrong)."""
    if standing is None:
        return ""
    if standing.kyc_status != "requires_input":
        return standing.kyc_status if standing.kyc_status in IDENTITY_ISSUES else ""
    error = standing.kyc_error
    if not error:  # "" waits for the person; None is unknown: starting again is the way on
        return ""
    kind = next((k for prefixes, k in _ERROR_KINDS if error.startswith(prefixes)), "")
    return f"requires_input_{kind}" if kind else "requires_input"


# A manual intervention, counted by the KPI: anything an operator did for an onboarding,
# whatever the route. Its record (a row of the onboarding's table) has a "how" starting with
# BY_OPERATOR: a step an operator completed (``POST …/onboarding/{step}``, or the identity step
# from an in-person check), or an operator's action that is not a step (enrolment through the
# operator route, Stripe's links sent, a test call started, a SIP password made, the Advanced
# Opt-Out Console step recorded), under ``OPERATOR_ACTION + <action>`` in place of a step,
# once per action.
BY_OPERATOR: Final = "by an operator: "
OPERATOR_ACTION: Final = "operator:"
# Billing's verification id of an identity checked face to face (``ethiq billing
# verified-in-person``): ``IN_PERSON + <operator's name>``.
IN_PERSON: Final = "operator:"


def by_operator(how: str) -> bool:
    """Whether an onboarding record was written for an operator's hand rather than by the
    system or the person (the one test the KPI applies)."""
    return how.startswith(BY_OPERATOR)


class StepOutOfOrder(ValueError):
    """A step was completed before the steps it follows."""


@dataclass(frozen=True, slots=True)
class StepState:
    step: Step
    completed_at: datetime | None
    how: str
    issue: str = ""  # a pending step's problem (IDENTITY_ISSUES), chooses what to do

    @property
    def todo(self) -> str:
        """The catalogue key of what to do (``do_<step>``, or ``do_<step>_<issue>``)."""
        return f"do_{self.step}_{self.issue}" if self.issue else f"do_{self.step}"

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
    def of(
        cls,
        slug: str,
        done: dict[Step, tuple[datetime, str]],
        issues: dict[Step, str] | None = None,
    ) -> OnboardingStatus:
        issues = issues or {}
        states = []
        for s in STEPS:
            at, how = done.get(s, (None, ""))
            states.append(StepState(s, at, how, "" if s in done else issues.get(s, "")))
        return cls(slug, tuple(states))

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
