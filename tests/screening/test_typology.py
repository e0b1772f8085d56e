"""A call's typology: every cue is placed, and calls get the kind of scam their cues point to."""

from __future__ import annotations

import pytest

from runtime.screening.engine import ScreeningSession
from runtime.screening.lexicon import LEXICON
from runtime.screening.model import CallMeta, Segment
from runtime.screening.typology import CUE_TYPOLOGY, GENERIC_CUES, Typology, typology

UNKNOWN = CallMeta(from_="+14505550100", to="+14385550100", forwarded_from="+15145559876")


def test_every_cue_of_the_lexicon_is_placed_once() -> None:
    """A new cue needs a decision: which typology it points to, or none (generic)."""
    keys = {cue.key for cue in LEXICON}
    assert sorted(keys - set(CUE_TYPOLOGY) - GENERIC_CUES) == []
    assert sorted(set(CUE_TYPOLOGY) & GENERIC_CUES) == []
    assert sorted((set(CUE_TYPOLOGY) | GENERIC_CUES) - keys) == []  # none left behind


def test_the_weightiest_pretext_wins_and_only_positive_cues_count() -> None:
    # a request (remote access, a card number) counts less than a pretext (a virus, the bank)
    assert typology({"bank": 1.0, "remote_access": 2.0, "install_app": 1.0}) == "bank_impersonation"
    assert typology({"computer_problem": 1.0, "card_number": 2.0}) == "tech_support"
    assert typology({"remote_access": 1.0}) == "tech_support"
    assert typology({"bank": 1.0, "never_asks": -2.0, "urgency": 3.0}) == "bank_impersonation"
    assert typology({"urgency": 3.0, "gift_cards": 2.0}) == Typology.OTHER
    assert typology({"bank": -1.0}) == Typology.OTHER
    assert typology({"prize": 1.0, "romance_missing": 5.0}) == "prize"


def _judge(lines: list[str], lang: str = "en-US") -> tuple[str, str]:
    session = ScreeningSession(UNKNOWN, lang)
    for t, line in enumerate(lines):
        session.feed(Segment(t=float(t), speaker="caller", text=line))
    return session.assessment.verdict, session.assessment.typology


@pytest.mark.parametrize(
    ("lines", "lang", "expected"),
    [
        (
            [
                "this is microsoft windows support, your computer has a virus",
                "download anydesk so our technician can access your computer to fix it now",
                "then buy google play gift cards to pay for the security license",
            ],
            "en-US",
            "tech_support",
        ),
        (
            [
                "ici l'agence du revenu du canada, votre numéro d'assurance sociale est suspendu",
                "un mandat d'arrestation est émis contre vous, payez maintenant en bitcoin",
                "ne raccrochez pas et ne le dites à personne",
            ],
            "fr-CA",
            "government_impersonation",
        ),
        (
            [
                "hello this is amazon, an order of an iphone for 999 dollars was placed on your "
                "account, to cancel the order and get a refund press 1",
                "we will refund you, install this app so I can process the refund on your computer",
                "the refund went wrong, you must send the money back with gift cards",
            ],
            "en-US",
            "refund_order",
        ),
    ],
)
def test_calls_get_the_typology_their_cues_point_to(
    lines: list[str], lang: str, expected: str
) -> None:
    verdict, kind = _judge(lines, lang)
    assert verdict == "scam"
    assert kind == expected


def test_a_legit_call_has_no_typology() -> None:
    verdict, kind = _judge(["hi mom, just calling to say we land at six, see you at dinner"])
    assert (verdict, kind) == ("legit", "")
