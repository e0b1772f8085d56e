"""From evidence to log-odds and verdicts: diminishing returns, the interaction terms, the
mitigation floor, the thresholds and the sensitivity shift."""

from __future__ import annotations

import math

import pytest

from runtime.screening.cues import Group
from runtime.screening.risk import (
    ASK_WITH_SETUP,
    DECAY,
    FULL_PATTERN,
    MITIGATION_FLOOR,
    PRETEXT_PAIR,
    PRIOR,
    SENSITIVITY_STEP,
    Thresholds,
    combine,
    diminishing,
    thresholds_for,
)


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def test_the_strongest_cue_of_a_family_counts_fully_the_others_less_and_less() -> None:
    assert diminishing([]) == 0.0
    assert diminishing([1.0, 3.0]) == pytest.approx(3.0 + DECAY * 1.0)
    assert diminishing([1.0, 3.0, 2.0]) == pytest.approx(3.0 + DECAY * 2.0 + DECAY**2 * 1.0)
    # Ten urgency phrases never outweigh one request for a PIN.
    assert diminishing([0.8] * 10) < 0.8 / (1 - DECAY) < 2.2


def test_the_strongest_reassurance_counts_fully_too() -> None:
    assert diminishing([-1.0, -2.0]) == pytest.approx(-2.0 + DECAY * -1.0)


def test_evidence_adds_to_the_prior() -> None:
    assert combine({}, 0.0) == PRIOR
    assert combine({}, 1.3) == pytest.approx(PRIOR + 1.3)
    assert combine({Group.AUTHORITY: 0.5, Group.LURE: 1.2}, 0.0) == pytest.approx(PRIOR + 1.7)


def test_a_pretext_pair_adds_its_term_only_when_said() -> None:
    assert combine({Group.AUTHORITY: 0.5}, 0.0) == pytest.approx(PRIOR + 0.5)
    assert combine({Group.AUTHORITY: 0.5}, 0.0, pretext_pair=False) == pytest.approx(PRIOR + 0.5)
    assert combine({Group.AUTHORITY: 0.5}, 0.0, pretext_pair=True) == pytest.approx(
        PRIOR + 0.5 + PRETEXT_PAIR
    )


def test_reassurances_lower_the_risk_down_to_a_floor() -> None:
    assert combine({Group.MITIGATION: -1.0}, 0.0) == pytest.approx(PRIOR - 1.0)
    assert combine({Group.MITIGATION: -9.0}, 0.0) == pytest.approx(PRIOR + MITIGATION_FLOOR)
    assert combine({Group.PAYMENT: 9.0}, 0.0) == pytest.approx(PRIOR + 9.0)  # no ceiling


def test_an_ask_needs_a_setup_for_the_interaction_term() -> None:
    assert combine({Group.PAYMENT: 2.0}, 0.0) == pytest.approx(PRIOR + 2.0)
    assert combine({Group.AUTHORITY: 0.5}, 0.0) == pytest.approx(PRIOR + 0.5)
    assert combine({Group.PAYMENT: 2.0, Group.AUTHORITY: 0.5}, 0.0) == pytest.approx(
        PRIOR + 2.5 + ASK_WITH_SETUP
    )
    # Only evidence that is there counts as present.
    assert combine({Group.PAYMENT: 2.0, Group.AUTHORITY: 0.0}, 0.0) == pytest.approx(PRIOR + 2.0)
    # A reassurance is no setup.
    assert combine({Group.PAYMENT: 2.0, Group.MITIGATION: -1.0}, 0.0) == pytest.approx(PRIOR + 1.0)


def test_all_four_signs_add_the_full_pattern() -> None:
    pressure_only = {Group.PAYMENT: 2.0, Group.PRESSURE: 1.0}
    assert combine(pressure_only, 0.0) == pytest.approx(PRIOR + 3.0 + ASK_WITH_SETUP)
    full = {Group.PAYMENT: 2.0, Group.AUTHORITY: 0.5, Group.SECRECY: 1.0}
    assert combine(full, 0.0) == pytest.approx(PRIOR + 3.5 + ASK_WITH_SETUP + FULL_PATTERN)
    no_ask = {Group.AUTHORITY: 0.5, Group.SECRECY: 1.0}
    assert combine(no_ask, 0.0) == pytest.approx(PRIOR + 1.5)


def test_a_threshold_is_reached_at_its_value() -> None:
    thresholds = Thresholds(suspicious=0.4, scam=0.7)
    assert thresholds.verdict(0.39) == "legit"
    assert thresholds.verdict(0.4) == "suspicious"
    assert thresholds.verdict(0.69) == "suspicious"
    assert thresholds.verdict(0.7) == "scam"


def test_the_worst_verdict_wins() -> None:
    assert Thresholds.worst("legit", "scam") == "scam"
    assert Thresholds.worst("scam", "suspicious") == "scam"
    assert Thresholds.worst("suspicious", "legit") == "suspicious"


def test_each_sensitivity_step_shifts_the_thresholds_in_log_odds() -> None:
    base = Thresholds(suspicious=0.4, scam=0.7)
    high = thresholds_for("high", base)
    low = thresholds_for("low", base)
    assert logit(high.suspicious) == pytest.approx(logit(0.4) - SENSITIVITY_STEP)
    assert logit(high.scam) == pytest.approx(logit(0.7) - SENSITIVITY_STEP)
    assert logit(low.scam) == pytest.approx(logit(0.7) + SENSITIVITY_STEP)
    half = thresholds_for(0.75, base)
    assert logit(half.scam) == pytest.approx(logit(0.7) - SENSITIVITY_STEP / 2)


def test_a_numeric_sensitivity_out_of_range_is_clamped() -> None:
    assert thresholds_for(1.7) == thresholds_for(1.0) == thresholds_for("high")
    assert thresholds_for(-0.5) == thresholds_for(0.0) == thresholds_for("low")
