"""The engine's bookkeeping per segment: cues across segment boundaries, repeats, who said
what, the learned layer's features and the reasons each verdict gives."""

from __future__ import annotations

import math

from runtime.screening.cues import Group, cue
from runtime.screening.engine import (
    LEARNED_REASON,
    MAX_REPEATS,
    WINDOW_CHARS,
    ScreeningSession,
    score_call,
)
from runtime.screening.explain import MAX_REASONS, reason
from runtime.screening.learned import NGRAM_FEATURES, PRETEXT_FLOOR, RULE_SCALE, default_model
from runtime.screening.model import CallMeta, CallRecord, Segment
from runtime.screening.risk import sigmoid

UNKNOWN = CallMeta(from_="+14505550100", to="+14385550100", forwarded_from="+15145559876")


def caller(t: float, text: str) -> Segment:
    return Segment(t=t, speaker="caller", text=text)


def callee(t: float, text: str) -> Segment:
    return Segment(t=t, speaker="callee", text=text)


def rules(meta: CallMeta = UNKNOWN, lang: str = "en-CA") -> ScreeningSession:
    return ScreeningSession(meta, lang, model=None)


def test_a_request_split_across_two_segments_is_found_once() -> None:
    session = rules()
    session.feed(caller(1.0, "Please read me the"))
    assert session.assessment.current_risk == rules().assessment.current_risk
    assert "cue:one_time_code" not in session.features()
    split = session.feed(caller(2.0, "code we just texted you."))
    whole = rules().feed(caller(1.0, "Please read me the code we just texted you."))
    assert split.current_risk == whole.current_risk > rules().assessment.current_risk
    assert "cue:one_time_code" in session.features()


def test_a_long_segment_keeps_its_last_words_for_the_next_one() -> None:
    filler = "we talked about the weather and the hockey game again " * 5
    session = rules()
    session.feed(caller(1.0, filler + "so please read me the"))
    session.feed(caller(2.0, "code we just texted you"))
    assert "cue:one_time_code" in session.features()
    # The tail is bounded and made of whole words: the end of what was said, cut at a space.
    tail = session._tail
    assert len(tail) <= WINDOW_CHARS
    assert tail.endswith("code we just texted you")
    assert f"{filler}so please read me the code we just texted you".endswith(" " + tail)
    assert len(tail) > WINDOW_CHARS - len("weather ")


def test_a_segment_as_long_as_the_window_is_kept_whole() -> None:
    text = "abcdefghi " * 15 + "abcdefgh"  # with the previous segment's "x ": 160 characters
    session = rules()
    session.feed(caller(1.0, "x"))
    session.feed(caller(2.0, text))
    assert session._tail == "x " + text


# A cue that may span the whole window: "start", any words, "stop".
SPANNING = cue("spanning", Group.CREDENTIAL, 2.0, r"start(?: [a-z]+)* stop")


def _spans(previous: str) -> bool:
    """Whether the cue begun in ``previous`` is found when the next segment ends it."""
    session = ScreeningSession(UNKNOWN, "en-CA", lexicon=(SPANNING,), model=None)
    session.feed(caller(1.0, previous))
    session.feed(caller(2.0, "stop"))
    return "cue:spanning" in session.features()


def test_a_cue_begun_anywhere_in_the_last_window_of_text_is_found() -> None:
    # Whatever word the window's edge cuts, a cue that starts on a whole word within it (after
    # the space before it) and ends in the next segment is found; one starting before is not.
    for room in range(WINDOW_CHARS - 12, WINDOW_CHARS):
        words = "start " + "word " * ((room - len("start ")) // 5)
        begun = words + "x" * (room - len(words))  # ``room`` characters from "start"
        for before in ("blah " * 8, "blah " * 8 + "b", "bla " * 40, ""):
            previous = f"{before} {begun}".strip()
            assert _spans(previous), (room, before)
    assert not _spans("start " + "word " * (WINDOW_CHARS // 5))


def test_a_word_longer_than_the_window_is_kept_in_part_and_scoring_goes_on() -> None:
    # A recogniser may run a spelled-out number or an address into one token.
    session = ScreeningSession(UNKNOWN, "en-CA", lexicon=(SPANNING,), model=None)
    session.feed(caller(1.0, "1234567890" * 30))
    session.feed(caller(2.0, "start and stop"))
    assert "cue:spanning" in session.features()


def test_a_reassurance_the_person_says_skips_itself_not_the_cues_after_it() -> None:
    # The shipped lexicon lists reassurances last; the engine must not rely on that order.
    lexicon = (
        cue("we_never_ask", Group.MITIGATION, -1.0, "we will never ask"),
        cue("gift_cards", Group.PAYMENT, 1.5, "gift cards"),
    )
    said = "we will never ask for that but go buy gift cards"
    person = ScreeningSession(UNKNOWN, "en-CA", lexicon=lexicon, model=None)
    person.feed(callee(1.0, said))
    assert "cue:we_never_ask" not in person.features()  # the person repeating it reassures nobody
    assert "cue:gift_cards" in person.features()
    caller_said = ScreeningSession(UNKNOWN, "en-CA", lexicon=lexicon, model=None)
    caller_said.feed(caller(1.0, said))
    assert {"cue:we_never_ask", "cue:gift_cards"} <= caller_said.features().keys()


def test_a_cue_said_again_weighs_more_up_to_a_bound() -> None:
    session = rules()
    risks = [
        session.feed(caller(float(t), "Go buy gift cards now.")).current_risk
        for t in range(MAX_REPEATS + 3)
    ]
    assert risks[0] < risks[1] < risks[MAX_REPEATS]  # each repeat, up to MAX_REPEATS, adds
    assert risks[MAX_REPEATS] == risks[MAX_REPEATS + 1] == risks[MAX_REPEATS + 2]
    assert risks[1] - risks[0] > 0.0
    # The same cue twice in one segment is one mention.
    once = rules().feed(caller(1.0, "Go buy gift cards now.")).current_risk
    twice = rules().feed(caller(1.0, "Go buy gift cards now, buy gift cards.")).current_risk
    assert once == twice == risks[0]


def test_the_caller_saying_what_the_person_said_first_weighs_fully() -> None:
    echoed = rules()
    echoed.feed(callee(1.0, "You want me to buy gift cards?"))
    later = echoed.feed(caller(2.0, "Yes, buy gift cards."))
    caller_twice = rules()
    caller_twice.feed(caller(1.0, "You want me to buy gift cards?"))
    both = caller_twice.feed(caller(2.0, "Yes, buy gift cards."))
    assert later.current_risk == both.current_risk
    only_callee = rules().feed(callee(1.0, "You want me to buy gift cards?"))
    assert only_callee.current_risk < later.current_risk


def test_the_person_repeating_a_cue_counts_but_their_reassurance_does_not() -> None:
    silent = rules().assessment.current_risk
    repeated = rules().feed(callee(1.0, "You want me to buy gift cards?")).current_risk
    assert repeated > silent
    reassured = rules().feed(callee(1.0, "The bank will never ask for your PIN.")).current_risk
    assert reassured == silent
    by_caller = rules().feed(caller(1.0, "The bank will never ask for your PIN.")).current_risk
    assert by_caller < silent


def test_the_callers_own_number_is_skipped_but_not_what_follows_it() -> None:
    said = "Call us back at 450 555 0100, press 1 to speak to an agent."
    own = rules()
    own.feed(caller(1.0, said))
    assert "cue:callback_number" not in own.features()
    assert "cue:ivr_prompt" in own.features()
    other = rules()
    other.feed(caller(1.0, said.replace("450 555 0100", "514 555 0199")))
    assert {"cue:callback_number", "cue:ivr_prompt"} <= set(other.features())


def test_the_persons_speech_feeds_no_scam_leaning_ngrams() -> None:
    model = default_model()
    assert model is not None
    text = "this is the microsoft technical support department your computer is infected"
    by_caller = ScreeningSession(UNKNOWN, "en-CA", model=model)
    by_caller.feed(caller(1.0, text))
    by_callee = ScreeningSession(UNKNOWN, "en-CA", model=model)
    by_callee.feed(callee(1.0, text))
    assert by_caller.features()["ngram:pos"] > 0
    assert by_callee.features()["ngram:pos"] == 0


def test_the_features_are_the_ones_the_model_weighs() -> None:
    model = default_model()
    assert model is not None
    session = ScreeningSession(UNKNOWN, "en-CA", model=model)
    session.feed(caller(1.0, "This is Microsoft support, your computer has a virus."))
    session.feed(caller(2.0, "Don't tell anyone. Install AnyDesk so I can fix it."))
    features = session.features()
    assert features[PRETEXT_FLOOR] == 1.0  # a marker for the floor, never fitted
    assert set(features) - {PRETEXT_FLOOR} <= set(model.weights)
    assert {"rule", "rule:confident", "recent:groups", "recent:ask_with_setup"} <= set(features)
    assert all(name in features for name in NGRAM_FEATURES)
    groups = {name for name in features if name.startswith("group:")}
    assert {"group:authority", "group:problem", "group:secrecy", "group:remote"} <= groups


def test_the_rule_feature_is_the_rules_log_odds_scaled() -> None:
    session = rules()
    for text in ("Your computer has a virus.", "Install AnyDesk."):
        session.feed(caller(1.0, text))
    features = session.features()
    assert PRETEXT_FLOOR not in features  # no pair: the assessment is the rules' log-odds
    rule_logit = features["rule"] / RULE_SCALE
    assert math.isclose(sigmoid(rule_logit), session.assessment.current_risk)
    assert features["rule:confident"] == max(rule_logit, 0.0) > 0
    calm = rules()
    calm.feed(caller(1.0, "Hi, see you Sunday."))
    assert calm.features()["rule"] < 0
    assert calm.features()["rule:confident"] == 0.0


def test_a_family_is_as_strong_as_its_strongest_speaker() -> None:
    session = rules()
    session.feed(caller(1.0, "Go buy gift cards."))
    session.feed(callee(2.0, "You want me to send it by Western Union?"))
    assert session.features()["group:payment"] == 1.0
    echo = rules()
    echo.feed(callee(1.0, "You want me to buy gift cards?"))
    assert echo.features()["group:payment"] == 0.5
    assert echo.features()["cue:gift_cards"] == 0.5


def test_recent_features_say_which_families_met() -> None:
    ask_only = rules()
    ask_only.feed(caller(1.0, "Install AnyDesk."))
    features = ask_only.features()
    assert features["recent:groups"] == 1 / 3
    assert "recent:ask_with_setup" not in features
    setup_only = rules()
    setup_only.feed(caller(1.0, "This is Microsoft support, your computer has a virus."))
    assert "recent:ask_with_setup" not in setup_only.features()
    assert setup_only.features()["recent:groups"] == 2 / 3
    both = rules()
    both.feed(caller(1.0, "This is Microsoft support, your computer has a virus."))
    both.feed(caller(2.0, "Install AnyDesk."))
    assert both.features()["recent:ask_with_setup"] == 1.0
    assert both.features()["recent:groups"] == 1.0
    nothing = rules()
    nothing.feed(caller(1.0, "Hi, see you Sunday."))
    assert not {"recent:groups", "recent:ask_with_setup"} & set(nothing.features())


def test_a_pretext_pair_is_a_feature_and_a_reason() -> None:
    session = rules()
    session.feed(caller(1.0, "This is Microsoft support, your computer has a virus."))
    assert session.features()[PRETEXT_FLOOR] == 1.0
    assert reason("pretext_pair", "en") in session.assessment.reasons


def test_the_learned_reason_comes_from_the_ngrams_of_english_calls_only() -> None:
    model = default_model()
    assert model is not None
    text = [
        "hello this is the microsoft technical support department",
        "we detected that your computer is infected with a virus and hackers",
        "please go to your computer and turn it on so i can fix the problem",
    ]
    english = ScreeningSession(UNKNOWN, "en-CA", model=model)
    for t, line in enumerate(text):
        english.feed(caller(float(t), line))
    weights = model.weights
    share = sum(weights[k] * english.features()[k] for k in NGRAM_FEATURES)
    assert share > LEARNED_REASON
    assert reason("learned", "en") in english.assessment.reasons
    french = ScreeningSession(UNKNOWN, "fr-CA", model=model)
    for t, line in enumerate(text):
        french.feed(caller(float(t), line))
    assert french.assessment.verdict != "legit"
    assert reason("learned", "fr") not in french.assessment.reasons


def test_a_warning_gives_its_strongest_signals_first() -> None:
    session = rules(CallMeta(from_="+14505550100", stir_verstat="TN-Validation-Failed"))
    session.feed(caller(1.0, "This is the police, there is a warrant for your arrest."))
    result = session.feed(caller(2.0, "Pay the fine in gift cards, buy gift cards now."))
    assert result.verdict == "scam"
    assert len(result.reasons) == MAX_REASONS
    assert result.reasons[0] == reason("gift_cards", "en")  # the strongest cue of the call
    # A weak signal still counts among them when fewer strong ones exist.
    short = rules(CallMeta(from_="anonymous")).feed(
        caller(1.0, "Buy gift cards and read me the numbers on the back.")
    )
    assert short.verdict != "legit"
    assert reason("hidden_caller", "en") in short.reasons


def test_a_legit_call_gives_only_its_reassurances() -> None:
    hidden = rules(CallMeta(from_="anonymous")).feed(caller(1.0, "Hi, see you Sunday."))
    assert hidden.verdict == "legit"
    assert hidden.reasons == ()
    contact = rules(CallMeta(from_="+14505550100", caller_in_contacts=True))
    reassured = contact.feed(caller(1.0, "The bank will never ask for your PIN."))
    assert reassured.reasons[0] == reason("never_asks", "en")  # the strongest reassurance
    assert set(reassured.reasons) == {reason("never_asks", "en"), reason("in_contacts", "en")}


def test_a_recorded_call_keeps_its_language_and_the_tenants_sensitivity() -> None:
    segments = [caller(1.0, "Votre ordinateur a un virus, installez AnyDesk.")]
    record = CallRecord(id="fr-1", lang="fr-CA", call=UNKNOWN, segments=segments)
    line = score_call(record)
    assert reason("remote_access", "fr") in line.reasons
    low = score_call(record, "low")
    high = score_call(record, "high")
    ranks = {"legit": 0, "suspicious": 1, "scam": 2}
    assert ranks[low.verdict] < ranks[high.verdict]
