"""A call's typology: every cue is placed, and calls get the kind of scam their cues point to."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.screening.engine import ScreeningSession
from runtime.screening.evaluate import OWN_SET, Outcome, typology_attribution
from runtime.screening.lexicon import LEXICON
from runtime.screening.model import CallMeta, Segment
from runtime.screening.typology import CUE_TYPOLOGY, GENERIC_CUES, Typology, of_label, typology

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


def test_eval_counts_how_often_the_named_typology_is_the_labels() -> None:
    def outcome(label: str, typology_label: str, verdict: str, named: str, source: str) -> Any:
        return Outcome(
            id=f"{typology_label}-{named}",
            source=source,
            language="en",
            label=label,
            typology=f"real:{typology_label}",
            verdict=verdict,  # type: ignore[arg-type]
            whole_call=verdict,  # type: ignore[arg-type]
            risk=0.9,
            detected_at=1.0,
            attributed=named,
        )

    outcomes = [
        outcome("scam", "refund_subscription", "scam", "refund_order", "real"),  # an alias
        outcome("scam", "fake_order_amazon_paypal", "suspicious", "tech_support", "real"),
        outcome("scam", "tech_support", "legit", "", "real"),  # missed: not counted
        outcome("scam", "tech_support", "scam", "tech_support", OWN_SET),  # the templates
        outcome("legit", "peer_call", "scam", "bank_impersonation", "real"),  # a false alarm
    ]
    found = typology_attribution(outcomes)
    assert (found.flagged, found.agree, found.rate) == (2, 1, 0.5)
    assert found.by_label == {"refund_order": (1, 2)}
    assert of_label("youtube_scambait") == "other"


def test_weights_add_up_per_typology_and_ties_go_to_the_first() -> None:
    # Two weaker cues of one typology outweigh one stronger of another (they add up).
    assert typology({"computer_problem": 0.6, "tech_company": 0.0, "prize": 1.0}) == "prize"
    assert typology({"computer_problem": 0.6, "unwanted_order": 0.5, "refund_pretext": 0.5}) == (
        "refund_order"
    )
    # A pretext counts whole: 1.0 of a pretext beats 1.9 of requests (0.57) and 0.9 of another.
    assert typology({"warranty": 1.0, "utility": 0.9}) == "warranty"
    assert typology({"bank": 0.5, "remote_access": 1.9}) == "tech_support"  # 0.57 > 0.5
    assert typology({"bank": 0.6, "remote_access": 1.9}) == "bank_impersonation"
    # Nothing counts at zero; a tie goes to the first typology in the declared order.
    assert typology({"bank": 0.0}) == Typology.OTHER
    assert typology({"prize": 1.0, "grandparent_missing": 0.0, "arrest_bail": 1.0}) == (
        "grandparent"
    )
    assert typology({"investment": 1.0, "prize": 1.0}) == "prize"


def test_evaluation_labels_map_to_our_typologies() -> None:
    assert of_label("tech_support") == "tech_support"
    assert of_label("refund_subscription") == of_label("fake_order_amazon_paypal") == "refund_order"
    assert of_label("auto_warranty") == "warranty"
    assert of_label("something_else") == "other"
