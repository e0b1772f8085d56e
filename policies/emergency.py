"""emergency-address: the person's SIP app calls out only with their emergency address.

A 911 call from the app goes out from the tenant's number; Twilio gives the dispatcher that
number's registered emergency address, and routes a call from a number without one to a
national centre that must first ask where the caller is (and charges for it)
(https://www.twilio.com/docs/voice/sip/emergency-calling). So a stack that lets the app place
calls (a ``calls`` credential-list mapping on the SIP domain) must register the address on the
number and enable emergency calling on the domain with that number as the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

__all__ = ["MAPPING", "NUMBER", "SIP_DOMAIN_TYPE", "calls_without_emergency_address"]

_DYNAMIC: Final = "pulumi-python:dynamic/ethiq:"
MAPPING: Final = f"{_DYNAMIC}TwilioSipMapping"
NUMBER: Final = f"{_DYNAMIC}TwilioPhoneNumber"
SIP_DOMAIN_TYPE: Final = f"{_DYNAMIC}TwilioSipDomain"


def _set(value: Any) -> bool:
    """A sid, or a value not known yet in a preview (it is an output of the stack's own)."""
    return value != "" and value is not None


def calls_without_emergency_address(
    resources: Sequence[tuple[str, Mapping[str, Any]]],
) -> list[str]:
    """``resources``: (type, properties) of the stack's resources."""
    calls = [p for t, p in resources if t == MAPPING and p.get("mapping") == "calls"]
    if not calls:
        return []
    numbers = [p for t, p in resources if t == NUMBER]
    domains = [p for t, p in resources if t == SIP_DOMAIN_TYPE]
    problems = []
    if not numbers or not all(_set(n.get("emergency_address_sid")) for n in numbers):
        problems.append(
            "the SIP app may place calls (a 'calls' mapping) but the number has no emergency "
            "address: set ethiq:emergencyAddress (street, city, region, postalCode) in the "
            "stack file, so that 911 reaches the dispatcher with the person's address"
        )
    if not domains or not all(_set(d.get("emergency_caller_sid")) for d in domains):
        problems.append(
            "the SIP app may place calls but emergency calling is not enabled on the SIP domain "
            "(its emergency caller must be the number with the person's emergency address)"
        )
    return problems
