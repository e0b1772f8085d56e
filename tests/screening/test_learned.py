"""The learned layer: the committed model file, its loading, and one scoring path for both the
runtime and the cross-validation."""

from __future__ import annotations

import json
import math
import re
import zlib
from pathlib import Path

import pytest

from runtime.screening.data.generate import DEVSET
from runtime.screening.engine import ScreeningSession
from runtime.screening.evaluate import Labels
from runtime.screening.jsonl import decode_lines, read_lines
from runtime.screening.learned import (
    BUCKETS,
    MODEL_FILE,
    PRETEXT_FLOOR,
    RECENT_SEGMENTS,
    RULE_SCALE,
    SCAM_NGRAM_KNEE,
    LinearModel,
    NgramState,
    _bucket,
    default_model,
    hashed_grams,
)
from runtime.screening.lexicon import LEXICON
from runtime.screening.metadata import metadata_signals
from runtime.screening.model import CallMeta, CallRecord, Segment
from runtime.screening.risk import PRETEXT_PAIR, Thresholds
from runtime.screening.train import (
    FALSE_ALARM_BUDGET,
    SCAM_RANGE,
    WARNING_BUDGET,
    median_thresholds,
    replay,
    score,
    select_thresholds,
    train,
)

_FEATURE = re.compile(
    r"(rule|rule:confident|lang:fr|ngram:(recent_)?(pos|neg)|recent:(groups|ask_with_setup)"
    r"|pattern:pretext_pair|(cue|group|meta):[a-z_]+)"
)


def test_model_file_holds_weights_and_hashes_only() -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["buckets"] == BUCKETS
    assert all(_FEATURE.fullmatch(name) for name in data["weights"]), data["weights"]
    assert all(key.isdigit() and 0 <= int(key) < BUCKETS for key in data["ngrams"])
    assert all(isinstance(w, float) for w in data["ngrams"].values())
    assert all(re.fullmatch(r"[0-9a-f]{12}", h) for h in data["info"]["call_ids"])
    assert MODEL_FILE.stat().st_size < 200_000


def test_model_knows_the_cues_it_weighs() -> None:
    model = default_model()
    assert model is not None
    keys = {entry.key for entry in LEXICON}
    for name in model.weights:
        if name.startswith("cue:"):
            assert name.removeprefix("cue:") in keys


def test_wrong_model_file_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a screening model file"):
        LinearModel.from_json('{"format": "something-else"}')
    good = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    good["buckets"] = 12
    with pytest.raises(ValueError, match="buckets"):
        LinearModel.from_json(json.dumps(good))


def test_round_trip() -> None:
    model = LinearModel(
        -1.0, {"rule": 1.5, "cue:pin": 0.25}, {7: 1.25, 9: -2.0}, {"l2": 1.0}, Thresholds(0.4, 0.7)
    )
    again = LinearModel.from_json(model.to_json())
    assert again == model


def test_ngram_state_is_bounded_by_the_table() -> None:
    state = NgramState({})
    for _ in range(50):
        state.add(["words", "the", "table", "does", "not", "know"])
    assert state.seen == set()
    assert set(state.features().values()) == {0.0}
    assert len(state.recent) == RECENT_SEGMENTS


def test_scam_leaning_ngrams_count_only_in_the_callers_speech() -> None:
    """The protected person answering like a contact centre is not the pitch of a fake one;
    legitimate-leaning n-grams count from anyone."""
    greeting = ["thank", "you", "for", "calling"]
    table = {b: 1.5 for b in hashed_grams(greeting)} | {b: -1.5 for b in hashed_grams(["soup"])}
    callee, caller = NgramState(table), NgramState(table)
    callee.add([*greeting, "soup"], caller=False)
    caller.add([*greeting, "soup"], caller=True)
    assert callee.features()["ngram:pos"] == 0.0
    assert callee.features()["ngram:neg"] == caller.features()["ngram:neg"] > 0.0
    assert caller.features()["ngram:pos"] > 0.0
    # Said later by the caller, the same n-grams count then.
    callee.add(greeting, caller=True)
    assert callee.features()["ngram:pos"] == caller.features()["ngram:pos"]


def test_a_few_scam_leaning_ngrams_count_less_than_a_dense_run() -> None:
    """Scam-leaning sums pass a knee: one such word now and then counts less than a legitimate-
    leaning word of the same weight, and the gap closes as the pitch's words pile up."""

    def ratio(scam_words: list[str], legit_words: list[str]) -> tuple[float, float]:
        table = {b: 1.5 for b in hashed_grams(scam_words)}
        table |= {b: -1.5 for b in hashed_grams(legit_words)}
        state = NgramState(table)
        state.add([*scam_words, ".", *legit_words])
        f = state.features()
        return f["ngram:pos"] / f["ngram:neg"], f["ngram:recent_pos"] / f["ngram:recent_neg"]

    few = ratio(["refund"], ["soup"])
    dense = ratio(["a", "b", "c", "d", "e", "f"], ["u", "v", "w", "x", "y", "z"])
    assert few[0] == few[1] == pytest.approx(math.log1p(1.5 / SCAM_NGRAM_KNEE) / math.log1p(1.5))
    assert few[0] < dense[0] < 1.0
    assert few[1] < dense[1] < 1.0


def test_recent_evidence_fades_while_the_call_wide_evidence_stays() -> None:
    session = ScreeningSession(CallMeta(), "en-US", model=None)
    session.feed(Segment(1.0, "caller", "this is your bank, read me the code we just sent you"))
    assert session.features()["recent:ask_with_setup"] == 1.0
    for i in range(RECENT_SEGMENTS):
        session.feed(Segment(5.0 + i, "caller", "the weather is nice and the garden is green"))
    features = session.features()
    assert "recent:groups" not in features
    assert "recent:ask_with_setup" not in features
    assert features["cue:one_time_code"] == 1.0  # what was said still counts for the call


def test_thresholds_are_the_lowest_within_the_budgets() -> None:
    calls = [replay(r, lab, "own-set") for r, lab in _devset_sample()]
    legit = [c for c in calls if not c.scam and c.english]
    # English legitimate calls' out-of-fold peaks spread from 0.05 up; scams' and French calls'
    # (which keep the rules' thresholds) do not matter.
    peaks = []
    rank = 0
    for call in calls:
        if call.scam or not call.english:
            peaks.append(0.99)
        else:
            peaks.append(0.05 + 0.55 * rank / len(legit))
            rank += 1
    chosen = select_thresholds(calls, peaks)
    legit_peaks = [p for c, p in zip(calls, peaks, strict=True) if not c.scam and c.english]

    def share(threshold: float) -> float:
        return sum(p >= threshold for p in legit_peaks) / len(legit_peaks)

    assert share(chosen.scam) <= FALSE_ALARM_BUDGET
    assert share(chosen.suspicious) <= WARNING_BUDGET
    assert chosen.suspicious <= chosen.scam
    # One step lower would break the budget (or the floor is reached).
    assert chosen.scam == SCAM_RANGE[0] or share(chosen.scam - 0.01) > FALSE_ALARM_BUDGET
    scams = [c for c in calls if c.scam]
    assert select_thresholds(scams, [0.9] * len(scams)) == Thresholds()


def test_committed_thresholds_are_the_median_of_the_folds_choices() -> None:
    def model(suspicious: float, scam: float) -> LinearModel:
        return LinearModel(0.0, {}, {}, thresholds=Thresholds(suspicious, scam))

    folds = [model(0.52, 0.62), model(0.49, 0.77), model(0.54, 0.73), model(0.52, 0.61)]
    folds.append(model(0.60, 0.65))
    assert median_thresholds(folds) == Thresholds(suspicious=0.52, scam=0.65)
    # A warning never needs more risk than an alert.
    assert median_thresholds([model(0.7, 0.6)]) == Thresholds(suspicious=0.6, scam=0.6)
    committed = default_model()
    assert committed is not None
    spread = committed.info["fold_thresholds"]
    assert isinstance(spread, list)
    assert committed.thresholds == median_thresholds([model(**t) for t in spread])


def _devset_sample() -> list[tuple[CallRecord, Labels]]:
    lines = read_lines(DEVSET)
    records = decode_lines(lines, CallRecord)
    labels = decode_lines(lines, Labels)
    return list(zip(records, labels, strict=True))[::9]


def test_cross_validation_scores_calls_exactly_as_the_runtime_does() -> None:
    """The CV path (replayed features, fold model) and a live session agree segment by segment."""
    model = default_model()
    assert model is not None
    for record, labels in _devset_sample():
        outcome = score(replay(record, labels, "own-set"), model)
        session = ScreeningSession(record.call, record.lang, model=model)
        for segment in record.segments:
            session.feed(segment)
        live = session.assessment
        assert outcome.risk == pytest.approx(live.risk, abs=1e-9), record.id
        assert outcome.verdict == live.verdict, record.id
        assert outcome.detected_at == live.detected_at, record.id


def test_training_is_deterministic() -> None:
    calls = [replay(r, lab, "own-set") for r, lab in _devset_sample()]
    assert train(calls).to_json() == train(calls).to_json()


def test_french_calls_get_no_ngram_evidence() -> None:
    session = ScreeningSession(CallMeta(), "fr-CA")
    session.feed(Segment(1.0, "caller", "thank you for calling support dear customer press 1"))
    features = session.features()
    assert "ngram:pos" not in features
    assert features["lang:fr"] == 1.0


def test_metadata_reaches_the_model() -> None:
    meta = CallMeta(from_="+15145550123", stir_verstat="TN-Validation-Failed")
    assert {s.key for s in metadata_signals(meta)} == {"stir_failed"}
    assert ScreeningSession(meta, "en-US").features()["meta:stir_failed"] == 1.0


def test_the_committed_model_file_is_what_the_trainer_writes() -> None:
    """Rounding, order and layout of ``to_json`` are the committed file's: a retrain that
    changes nothing leaves ``git diff`` empty."""
    model = default_model()
    assert model is not None
    assert MODEL_FILE.read_text().rstrip("\n") == model.to_json()


def test_a_bigram_spans_segments_and_a_number_is_one_token() -> None:
    """A segment's first word pairs with the previous segment's last (a full stop ends the
    pair); an n-gram counts once per call, its weight in the recent sums of each segment."""
    grams = {b: i for i, b in enumerate(hashed_grams(["gift", "card", ".", "buy"]))}
    assert len(grams) == 4  # gift, gift card, card, buy: no "card buy" across the full stop
    pair, number_pair = _bucket("card 0"), _bucket("the card")
    state = NgramState({pair: 2.0, number_pair: -1.0, _bucket("card"): 0.5})
    state.add(["the", "card", "."])
    state.add(["card"])  # not after "." : the previous segment's last word is "card"
    state.add(["1234", "."])
    assert state.previous == "0"  # a number ends the segment: its bigrams generalise
    state.add(["card", "."])
    assert state.previous == "card"
    state.add(["4321"])
    assert (state.positive, state.negative) == (2.5, 1.0)  # each n-gram once
    assert state.recent[-1] == (2.0, 0.0)  # "card 0" again in this segment
    assert list(state.recent)[:2] == [(0.5, 1.0), (0.5, 0.0)]


def test_the_logit_weighs_only_the_features_the_model_knows() -> None:
    model = LinearModel(0.5, {"rule": 2.0, "cue:pin": -1.0}, {})
    assert model.logit({}) == 0.5
    assert model.logit({"rule": 1.5, "cue:pin": 1.0, "cue:unknown": 3.0}) == 0.5 + 3.0 - 1.0


# A model that judges every call harmless: only the rules' floors can raise its log-odds.
_SILENT = LinearModel(-10.0, {}, {})


def test_the_rules_are_a_floor_only_where_data_is_silent() -> None:
    rule = 2.0 * RULE_SCALE  # the rules' log-odds, 2.0, as the feature carries it
    assert _SILENT.risk_logit({"rule": rule}) == -10.0
    assert _SILENT.risk_logit({"rule": rule, "lang:fr": 1.0}) == pytest.approx(2.0)
    assert _SILENT.risk_logit({"rule": rule, "group:robocall": 1.0}) == pytest.approx(2.0)
    assert _SILENT.risk_logit({"rule": rule, "group:robocall": 0.5}) == pytest.approx(2.0)
    assert _SILENT.risk_logit({"rule": rule, PRETEXT_FLOOR: 1.0}) == pytest.approx(
        2.0 + PRETEXT_PAIR
    )
    # A floor never lowers what the model says.
    confident = LinearModel(5.0, {}, {})
    assert confident.risk_logit({"rule": rule, "lang:fr": 1.0, PRETEXT_FLOOR: 1.0}) == 5.0


def test_buckets_are_crc32_of_the_gram_within_the_table() -> None:
    grams = ["gift", "card", "gift card", "microsoft", "support", "0"]
    buckets = [_bucket(gram) for gram in grams]
    assert buckets == [zlib.crc32(gram.encode()) % BUCKETS for gram in grams]
    assert all(0 <= bucket < BUCKETS for bucket in buckets)


def test_an_ngram_counts_once_however_often_it_comes_back() -> None:
    one, two, three = _bucket("one"), _bucket("two"), _bucket("three")
    state = NgramState({one: 1.0, two: 2.0, three: -0.5})
    state.add_buckets([one, one, two, three, three])
    assert (state.positive, state.negative) == (3.0, 0.5)
    assert state.recent[-1] == (3.0, 0.5)
    state.add_buckets([one, two])
    assert (state.positive, state.negative) == (3.0, 0.5)
    assert state.recent[-1] == (3.0, 0.0)


def test_the_persons_speech_adds_no_scam_leaning_weight_however_small() -> None:
    weak, legit = _bucket("weak"), _bucket("legit")
    state = NgramState({weak: 0.25, legit: -0.25})
    state.add_buckets([weak, legit], caller=False)
    assert (state.positive, state.negative) == (0.0, 0.25)
    assert state.recent[-1] == (0.0, 0.25)


def test_the_file_keeps_the_committed_precision() -> None:
    model = LinearModel(
        -1.1234567, {"rule": 0.1234567}, {7: 0.1234567}, {}, Thresholds(0.1234567, 0.7654321)
    )
    data = json.loads(model.to_json())
    assert data["bias"] == -1.12346
    assert data["weights"] == {"rule": 0.12346}
    assert data["ngrams"] == {"7": 0.1235}
    assert data["thresholds"] == {"suspicious": 0.1235, "scam": 0.7654}
    assert list(data) == ["format", "buckets", "info", "thresholds", "bias", "weights", "ngrams"]


def test_a_model_file_without_thresholds_uses_the_default_ones() -> None:
    data = json.loads(LinearModel(0.0, {}, {}).to_json())
    del data["thresholds"]
    assert LinearModel.from_json(json.dumps(data)).thresholds == Thresholds()


def test_a_model_hashed_differently_is_refused_with_both_sizes() -> None:
    data = json.loads(LinearModel(0.0, {}, {}).to_json())
    data["buckets"] = 4096
    with pytest.raises(ValueError, match=f"model hashed into 4096 buckets, code uses {BUCKETS}"):
        LinearModel.from_json(json.dumps(data))
