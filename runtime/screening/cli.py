"""``ethiq score`` and ``ethiq eval``: the JSONL door to the screening engine.

Bad input is refused as a whole: every line is validated before any is scored, so on exit code 2
stdout is empty and stderr lists each offending line as ``line N: ...``.
"""

from __future__ import annotations

import json as jsonlib
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import msgspec
import typer

from runtime.screening.data.generate import DEVSET
from runtime.screening.engine import score_call
from runtime.screening.evaluate import (
    OWN_SET,
    Outcome,
    as_dicts,
    evaluate_file,
    fold_spread,
    format_attribution,
    format_misjudged,
    format_reliability,
    format_spread_table,
    format_table,
    misjudged,
    reliability,
    summarise,
    typology_attribution,
)
from runtime.screening.jsonl import InvalidInput, decode_lines, read_lines
from runtime.screening.learned import LinearModel, default_model
from runtime.screening.model import CallRecord
from runtime.screening.risk import Sensitivity, Thresholds, parse_sensitivity
from runtime.screening.train import (
    DEFAULT_CORPUS,
    FOLDS,
    INNER_FOLDS,
    L2_GRID,
    cross_validate,
    fold_models,
    fold_of,
    leave_one_source_out,
    load_calls,
    median_thresholds,
    trained_on,
)

__all__ = ["evaluate", "score"]

_INPUT_ERROR = 2


def _sensitivity(value: str) -> Sensitivity:
    try:
        return parse_sensitivity(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _refuse(error: InvalidInput) -> typer.Exit:
    for problem in error.problems:
        typer.echo(problem, err=True)
    return typer.Exit(_INPUT_ERROR)


SensitivityOption = Annotated[
    str,
    typer.Option(help="Tenant sensitivity: low, normal, high, or a number from 0 to 1."),
]


def score(
    file: Annotated[
        Path,
        typer.Argument(help="Calls to score, one JSON object per line.", dir_okay=False),
    ],
    sensitivity: SensitivityOption = "normal",
) -> None:
    """Score each call of FILE; print one JSON verdict per line, in input order."""
    level = _sensitivity(sensitivity)
    try:
        records = decode_lines(read_lines(file), CallRecord)
    except InvalidInput as error:
        raise _refuse(error) from None
    except OSError as error:
        typer.echo(f"cannot read {file}: {error.strerror}", err=True)
        raise typer.Exit(_INPUT_ERROR) from None
    encoder = msgspec.json.Encoder()
    out = sys.stdout
    for record in records:
        out.write(encoder.encode(score_call(record, level)).decode())
        out.write("\n")


_LEVELS: tuple[Sensitivity, ...] = ("low", "normal", "high")


def _sweep_rows(by_level: dict[Sensitivity, list[Outcome]]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for level, outcomes in by_level.items():
        for s in summarise(outcomes):
            if s.name in {"overall", "real calls (corpus)", f"source:{OWN_SET}"} or (
                s.name.startswith("lang:")
            ):
                rows.append({"sensitivity": level, **asdict(s)})
    return rows


def _format_sweep(rows: list[dict[str, object]]) -> str:
    def pct(value: object) -> str:
        return "-" if value is None else f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]

    lines = [
        "effect of the tenant's sensitivity (threshold shift; same calls, same folds)",
        f"{'sensitivity':<13}{'slice':<28}{'recall':>8}{'false':>8}{'warn':>8}{'ttd':>8}",
    ]
    for row in rows:
        ttd = row["median_time_to_detect"]
        lines.append(
            f"{row['sensitivity']!s:<13}{row['name']!s:<28}{pct(row['recall']):>8}"
            f"{pct(row['false_alarm_rate']):>8}{pct(row['warning_rate']):>8}"
            f"{'-' if ttd is None else f'{ttd:.1f}s':>8}"
        )
    return "\n".join(lines)


def _threshold_spread(models: list[LinearModel]) -> dict[str, object]:
    """The folds' verdict thresholds beside the committed model's (which should be their median)."""
    committed = default_model()

    def pair(t: Thresholds) -> dict[str, float]:
        return {"suspicious": round(t.suspicious, 2), "scam": round(t.scam, 2)}

    return {
        "folds": [pair(m.thresholds) for m in models],
        "median": pair(median_thresholds(models)),
        "committed": None if committed is None else pair(committed.thresholds),
        # The ridge penalty each fold chose by inner cross-validation on its training calls.
        "l2_grid": list(L2_GRID),
        "fold_l2": [m.info.get("l2") for m in models],
        "fold_l2_inner_recall": [m.info.get("l2_inner_recall") for m in models],
        "committed_l2": None if committed is None else committed.info.get("l2"),
    }


def _format_spread(spread: dict[str, object]) -> str:
    folds: list[dict[str, float]] = spread["folds"]  # type: ignore[assignment]
    median: dict[str, float] = spread["median"]  # type: ignore[assignment]
    committed: dict[str, float] | None = spread["committed"]  # type: ignore[assignment]

    def span(key: str) -> str:
        values = [f[key] for f in folds]
        return f"{min(values):.2f}-{max(values):.2f} (median {median[key]:.2f})"

    line = (
        f"verdict thresholds of English calls chosen by the {len(folds)} folds at normal "
        f"sensitivity: suspicious {span('suspicious')}, scam {span('scam')}"
    )
    if committed is not None:
        line += (
            f"; committed model: suspicious {committed['suspicious']:.2f}, "
            f"scam {committed['scam']:.2f}"
        )
    grid = ", ".join(f"{v:g}" for v in spread["l2_grid"])  # type: ignore[attr-defined]
    chosen = ", ".join(f"{v:g}" for v in spread["fold_l2"])  # type: ignore[attr-defined]
    line += (
        f"\nridge penalty chosen by each fold among {grid} (nested: an inner {INNER_FOLDS}-fold "
        f"cross-validation on that fold's training calls only): {chosen}"
    )
    if spread["committed_l2"] is not None:
        line += f"; committed model: {spread['committed_l2']:g}"
    return line


def _sole_sources(outcomes: list[Outcome]) -> list[str]:
    """Why a left-out source can score low: no other real source has calls of its label."""
    real = {(o.source, o.label) for o in outcomes if o.source != OWN_SET}
    notes = []
    for label in sorted({lab for _, lab in real}):
        sources = sorted(src for src, lab in real if lab == label)
        if len(sources) == 1:
            notes.append(
                f"note: {sources[0]} is the only real source of {label} calls: left out, it is "
                f"scored by a model that learned {label} calls from the own set's alone"
            )
    return notes


def _format_loso(outcomes: list[Outcome], spread: list[dict[str, object]]) -> str:
    lines = ["leave one source out: each source scored by a model trained on the others"]
    table = format_table(summarise(outcomes))
    return "\n".join(
        [
            *lines,
            *_sole_sources(outcomes),
            table,
            "",
            _SPREAD_LOSO,
            format_spread_table(spread),
            "",
            format_misjudged(misjudged(outcomes)),
        ]
    )


_SPREAD_CV = "spread across the folds (each fold's held-out calls; a fold is a fifth of a source)"
_SPREAD_LOSO = (
    "spread of the left-out sources' figures over the same fifths of their calls (one model per "
    "source: the spread is that of the calls, not of retraining)"
)


def _cross_validated(
    corpus: Path, levels: list[Sensitivity], by_source: bool, l2: float | None
) -> tuple[
    str,
    dict[Sensitivity, list[Outcome]],
    list[Outcome] | None,
    dict[str, object],
    dict[str, int],
]:
    if corpus != DEFAULT_CORPUS and not corpus.is_dir():
        typer.echo(f"corpus directory not found: {corpus}", err=True)
        raise typer.Exit(_INPUT_ERROR)
    if not corpus.is_dir():
        typer.echo(f"no corpus at {corpus}: cross-validating on the development set only", err=True)
    calls = load_calls(DEVSET, corpus if corpus.is_dir() else None)
    models = fold_models(calls, l2)
    by_level = cross_validate(calls, levels, models)
    mode = (
        f"cross-validated: {FOLDS} folds grouped by call, stratified by source; "
        f"{len(calls)} calls; each scored by a model trained without it"
    )
    if l2 is not None:
        mode += f"; ridge penalty fixed at {l2:g} in every fold"
    loso = leave_one_source_out(calls, l2) if by_source else None
    return mode, by_level, loso, _threshold_spread(models), fold_of(calls)


def _on_file(
    file: Path, levels: list[Sensitivity], l2: float | None
) -> dict[Sensitivity, list[Outcome]]:
    if l2 is not None:
        typer.echo("--l2 applies to cross-validation (ethiq eval without FILE) only", err=True)
        raise typer.Exit(_INPUT_ERROR)
    by_level = {lv: evaluate_file(file, lv) for lv in levels}
    model = default_model()
    seen = trained_on(model, (o.id for o in by_level[levels[0]])) if model else 0
    if seen:
        typer.echo(
            f"warning: {seen} of these calls trained the committed model, their figures are "
            "in-sample; run `ethiq eval` without FILE for cross-validated ones",
            err=True,
        )
    return by_level


def evaluate(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="Labelled calls to score with the committed model. Without it: cross-validate "
            "on the development set and the corpus.",
            dir_okay=False,
        ),
    ] = None,
    corpus: Annotated[
        Path,
        typer.Option(help="Directory of labelled real calls (*.jsonl) for cross-validation."),
    ] = DEFAULT_CORPUS,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    sweep: Annotated[
        bool,
        typer.Option("--sensitivity", help="Also print recall and false alarms per sensitivity."),
    ] = False,
    by_source: Annotated[
        bool,
        typer.Option(
            "--by-source", help="Also cross-validate leaving one whole source out at a time."
        ),
    ] = False,
    level: Annotated[
        str,
        typer.Option(help="Tenant sensitivity of the main table: low, normal, high or 0..1."),
    ] = "normal",
    l2: Annotated[
        float | None,
        typer.Option(
            "--l2",
            min=0.001,
            help="Fix the ridge penalty in every fold instead of each fold's nested choice "
            "(cross-validates the committed model's penalty).",
        ),
    ] = None,
) -> None:
    """Print recall, false alarms, warnings, time to detect and calibration, per source,
    language and typology: cross-validated (never in-sample) unless FILE is given."""
    main_level = _sensitivity(level)
    levels: list[Sensitivity] = [main_level]
    if sweep:
        levels += [lv for lv in _LEVELS if lv != main_level]
    try:
        if file is None:
            mode, by_level, loso, spread, folds = _cross_validated(corpus, levels, by_source, l2)
        else:
            mode, by_level = f"committed model on {file.name}", _on_file(file, levels, l2)
            loso, spread, folds = None, None, {}
    except InvalidInput as error:
        raise _refuse(error) from None
    except OSError as error:
        typer.echo(f"cannot read {error.filename or file}: {error.strerror}", err=True)
        raise typer.Exit(_INPUT_ERROR) from None
    outcomes = by_level[main_level]
    sweep_rows = (
        _sweep_rows({lv: by_level[lv] for lv in _LEVELS if lv in by_level}) if sweep else None
    )
    report = _Report(mode, main_level, outcomes, folds, spread, sweep_rows, loso)
    typer.echo(jsonlib.dumps(report.document(), indent=2) if as_json else report.text())


@dataclass(frozen=True, slots=True)
class _Report:
    """What ``ethiq eval`` prints, as text or as one JSON document."""

    mode: str
    level: Sensitivity
    outcomes: list[Outcome]
    folds: dict[str, int]
    spread: dict[str, object] | None
    sweep_rows: list[dict[str, object]] | None
    loso: list[Outcome] | None

    def document(self) -> dict[str, object]:
        document: dict[str, object] = {
            "mode": self.mode,
            "sensitivity": self.level,
            "slices": as_dicts(summarise(self.outcomes)),
            "reliability": [asdict(b) for b in reliability(self.outcomes)],
            "misjudged": [asdict(o) for o in misjudged(self.outcomes)],
        }
        if self.sweep_rows is not None:
            document["by_sensitivity"] = self.sweep_rows
        if self.folds:
            document["fold_spread"] = fold_spread(self.outcomes, self.folds)
        if self.loso is not None:
            document["leave_one_source_out"] = as_dicts(summarise(self.loso))
            document["leave_one_source_out_spread"] = fold_spread(self.loso, self.folds)
            document["leave_one_source_out_misjudged"] = [asdict(o) for o in misjudged(self.loso)]
        if self.spread is not None:
            document["thresholds"] = self.spread
        document["typology_attribution"] = asdict(typology_attribution(self.outcomes))
        return document

    def text(self) -> str:
        parts = [self.mode]
        if self.spread is not None:
            parts.append(_format_spread(self.spread))
        parts.append(format_table(summarise(self.outcomes)))
        if self.folds:
            spread = format_spread_table(fold_spread(self.outcomes, self.folds))
            parts += ["", _SPREAD_CV, spread]
        attribution = typology_attribution(self.outcomes)
        if attribution.flagged:
            parts += ["", format_attribution(attribution)]
        parts += ["", format_reliability(reliability(self.outcomes))]
        parts += ["", format_misjudged(misjudged(self.outcomes))]
        if self.sweep_rows is not None:
            parts += ["", _format_sweep(self.sweep_rows)]
        if self.loso is not None:
            parts += ["", _format_loso(self.loso, fold_spread(self.loso, self.folds))]
        return "\n".join(parts)
