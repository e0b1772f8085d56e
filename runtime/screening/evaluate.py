"""Metrics of the engine on a labelled set: recall, false alarms, warnings, time to detect.

Labels are decoded here, separately from :class:`~.model.CallRecord`, so the engine never sees
them. Each call is replayed through the real-time path; the whole-call judgement (the final
evidence judged once at the end) is reported beside it, since real-time judgement trades
precision for speed.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import msgspec

from runtime.screening.engine import ScreeningSession
from runtime.screening.explain import is_french
from runtime.screening.jsonl import decode_lines, read_lines
from runtime.screening.model import CallRecord
from runtime.screening.risk import Sensitivity, Thresholds, Verdict, thresholds_for

__all__ = [
    "Labels",
    "Outcome",
    "Slice",
    "as_dicts",
    "evaluate_file",
    "evaluate_records",
    "format_table",
    "summarise",
]


class Labels(msgspec.Struct, frozen=True):
    """The answer key of a labelled line."""

    label: Literal["scam", "legit"]
    typology: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One call's label beside the engine's real-time and whole-call verdicts."""

    id: str
    language: str
    label: str
    typology: str
    verdict: Verdict
    whole_call: Verdict
    risk: float
    detected_at: float | None


@dataclass(frozen=True, slots=True)
class Slice:
    """Metrics over a group of calls; rates are None when the group has no such call."""

    name: str
    scams: int
    legit: int
    recall: float | None
    false_alarm_rate: float | None
    warning_rate: float | None
    median_time_to_detect: float | None
    whole_call_recall: float | None
    whole_call_false_alarm_rate: float | None
    whole_call_warning_rate: float | None


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _slice(name: str, outcomes: list[Outcome]) -> Slice:
    scams = [o for o in outcomes if o.label == "scam"]
    legit = [o for o in outcomes if o.label == "legit"]
    times = [o.detected_at for o in scams if o.detected_at is not None]
    return Slice(
        name=name,
        scams=len(scams),
        legit=len(legit),
        recall=_rate(sum(o.verdict == "scam" for o in scams), len(scams)),
        false_alarm_rate=_rate(sum(o.verdict == "scam" for o in legit), len(legit)),
        warning_rate=_rate(sum(o.verdict != "legit" for o in legit), len(legit)),
        median_time_to_detect=round(statistics.median(times), 1) if times else None,
        whole_call_recall=_rate(sum(o.whole_call == "scam" for o in scams), len(scams)),
        whole_call_false_alarm_rate=_rate(sum(o.whole_call == "scam" for o in legit), len(legit)),
        whole_call_warning_rate=_rate(sum(o.whole_call != "legit" for o in legit), len(legit)),
    )


def evaluate_records(
    calls: Iterable[tuple[CallRecord, Labels]], sensitivity: Sensitivity = "normal"
) -> list[Outcome]:
    """Replay each call segment by segment and record both judgements."""
    thresholds: Thresholds = thresholds_for(sensitivity)
    outcomes = []
    for record, labels in calls:
        session = ScreeningSession(record.call, record.lang, sensitivity)
        for segment in record.segments:
            session.feed(segment)
        final = session.assessment
        outcomes.append(
            Outcome(
                id=record.id,
                language="fr" if is_french(record.lang) else "en",
                label=labels.label,
                typology=labels.typology or "unknown",
                verdict=final.verdict,
                whole_call=thresholds.verdict(final.current_risk),
                risk=final.risk,
                detected_at=final.detected_at,
            )
        )
    return outcomes


def summarise(outcomes: list[Outcome]) -> list[Slice]:
    """Overall, per-language and per-typology slices (scam typologies first)."""
    slices = [_slice("overall", outcomes)]
    for language in sorted({o.language for o in outcomes}):
        slices.append(_slice(f"lang:{language}", [o for o in outcomes if o.language == language]))
    by_typology: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in outcomes:
        by_typology.setdefault((outcome.label, outcome.typology), []).append(outcome)
    for label, typology in sorted(by_typology, key=lambda key: (key[0] != "scam", key[1])):
        slices.append(_slice(f"{label}:{typology}", by_typology[label, typology]))
    return slices


def evaluate_file(path: Path, sensitivity: Sensitivity = "normal") -> list[Outcome]:
    """Evaluate a labelled JSONL file (raises :class:`~.jsonl.InvalidInput` on bad lines)."""
    lines = read_lines(path)
    records = decode_lines(lines, CallRecord)
    labels = decode_lines(lines, Labels)
    return evaluate_records(zip(records, labels, strict=True), sensitivity)


def _cell(value: float | None, percent: bool = True) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if percent else f"{value:.1f}s"


def format_table(slices: list[Slice]) -> str:
    """A fixed-width table: real-time figures, then the whole-call ones."""
    header = (
        f"{'slice':<34}{'scams':>6}{'legit':>6}{'recall':>8}{'false':>8}{'warn':>8}{'ttd':>8}"
        f"  |{'recall':>8}{'false':>8}{'warn':>8}"
    )
    rows = [
        "real-time (segment by segment)" + " " * 46 + "|  whole call",
        header,
        "-" * len(header),
    ]
    for s in slices:
        rows.append(
            f"{s.name:<34}{s.scams:>6}{s.legit:>6}{_cell(s.recall):>8}"
            f"{_cell(s.false_alarm_rate):>8}{_cell(s.warning_rate):>8}"
            f"{_cell(s.median_time_to_detect, percent=False):>8}  |{_cell(s.whole_call_recall):>8}"
            f"{_cell(s.whole_call_false_alarm_rate):>8}{_cell(s.whole_call_warning_rate):>8}"
        )
    rows.append("")
    rows.append(
        "recall: scams judged scam; false: legit judged scam; warn: legit judged suspicious or "
        "scam; ttd: median seconds before the first warning on scams."
    )
    return "\n".join(rows)


def as_dicts(slices: list[Slice]) -> list[dict[str, object]]:
    """Slices as plain dicts for ``--json``."""
    return [asdict(s) for s in slices]
