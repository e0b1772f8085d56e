"""Which kind of scam a call looks like, from the cues that raised its risk.

The operator watches typologies across tenants (a wave of fake refund calls, a new government
script): each cue of the lexicon either points to one typology or says only "scam" (urgency,
secrecy, gift cards, a recorded "press 1"), and a call's typology is the one its pointing cues
weigh most, ``other`` when none does. The names follow the evaluation sets' typology labels
where they exist (``bank_impersonation``, ``tech_support``…), so attribution can be measured on
them. A test requires every cue of the lexicon to be placed here, one way or the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from runtime.screening.cues import ASKS
from runtime.screening.lexicon import LEXICON

__all__ = ["CUE_TYPOLOGY", "GENERIC_CUES", "Typology", "of_label", "typology"]


class Typology(StrEnum):
    GRANDPARENT = "grandparent"  # a relative in trouble: accident, arrest, bail, lawyer
    BANK = "bank_impersonation"  # the bank's "fraud department", card, PIN, safe account
    GOVERNMENT = "government_impersonation"  # tax office, SIN/SSN suspended, police, warrant
    TECH_SUPPORT = "tech_support"  # virus, remote access, a tech company's support line
    REFUND = "refund_order"  # an order, renewal or subscription to cancel or refund
    UTILITY = "utility"  # power or gas disconnected unless paid now
    WARRANTY = "warranty"  # car or home warranty "final notice"
    PRIZE = "prize"  # a prize or lottery with fees to pay first
    ROMANCE = "romance"
    INVESTMENT = "investment"  # guaranteed returns, crypto
    OTHER = "other"


CUE_TYPOLOGY: Final[Mapping[str, Typology]] = {
    "arrest_bail": Typology.GRANDPARENT,
    "emergency": Typology.GRANDPARENT,
    "guess_who": Typology.GRANDPARENT,
    "lawyer": Typology.GRANDPARENT,
    "bank": Typology.BANK,
    "account_problem": Typology.BANK,
    "safe_account": Typology.BANK,
    "investigator": Typology.BANK,
    "case_file": Typology.BANK,
    "banking_login": Typology.BANK,
    "bank_details": Typology.BANK,
    "card_number": Typology.BANK,
    "card_codes": Typology.BANK,
    "pin": Typology.BANK,
    "one_time_code": Typology.BANK,
    "cash_withdrawal": Typology.BANK,
    "rate_reduction": Typology.BANK,  # "card services": lower your credit card's rate
    "government": Typology.GOVERNMENT,
    "police": Typology.GOVERNMENT,
    "legal_threat": Typology.GOVERNMENT,
    "sin_request": Typology.GOVERNMENT,
    "suspension": Typology.GOVERNMENT,
    "computer_problem": Typology.TECH_SUPPORT,
    "remote_access": Typology.TECH_SUPPORT,
    "install_app": Typology.TECH_SUPPORT,
    "computer_guidance": Typology.TECH_SUPPORT,
    "unwanted_order": Typology.REFUND,
    "refund_pretext": Typology.REFUND,
    "utility": Typology.UTILITY,
    "disconnection": Typology.UTILITY,
    "warranty": Typology.WARRANTY,
    "prize": Typology.PRIZE,
    "upfront_fee": Typology.PRIZE,
    "remote_romance": Typology.ROMANCE,
    "investment": Typology.INVESTMENT,
    "crypto": Typology.INVESTMENT,
}

# Cues common to many typologies: they raise the risk but do not say which scam it is.
GENERIC_CUES: Final = frozenset(
    {
        # pressure, secrecy and the ways to pay any scam asks for
        "urgency",
        "stay_on_line",
        "secrecy",
        "coaching",
        "confidential",
        "pay_or_else",
        "send_money",
        "wire_transfer",
        "gift_cards",
        "gift_card_mention",
        "courier_pickup",  # the grandparent's "bail" and the bank investigator's card pickup
        "overdue",  # a tax, a bill, a subscription
        # a pretext to "verify" an identity, a callback number, a recorded notice
        "identity_problem",
        "verification_pretext",
        "impersonation_hint",
        "callback_number",
        "ivr_prompt",
        "notice_followup",
        "recorded_notice",
        "robocall_followup",
        "endearment",
        # a company's name or support line (Amazon, Microsoft, PayPal, "refund department"):
        # refund, order and tech-support scams all open with one
        "tech_company",
        "support_line",
        "clergy",
        # reassurances (they lower the risk)
        "never_asks",
        "official_callback",
        "self_initiated",
        "surprise",
    }
)


# The pretext tells scams apart, the means much less: refund and tech-support scams both take
# remote access, bank and government ones both ask for credentials. A request's weight counts
# for this much of a pretext's.
MEANS_SHARE: Final = 0.3
_MEANS: Final = frozenset(c.key for c in LEXICON if c.group in ASKS)


def typology(contributions: Mapping[str, float]) -> Typology:
    """The typology whose cues contributed most to the risk (``other`` if none did), requests
    counting for :data:`MEANS_SHARE` of a pretext; ties go to the first in :class:`Typology`'s
    order."""
    weights: dict[Typology, float] = {}
    for key, value in contributions.items():
        kind = CUE_TYPOLOGY.get(key)
        if kind is not None and value > 0:
            share = MEANS_SHARE if key in _MEANS else 1.0
            weights[kind] = weights.get(kind, 0.0) + value * share
    if not weights:
        return Typology.OTHER
    order = list(Typology)
    return max(weights, key=lambda kind: (weights[kind], -order.index(kind)))


# Evaluation sets' typology labels that name one of ours differently.
_LABELS: Final[Mapping[str, Typology]] = {
    "fake_order_amazon_paypal": Typology.REFUND,
    "refund_subscription": Typology.REFUND,
    "auto_warranty": Typology.WARRANTY,
    "grandparent_emergency": Typology.GRANDPARENT,
}


def of_label(label: str) -> str:
    """Our typology for an evaluation set's label (without its source prefix); ``other`` for
    a label we have no typology for."""
    if label in _LABELS:
        return _LABELS[label]
    return label if label in set(Typology) else Typology.OTHER
