"""The Console step of each tenant's Advanced Opt-Out, tracked rather than remembered.

Twilio has no API for Advanced Opt-Out, so an operator enters the keywords and replies of
:func:`runtime.alerts.keywords.console_entries` in the Console, and records it
(``ethiq tenant opt-out-replies NAME --entered``). The registry keeps the fingerprint recorded;
the tenant's registration (its person's name, its Messaging Service) says what the Console must
hold now. The step is *due* while the two differ: never entered, the person's name changed,
the code's keywords or replies changed, or the tenant has a new Messaging Service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from runtime.alerts.keywords import console_fingerprint
from runtime.tenants.records import OptOutEntered, TenantRecord

__all__ = ["ENTERED_ACTION", "ConsoleStep", "console_step", "entered_command"]

# The operator's action in the onboarding's records (counted by the manual-step KPI).
ENTERED_ACTION: Final = "opt_out_replies"


def entered_command(slug: str) -> str:
    """What the operator runs: it prints the entries, then records them as entered."""
    return f"ethiq tenant opt-out-replies {slug} --entered"


@dataclass(frozen=True, slots=True)
class ConsoleStep:
    slug: str
    person_name: str
    service_sid: str  # "": no Messaging Service, nothing to enter
    expected: str  # the fingerprint the Console must hold
    entered: OptOutEntered | None

    @property
    def why_due(self) -> str:
        """Why the step is to be done (again); "" when it is not due."""
        if not self.service_sid:
            return ""
        if self.entered is None:
            return "never entered"
        if self.entered.service_sid != self.service_sid:
            return f"entered on another Messaging Service ({self.entered.service_sid or 'none'})"
        if self.entered.fingerprint != self.expected:
            return (
                f"the replies changed since {self.entered.at:%Y-%m-%d %H:%M} UTC "
                "(the person's name, or the keywords and replies in code)"
            )
        return ""

    @property
    def due(self) -> bool:
        return bool(self.why_due)

    @property
    def command(self) -> str:
        return entered_command(self.slug) if self.due else ""


def console_step(tenant: TenantRecord, entered: OptOutEntered | None) -> ConsoleStep:
    """The tenant's step, from its registration and the operator's last record."""
    return ConsoleStep(
        tenant.slug,
        tenant.person_name,
        tenant.messaging_service_sid,
        console_fingerprint(tenant.person_name),
        entered,
    )
