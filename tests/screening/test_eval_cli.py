"""``ethiq eval``: output format, sensitivity sweep, cross-validation and clear errors.

The corpus tests read ``../shared/corpus`` beside the repository and skip when it is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from runtime.screening import cli
from runtime.screening.data.generate import DEVSET
from runtime.screening.evaluate import (
    OWN_SET,
    Outcome,
    fold_spread,
    format_spread_table,
    misjudged,
    summarise,
)
from runtime.screening.train import DEFAULT_CORPUS
from tests.screening.test_score_cli import EXAMPLES

app = typer.Typer()
app.command("score")(cli.score)
app.command("eval")(cli.evaluate)
runner = CliRunner()

needs_corpus = pytest.mark.skipif(
    not DEFAULT_CORPUS.is_dir(),
    reason=f"real-call corpus not found at {DEFAULT_CORPUS} (CI checks it out beside the repo)",
)


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    path = tmp_path / "examples.jsonl"
    path.write_text(EXAMPLES, encoding="utf-8")
    return path


def test_file_mode_prints_table_calibration_and_reliability(examples: Path) -> None:
    result = runner.invoke(app, ["eval", str(examples)])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("committed model on examples.jsonl")
    for column in ("recall", "false", "warn", "ttd", "brier"):
        assert column in out
    assert "lang:fr" in out
    assert "scam:gift_card_payment" in out
    assert "reliability of risk" in out
    assert "0.9-1.0" in out


def test_json_has_slices_and_reliability(examples: Path) -> None:
    result = runner.invoke(app, ["eval", str(examples), "--json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    overall = document["slices"][0]
    assert overall["name"] == "overall"
    assert overall["recall"] == 1.0
    assert overall["false_alarm_rate"] == 0.0
    assert 0.0 <= overall["brier"] <= 0.25
    assert sum(b["calls"] for b in document["reliability"]) == 4


def test_misjudged_calls_are_listed_by_id(tmp_path: Path) -> None:
    """A call the verdict gets wrong is named, with its score; calls judged right are not."""
    swapped = EXAMPLES.replace(
        '"id": "ex-001", "lang": "en-US", "label": "scam"',
        '"id": "ex-001", "lang": "en-US", "label": "legit"',
    )
    swapped = swapped.replace(
        '"id": "ex-003", "lang": "en-US", "label": "legit"',
        '"id": "ex-003", "lang": "en-US", "label": "scam"',
    )
    path = tmp_path / "swapped.jsonl"
    path.write_text(swapped, encoding="utf-8")
    result = runner.invoke(app, ["eval", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    wrong = json.loads(result.stdout)["misjudged"]
    assert [(w["id"], w["label"], w["verdict"]) for w in wrong] == [
        ("ex-003", "scam", "legit"),
        ("ex-001", "legit", "scam"),
    ]
    text = runner.invoke(app, ["eval", str(path)]).stdout
    assert "calls misjudged (2)" in text
    assert "ex-001" in text
    assert "ex-002" not in text


def test_misjudged_keeps_warned_legit_and_missed_scams_only() -> None:
    def outcome(id_: str, label: str, verdict: str, risk: float) -> Outcome:
        return Outcome(id_, "calls", "en", label, "x", verdict, verdict, risk, None)  # type: ignore[arg-type]

    outcomes = [
        outcome("caught", "scam", "scam", 0.9),
        outcome("warned-only", "scam", "suspicious", 0.5),
        outcome("missed", "scam", "legit", 0.1),
        outcome("quiet", "legit", "legit", 0.1),
        outcome("warned", "legit", "suspicious", 0.4),
    ]
    assert [o.id for o in misjudged(outcomes)] == ["warned-only", "missed", "warned"]


def test_sensitivity_sweep(examples: Path) -> None:
    result = runner.invoke(app, ["eval", str(examples), "--sensitivity", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = [r for r in json.loads(result.stdout)["by_sensitivity"] if r["name"] == "overall"]
    assert [r["sensitivity"] for r in rows] == ["low", "normal", "high"]
    text = runner.invoke(app, ["eval", str(examples), "--sensitivity"]).stdout
    assert "effect of the tenant's sensitivity" in text


def test_training_calls_are_flagged_in_sample() -> None:
    result = runner.invoke(app, ["eval", str(DEVSET)])
    assert result.exit_code == 0, result.stderr
    assert "in-sample" in result.stderr


def test_bad_level_is_refused(examples: Path) -> None:
    result = runner.invoke(app, ["eval", str(examples), "--level", "loud"])
    assert result.exit_code == 2
    assert "sensitivity must be" in result.stderr


def test_fixed_penalty_needs_cross_validation(examples: Path) -> None:
    result = runner.invoke(app, ["eval", str(examples), "--l2", "8"])
    assert result.exit_code == 2
    assert "--l2 applies to cross-validation" in result.stderr
    assert result.stdout == ""


def test_missing_corpus_directory_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "--corpus", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "corpus directory not found" in result.stderr
    assert result.stdout == ""


def test_malformed_corpus_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken.jsonl").write_text(EXAMPLES.splitlines()[0] + "\n{oops\n", "utf-8")
    result = runner.invoke(app, ["eval", "--corpus", str(tmp_path)])
    assert result.exit_code == 2
    assert "broken.jsonl line 2:" in result.stderr
    assert result.stdout == ""


def test_real_scams_are_sliced_by_typology_across_sources() -> None:
    def outcome(source: str, label: str, typology: str, verdict: str) -> Outcome:
        return Outcome("x", source, "en", label, typology, verdict, verdict, 0.5, None)  # type: ignore[arg-type]

    outcomes = [
        outcome(OWN_SET, "scam", "government_impersonation", "legit"),
        outcome("baiters", "scam", "baiters:government_impersonation", "scam"),
        outcome("robocalls", "scam", "government_impersonation", "legit"),
        outcome("robocalls", "scam", "robocalls:tech_support", "scam"),
        outcome("robocalls", "legit", "robocalls:bank", "legit"),
    ]
    slices = {s.name: s for s in summarise(outcomes)}
    government = slices["real scams:government_impersonation"]
    assert (government.scams, government.recall) == (2, 0.5)  # the own set's call is not real
    assert slices["real scams:tech_support"].recall == 1.0
    assert not any(name.startswith("real scams:bank") for name in slices)


def test_fold_spread_gives_each_folds_rates() -> None:
    def outcome(id_: str, source: str, label: str, verdict: str) -> Outcome:
        return Outcome(id_, source, "en", label, "x", verdict, verdict, 0.5, None)  # type: ignore[arg-type]

    outcomes = [
        outcome("a", OWN_SET, "scam", "scam"),
        outcome("b", OWN_SET, "scam", "legit"),
        outcome("c", "calls", "legit", "scam"),
        outcome("d", "calls", "legit", "legit"),
    ]
    rows = {r["name"]: r for r in fold_spread(outcomes, {"a": 0, "b": 1, "c": 0, "d": 1})}
    assert rows[f"source:{OWN_SET}"]["recall"] == [1.0, 0.0]
    assert rows["source:calls"]["false_alarm_rate"] == [1.0, 0.0]
    assert rows["source:calls"]["recall"] is None
    assert "0.0-100.0% (100/0)" in format_spread_table(list(rows.values()))


@needs_corpus
def test_cross_validated_figures_on_the_corpus() -> None:
    """Regression floor on the honest (cross-validated) figures; the targets are in the docs."""
    result = runner.invoke(app, ["eval", "--json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["mode"].startswith("cross-validated")
    slices = {s["name"]: s for s in document["slices"]}
    real = slices["real calls (corpus)"]
    assert real["recall"] >= 0.90
    assert real["false_alarm_rate"] <= 0.01
    assert real["warning_rate"] <= 0.03
    assert real["median_time_to_detect"] <= 30
    own = slices["source:own-set"]
    assert own["recall"] >= 0.93
    assert own["false_alarm_rate"] <= 0.02
    for lang in ("en", "fr"):
        assert slices[f"source:own-set lang:{lang}"]["false_alarm_rate"] <= 0.02
        assert slices[f"source:own-set lang:{lang}"]["recall"] >= 0.95
    # Recall per typology on the real scams, the weakest first in the docs.
    assert slices["real scams:government_impersonation"]["recall"] >= 0.7
    for name in ("source:youtube-scambait-scam", "source:switchboard-money-legit", "lang:fr"):
        assert name in slices
    # The committed model's thresholds lie within what the folds chose (their median).
    spread = document["thresholds"]
    # Each fold chose its ridge penalty by inner cross-validation, among the grid only.
    assert len(spread["fold_l2"]) == 5
    assert set(spread["fold_l2"]) <= set(spread["l2_grid"])
    assert spread["committed_l2"] in spread["l2_grid"]
    for key in ("suspicious", "scam"):
        chosen = [fold[key] for fold in spread["folds"]]
        assert min(chosen) <= spread["committed"][key] <= max(chosen)
    # Each fold's figures, so a change can be told from fold noise: the whole lies within them.
    per_fold = {row["name"]: row for row in document["fold_spread"]}
    for name, rate in (
        ("real calls (corpus)", "recall"),
        ("source:switchboard-money-legit", "false_alarm_rate"),
    ):
        values = per_fold[name][rate]
        assert len(values) == 5
        assert min(values) <= slices[name][rate] <= max(values)
    assert per_fold["source:switchboard-money-legit"]["recall"] is None
