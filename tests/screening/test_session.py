"""The incremental engine: monotonic verdicts, detected_at, reasons, sensitivity, bounded cost."""

from __future__ import annotations

import pytest

from runtime.screening.engine import WINDOW_CHARS, ScreeningSession, score_call
from runtime.screening.model import CallMeta, CallRecord, Segment
from runtime.screening.risk import Thresholds, parse_sensitivity, thresholds_for

UNKNOWN = CallMeta(from_="+14505550100", to="+14385550100", forwarded_from="+15145559876")


def caller(t: float, text: str) -> Segment:
    return Segment(t=t, speaker="caller", text=text)


BANK_SCAM = [
    caller(1.0, "Hello, this is the fraud department of your bank."),
    caller(5.0, "Someone used your card for suspicious purchases."),
    caller(9.0, "You'll get a text with a code, read it back to me so I can block them."),
    caller(14.0, "Thank you, have a good day."),
]


def test_scam_is_detected_at_the_segment_that_tips_it() -> None:
    session = ScreeningSession(UNKNOWN, "en-CA", model=None)  # the rule path's exact tipping point
    verdicts = [session.feed(segment).verdict for segment in BANK_SCAM]
    assert verdicts[:2] == ["legit", "legit"]
    assert verdicts[2] == "scam"
    assert session.assessment.detected_at == 9.0


def test_verdict_never_goes_back_down() -> None:
    session = ScreeningSession(UNKNOWN, "en-CA", model=None)
    for segment in BANK_SCAM:
        session.feed(segment)
    after = session.feed(
        caller(20.0, "We will never ask for your PIN, hang up and call the number on your card.")
    )
    assert after.verdict == "scam"
    assert after.current_risk < after.risk  # the whole-call view did go down
    assert after.detected_at == 9.0


def test_learned_layer_warns_no_later_than_the_rules() -> None:
    rules = ScreeningSession(UNKNOWN, "en-CA", model=None)
    learned = ScreeningSession(UNKNOWN, "en-CA")
    for segment in BANK_SCAM:
        rules.feed(segment)
        learned.feed(segment)
    assert learned.assessment.verdict == "scam"
    assert learned.assessment.detected_at is not None
    assert rules.assessment.detected_at is not None
    assert learned.assessment.detected_at <= rules.assessment.detected_at


def test_legit_call_has_no_detection_time() -> None:
    session = ScreeningSession(UNKNOWN, "en-CA")
    result = session.feed(caller(1.0, "Hi, the dental clinic reminding you of Monday at nine."))
    assert result.verdict == "legit"
    assert result.detected_at is None


def test_single_weak_cue_is_at_most_suspicious() -> None:
    for text in ("This is urgent.", "Your account will be suspended.", "Gift cards are nice."):
        session = ScreeningSession(UNKNOWN, "en-CA")
        assert session.feed(caller(1.0, text)).verdict != "scam"


def test_real_bank_fraud_call_is_legit() -> None:
    session = ScreeningSession(UNKNOWN, "fr-CA")
    for segment in [
        caller(1.0, "Bonjour, ici le service des fraudes de votre banque."),
        caller(5.0, "On a remarqué une transaction suspecte de 400 $. Était-ce vous?"),
        Segment(t=9.0, speaker="callee", text="Non, c'est pas moi."),
        caller(
            12.0,
            "On bloque la carte. On ne vous demandera jamais votre NIP; si vous avez un "
            "doute, raccrochez et appelez le numéro au dos de votre carte.",
        ),
    ]:
        result = session.feed(segment)
    assert result.verdict == "legit"


def test_hacked_relative_in_contacts_is_still_caught() -> None:
    relative = CallMeta(from_="+15145550111", caller_in_contacts=True)
    session = ScreeningSession(relative, "fr-CA")
    for segment in [
        caller(1.0, "Grand-maman, c'est moi, j'suis en prison, j'ai besoin de la caution."),
        caller(6.0, "Dis-le pas à maman. Un coursier va passer chercher l'argent comptant."),
    ]:
        result = session.feed(segment)
    assert result.verdict == "scam"


def test_callee_repeating_a_request_weighs_less_than_the_caller() -> None:
    text = "buy gift cards and read the numbers on the back"
    by_caller = ScreeningSession(UNKNOWN).feed(caller(1.0, text))
    by_callee = ScreeningSession(UNKNOWN).feed(Segment(t=1.0, speaker="callee", text=text))
    assert by_callee.current_risk < by_caller.current_risk


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr-CA", "demande un code de vérification"), ("en-US", "asks for a one-time code")],
)
def test_reasons_are_in_the_call_language(lang: str, expected: str) -> None:
    session = ScreeningSession(UNKNOWN, lang)
    for segment in BANK_SCAM:
        session.feed(segment)
    assert expected in session.assessment.reasons


def test_legit_reasons_are_reassurances() -> None:
    session = ScreeningSession(CallMeta(from_="+14505550100", caller_in_contacts=True), "en-CA")
    result = session.feed(caller(1.0, "Hi mom, see you Sunday."))
    assert result.reasons == ("caller is in your contacts",)


def test_metadata_alone_can_warn_from_the_start() -> None:
    spoofed = CallMeta(
        from_="+15145559876",
        forwarded_from="+15145559876",
        stir_verstat="TN-Validation-Failed",
        caller_velocity=25,
    )
    session = ScreeningSession(spoofed, "en-CA")
    assert session.assessment.verdict != "legit"
    assert session.assessment.detected_at == 0.0


def test_sensitivity_shifts_thresholds() -> None:
    low, normal, high = (thresholds_for(level) for level in ("low", "normal", "high"))
    assert low.scam > normal.scam > high.scam
    assert low.suspicious > normal.suspicious > high.suspicious
    assert normal == Thresholds()
    assert thresholds_for(0.5) == normal
    assert thresholds_for(1.0) == high


def test_high_sensitivity_warns_earlier() -> None:
    segment = caller(1.0, "Your computer has a virus, install AnyDesk.")
    normal = ScreeningSession(UNKNOWN, sensitivity="normal", model=None).feed(segment)
    high = ScreeningSession(UNKNOWN, sensitivity="high", model=None).feed(segment)
    low = ScreeningSession(UNKNOWN, sensitivity="low", model=None).feed(segment)
    ranks = {"legit": 0, "suspicious": 1, "scam": 2}
    assert ranks[low.verdict] <= ranks[normal.verdict] <= ranks[high.verdict]
    assert ranks[low.verdict] < ranks[high.verdict]


@pytest.mark.parametrize("value", ["extreme", "1.5", "-0.1"])
def test_bad_sensitivity_is_rejected(value: str) -> None:
    with pytest.raises(ValueError, match="sensitivity"):
        parse_sensitivity(value)


@pytest.mark.parametrize(
    ("value", "parsed"), [("0", 0.0), ("1", 1.0), ("0.5", 0.5), ("high", "high")]
)
def test_sensitivity_bounds_are_included(value: str, parsed: float | str) -> None:
    assert parse_sensitivity(value) == parsed


def test_state_stays_bounded_on_long_calls() -> None:
    session = ScreeningSession(UNKNOWN, "en-CA")
    for i in range(2000):
        session.feed(caller(3.0 * i, "we talked about the weather and the hockey game again"))
    assert len(session._tail) <= WINDOW_CHARS
    assert session.assessment.verdict == "legit"


def test_scoring_a_recorded_call_replays_it_through_the_live_path() -> None:
    record = CallRecord(id="bank-1", lang="en-CA", call=UNKNOWN, segments=BANK_SCAM)
    session = ScreeningSession(UNKNOWN, "en-CA", "high")
    for segment in BANK_SCAM:
        session.feed(segment)
    line = score_call(record, "high")
    assert line.id == "bank-1"
    assert line.risk == round(session.assessment.risk, 3)
    assert (line.verdict, line.detected_at) == ("scam", session.assessment.detected_at)
    assert line.reasons == list(session.assessment.reasons)
    assert line.reasons
    assert score_call(record).verdict == "scam"
    # A call that says nothing risky is legit, with no detection time. (The bank scam's opening
    # line alone, a fraud department calling, is already suspicious for the refitted model.)
    pharmacy = [caller(1.0, "Hi, it's the pharmacy, your prescription is ready for pick-up.")]
    legit = score_call(CallRecord(id="x", lang="en-CA", call=UNKNOWN, segments=pharmacy))
    assert (legit.verdict, legit.detected_at) == ("legit", None)


def test_the_callers_own_number_read_out_is_no_callback_cue() -> None:
    said = "Call us back at 450 555 0100 to confirm."  # the caller's own number (UNKNOWN)
    own = ScreeningSession(UNKNOWN, "en-CA", model=None)
    own.feed(caller(1.0, said))
    other = ScreeningSession(UNKNOWN, "en-CA", model=None)
    other.feed(caller(1.0, said.replace("450 555 0100", "514 555 0199")))
    assert other.assessment.risk > own.assessment.risk
    with_one = ScreeningSession(UNKNOWN, "en-CA", model=None)
    with_one.feed(caller(1.0, said.replace("450 555 0100", "1 450 555 0100")))
    assert with_one.assessment.risk == own.assessment.risk  # the country code is no difference
    hidden = ScreeningSession(CallMeta(from_=None), "en-CA", model=None)
    hidden.feed(caller(1.0, said))
    assert hidden.assessment.risk == other.assessment.risk  # no caller number: nothing to match
