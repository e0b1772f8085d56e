"""activation-gate: a tenant's stack buys its number only for a verified person who accepted
the terms.

Ethiq protects a person's phone line: before it buys a number in their name, their identity is
verified (Stripe Identity: an ID document and a matching selfie) and the terms they accepted are
recorded with their version and when. The number's provider reads the tenant's billing account
when the engine is about to create the number and keeps what it read as the number's
``activation`` input (``infra/providers/twilio_number.py``); this rule reads that input.

It is a resource policy, not a stack policy, because the engine runs resource policies on a
resource's inputs *before* its step, so a mandatory violation stops the purchase; stack
policies see the stack only once its resources were registered. (pulumi-policy: rules run
"immediately before [resources] are created or updated"; "during the update, the first policy
violation will halt the deployment", https://github.com/pulumi/pulumi-policy.)

What the rule lets through without a verified account, and why:

- an unknown value: a pull request's preview has no database credentials (the program makes
  them unknown, ``infra/program.py``); the apply reads the account and is gated;
- ``source: held``: a number the state already held before this gate existed; nothing is
  bought. A number bought under the gate keeps the record of that purchase.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from policies.values import UNKNOWN

__all__ = ["NUMBER", "activation_errors"]

NUMBER: Final = "pulumi-python:dynamic/ethiq:TwilioPhoneNumber"

# What to do, by Stripe Identity's VerificationSession status (and "none": never started).
# https://docs.stripe.com/identity/how-sessions-work
_KYC_NEXT: Final = {
    "none": "no identity verification was started: send the person their verification link "
    "(hosted by Stripe Identity) from the operator's onboarding view",
    # Recorded before the check's error code was kept: a failure or a session not started.
    "requires_input": "the identity verification failed or needs another try (a blurry or "
    "expired document, a selfie that does not match): the person opens a new verification "
    "link from their page; an operator may verify them in person instead",
    "processing": "the identity verification is being processed by Stripe: run the update "
    "again once it is verified (its webhook records it)",
    "canceled": "the identity verification was canceled or expired: start a new one for the person",
}


# A ``requires_input`` session told apart by its ``kyc_error`` (Stripe's ``last_error.code``,
# recorded by the billing account): none yet, or what failed.
_WAITING: Final = (
    "the person has not verified their identity yet (the session waits for them): send them "
    "their verification link (hosted by Stripe Identity) from the operator's onboarding view"
)
_FAILED: Final = "the identity verification failed ({code}): {what}"
_WHAT_FAILED: Final = (
    (
        ("document_", "id_number_"),
        "the document was not accepted (expired, unreadable or not a supported ID): ask for a "
        "valid, unexpired government ID and send a new verification link",
    ),
    (
        ("selfie_",),
        "the selfie did not match the document or could not be read: ask the person to retry "
        "in good light with a new verification link, or verify them in person",
    ),
    (
        ("abandoned", "consent_declined"),
        "the person left the verification or declined the biometric check: send a new link "
        "once they agree, or an operator verifies them in person",
    ),
)
_OTHER_FAILURE: Final = (
    "review the session on Stripe's dashboard, then send a new verification link or verify "
    "the person in person"
)


def _kyc_next(status: str, error: Any) -> str:
    """What to do for an unverified identity: by status, and for ``requires_input`` by its
    error code when the record carries one (absent: recorded before codes were kept)."""
    if status == "requires_input" and isinstance(error, str):
        if not error:
            return _WAITING
        what = next((w for prefixes, w in _WHAT_FAILED if error.startswith(prefixes)), None)
        return _FAILED.format(code=error, what=what or _OTHER_FAILURE)
    return _KYC_NEXT.get(status, f"identity verification status {status!r}")


def _blank(value: Any) -> bool:
    return value is None or value == ""


def activation_errors(stack: str, props: Mapping[str, Any]) -> list[str]:
    """Violations of a phone number's ``activation`` input (its properties ``props``)."""
    gate = props.get("activation")
    if gate is UNKNOWN:
        return []  # a preview without the platform database: the apply decides
    if not isinstance(gate, Mapping):
        return [
            f"the number of tenant {stack!r} declares no activation record: the stack may buy "
            "it only once the tenant's billing account is read (infra/providers/twilio_number.py)"
        ]
    if gate.get("source") == "held":
        return []
    problems = []
    status = str(gate.get("kyc_status") or "none")
    if status != "verified":
        next_step = _kyc_next(status, gate.get("kyc_error"))
        problems.append(
            f"tenant {stack!r} may not buy its number before the person's identity is verified "
            f"(KYC status {status!r}): {next_step}"
        )
    if _blank(gate.get("terms_version")) or _blank(gate.get("terms_accepted_at")):
        problems.append(
            f"tenant {stack!r} may not buy its number before the person accepts the terms "
            "(their version and when are recorded on the billing account)"
        )
    return problems
