"""Whose consent listening to a call needs, by region: the one table the call path and the
policy pack read.

Screening transcribes what the caller says as they say it. Where one party's consent suffices,
the protected person (a party to every screened call, who subscribed to the screening) gives
it. Where every party must consent (California Penal Code 632 covers recording *and*
eavesdropping on a confidential communication), the caller is told before the transcription
starts: a short bilingual notice, ``<Say>`` before ``<Start><Transcription>``
(:func:`runtime.telephony.twiml.say_consent_notice`), and staying on the line is their consent.
The alternative, transcribing only the person's track, was refused: the scam is in the
caller's words, so screening would lose what it exists for. Recording (audio kept) stays
refused there altogether (``policies/recording.py``). The table is this platform's
conservative reading, reviewed like code, for counsel to confirm; a served region missing from
it is refused by the ``consent-notice`` policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Final

__all__ = ["CONSENT_RULES", "Consent", "consent_rule", "needs_consent_notice"]


class Consent(Enum):
    ONE_PARTY = "one-party consent"
    ALL_PARTY = "all-party consent"


CONSENT_RULES: Final[Mapping[str, Consent]] = {
    "CA-QC": Consent.ONE_PARTY,  # Criminal Code s. 184(2)(a), federal
    "CA-ON": Consent.ONE_PARTY,
    "CA-BC": Consent.ONE_PARTY,
    "US-NY": Consent.ONE_PARTY,  # NY Penal Law 250.00
    "US-CA": Consent.ALL_PARTY,  # California Penal Code 632
}


def consent_rule(region: str) -> Consent | None:
    """The region's rule (``CA-QC``, any case), ``None`` for a region without one."""
    return CONSENT_RULES.get(region.strip().upper())


def needs_consent_notice(region: str) -> bool:
    """Whether a call of a tenant in ``region`` is told it is transcribed before it is."""
    return consent_rule(region) is Consent.ALL_PARTY
