"""Metrics of the engine on a labelled set: recall, false alarms, warnings, time to detect,
and the calibration of ``risk`` (Brier score, reliability table).

Labels are decoded here, separately from :class:`~.model.CallRecord`, so the engine never sees
them. Each call is replayed through the real-time path; the whole-call judgement (the final
evidence judged once at the end) is reported beside it, since real-time judgement trades
precision for speed. Cross-validated outcomes (:mod:`.train`) use the same slices.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import msgspec

from runtime.screening.engine import ScreeningSession
from runtime.screening.explain import is_french
from runtime.screening.jsonl import decode_lines, read_lines
from runtime.screening.model import CallRecord
from runtime.screening.risk import Sensitivity, Verdict
from runtime.screening.typology import of_label

__all__ = [
    "OWN_SET",
    "Labels",
    "Outcome",
    "Slice",
    "as_dicts",
    "evaluate_file",
    "evaluate_records",
    "fold_spread",
    "format_misjudged",
    "format_reliability",
    "format_spread_table",
    "format_table",
    "misjudged",
    "real_scam_typologies",
    "reliability",
    "summarise",
    "typology_name",
]


OWN_SET = "own-set"  # source name of the project's own development set


class Labels(msgspec.Struct, frozen=True):
    """The answer key of a labelled line."""

    label: Literal["scam", "legit"]
    typology: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One call's label beside the engine's real-time and whole-call verdicts."""

    id: str
    source: str
    language: str
    label: str
    typology: str
    verdict: Verdict
    whole_call: Verdict
    risk: float
    detected_at: float | None
    attributed: str = ""  # the typology the engine names (runtime.screening.typology); "" if legit


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
    brier: float | None
    whole_call_recall: float | None
    whole_call_false_alarm_rate: float | None
    whole_call_warning_rate: float | None


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _brier(outcomes: list[Outcome]) -> float | None:
    """Mean squared error of ``risk`` against the label (0 is perfect, 0.25 a coin toss)."""
    if not outcomes:
        return None
    return round(statistics.fmean((o.risk - (o.label == "scam")) ** 2 for o in outcomes), 4)


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
        brier=_brier(outcomes),
        whole_call_recall=_rate(sum(o.whole_call == "scam" for o in scams), len(scams)),
        whole_call_false_alarm_rate=_rate(sum(o.whole_call == "scam" for o in legit), len(legit)),
        whole_call_warning_rate=_rate(sum(o.whole_call != "legit" for o in legit), len(legit)),
    )


def evaluate_records(
    calls: Iterable[tuple[CallRecord, Labels]],
    sensitivity: Sensitivity = "normal",
    source: str = "",
    rules_only: bool = False,
) -> list[Outcome]:
    """Replay each call segment by segment and record both judgements."""
    outcomes = []
    for record, labels in calls:
        session = (
            ScreeningSession(record.call, record.lang, sensitivity, model=None)
            if rules_only
            else ScreeningSession(record.call, record.lang, sensitivity)
        )
        for segment in record.segments:
            session.feed(segment)
        final = session.assessment
        outcomes.append(
            Outcome(
                id=record.id,
                source=source,
                language="fr" if is_french(record.lang) else "en",
                label=labels.label,
                typology=labels.typology or "unknown",
                verdict=final.verdict,
                whole_call=session.thresholds.verdict(final.current_risk),
                risk=final.risk,
                detected_at=final.detected_at,
                attributed=final.typology,
            )
        )
    return outcomes


def summarise(outcomes: list[Outcome]) -> list[Slice]:
    """Overall, per-source, per-language and per-typology slices (scam typologies first)."""
    slices = [_slice("overall", outcomes)]
    sources = sorted({o.source for o in outcomes})
    if len(sources) > 1:
        own = [o for o in outcomes if o.source == OWN_SET]
        real = [o for o in outcomes if o.source != OWN_SET]
        if own and real:
            slices.append(_slice("real calls (corpus)", real))
        for source in sources:
            in_source = [o for o in outcomes if o.source == source]
            slices.append(_slice(f"source:{source}", in_source))
            languages = sorted({o.language for o in in_source})
            for language in languages if len(languages) > 1 else ():
                slices.append(
                    _slice(
                        f"source:{source} lang:{language}",
                        [o for o in in_source if o.language == language],
                    )
                )
    for language in sorted({o.language for o in outcomes}):
        slices.append(_slice(f"lang:{language}", [o for o in outcomes if o.language == language]))
    by_typology: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in outcomes:
        by_typology.setdefault((outcome.label, outcome.typology), []).append(outcome)
    for label, typology in sorted(by_typology, key=lambda key: (key[0] != "scam", key[1])):
        slices.append(_slice(f"{label}:{typology}", by_typology[label, typology]))
    return slices + real_scam_typologies(outcomes)


_SPREAD_RATES = ("recall", "false_alarm_rate", "warning_rate")


def fold_spread(outcomes: list[Outcome], fold_of: Mapping[str, int]) -> list[dict[str, object]]:
    """Each source's (and the real calls') rates in each cross-validation fold, so a change can
    be told from fold noise: a fold holds a fifth of each source's calls."""
    folds = sorted(set(fold_of.values()))
    per_fold = [
        {s.name: s for s in summarise([o for o in outcomes if fold_of[o.id] == k])} for k in folds
    ]
    rows: list[dict[str, object]] = []
    for whole in summarise(outcomes):
        if not (whole.name == "real calls (corpus)" or whole.name.startswith("source:")):
            continue
        row: dict[str, object] = {"name": whole.name}
        for rate in _SPREAD_RATES:
            values = [getattr(f[whole.name], rate) if whole.name in f else None for f in per_fold]
            row[rate] = values if any(v is not None for v in values) else None
        rows.append(row)
    return rows


def format_spread_table(rows: list[dict[str, object]]) -> str:
    """Per-fold rates as ``min-max`` with each fold's value."""

    def cell(values: object) -> str:
        if values is None:
            return "-"
        known = [v for v in values if v is not None]  # type: ignore[attr-defined]
        each = "/".join("-" if v is None else f"{v * 100:.0f}" for v in values)  # type: ignore[attr-defined]
        return f"{min(known) * 100:.1f}-{max(known) * 100:.1f}% ({each})"

    lines = [f"{'slice':<44}{'recall':<36}{'false':<36}{'warn'}"]
    for row in rows:
        lines.append(
            f"{str(row['name'])[:43]:<44}"
            + " ".join(f"{cell(row[rate]):<35}" for rate in _SPREAD_RATES).rstrip()
        )
    return "\n".join(lines)


def typology_name(typology: str) -> str:
    """A typology without its source's prefix (``youtube_scambait:tech_support``): real sources
    label the same typologies of the domain notes under their own namespace."""
    return typology.rsplit(":", 1)[-1]


def real_scam_typologies(outcomes: list[Outcome]) -> list[Slice]:
    """Recall per typology on the real scams only (every source but the own set), merged across
    sources, so the weak typologies on real speech stand out from the templates' figures."""
    real: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.label == "scam" and o.source != OWN_SET:
            real.setdefault(typology_name(o.typology), []).append(o)
    if not real or all(o.source == outcomes[0].source for o in outcomes):
        return []
    return [_slice(f"real scams:{t}", real[t]) for t in sorted(real)]


@dataclass(frozen=True, slots=True)
class Attribution:
    flagged: int  # real scams the engine did not judge legit
    agree: int  # of them, those whose named typology is their label's
    rate: float | None
    by_label: dict[str, tuple[int, int]]  # label → (agree, flagged)


def typology_attribution(outcomes: list[Outcome]) -> Attribution:
    """How often the typology the engine names for a flagged real scam is its label's (the
    corpus's names, :func:`runtime.screening.typology.of_label`): what the operators' trend
    alert counts by. Labels the engine has no typology for (``other``) count as misses."""
    flagged = [
        o for o in outcomes if o.label == "scam" and o.source != OWN_SET and o.verdict != "legit"
    ]
    by_label: dict[str, list[bool]] = {}
    for o in flagged:
        want = of_label(typology_name(o.typology))
        by_label.setdefault(want, []).append(o.attributed == want)
    agree = sum(sum(hits) for hits in by_label.values())
    return Attribution(
        flagged=len(flagged),
        agree=agree,
        rate=_rate(agree, len(flagged)),
        by_label={k: (sum(v), len(v)) for k, v in sorted(by_label.items())},
    )


def format_attribution(attribution: Attribution) -> str:
    parts = ", ".join(f"{k} {hit}/{n}" for k, (hit, n) in attribution.by_label.items())
    percent = "-" if attribution.rate is None else f"{attribution.rate:.1%}"
    return (
        f"typology named for the real scams flagged: {attribution.agree}/{attribution.flagged}"
        f" agree with the label ({percent}): {parts}"
    )


def evaluate_file(
    path: Path, sensitivity: Sensitivity = "normal", rules_only: bool = False
) -> list[Outcome]:
    """Evaluate a labelled JSONL file (raises :class:`~.jsonl.InvalidInput` on bad lines)."""
    lines = read_lines(path)
    records = decode_lines(lines, CallRecord)
    labels = decode_lines(lines, Labels)
    from runtime.screening.data.generate import DEVSET  # noqa: PLC0415 - data is not a core dep

    source = OWN_SET if path.resolve() == DEVSET.resolve() else path.stem
    return evaluate_records(zip(records, labels, strict=True), sensitivity, source, rules_only)


def _cell(value: float | None, percent: bool = True) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if percent else f"{value:.1f}s"


def format_table(slices: list[Slice]) -> str:
    """A fixed-width table: real-time figures, then the whole-call ones."""
    header = (
        f"{'slice':<44}{'scams':>6}{'legit':>6}{'recall':>8}{'false':>8}{'warn':>8}{'ttd':>8}"
        f"{'brier':>7}  |{'recall':>8}{'false':>8}{'warn':>8}"
    )
    rows = [
        "real-time (segment by segment)" + " " * 63 + "|  whole call",
        header,
        "-" * len(header),
    ]
    for s in slices:
        brier = "-" if s.brier is None else f"{s.brier:.3f}"
        rows.append(
            f"{s.name[:43]:<44}{s.scams:>6}{s.legit:>6}{_cell(s.recall):>8}"
            f"{_cell(s.false_alarm_rate):>8}{_cell(s.warning_rate):>8}"
            f"{_cell(s.median_time_to_detect, percent=False):>8}{brier:>7}"
            f"  |{_cell(s.whole_call_recall):>8}"
            f"{_cell(s.whole_call_false_alarm_rate):>8}{_cell(s.whole_call_warning_rate):>8}"
        )
    rows.append("")
    rows.append(
        "recall: scams judged scam; false: legit judged scam; warn: legit judged suspicious or "
        "scam; ttd: median seconds before the first warning on scams; brier: mean squared error "
        "of risk."
    )
    return "\n".join(rows)


@dataclass(frozen=True, slots=True)
class Bin:
    """One row of a reliability table: calls whose risk fell in [low, high)."""

    low: float
    high: float
    calls: int
    mean_risk: float | None
    scam_rate: float | None


def reliability(outcomes: list[Outcome], bins: int = 10) -> list[Bin]:
    """Calls binned by risk: a calibrated risk has ``scam_rate`` close to ``mean_risk``."""
    table = []
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        inside = [o for o in outcomes if low <= o.risk < high or (i == bins - 1 and o.risk >= 1)]
        table.append(
            Bin(
                low=low,
                high=high,
                calls=len(inside),
                mean_risk=round(statistics.fmean(o.risk for o in inside), 3) if inside else None,
                scam_rate=_rate(sum(o.label == "scam" for o in inside), len(inside)),
            )
        )
    return table


def format_reliability(table: list[Bin]) -> str:
    """The reliability table as text."""
    rows = ["reliability of risk", f"{'risk':<12}{'calls':>7}{'mean risk':>11}{'scam rate':>11}"]
    for b in table:
        mean = "-" if b.mean_risk is None else f"{b.mean_risk:.3f}"
        rate = "-" if b.scam_rate is None else f"{b.scam_rate:.3f}"
        rows.append(f"{f'{b.low:.1f}-{b.high:.1f}':<12}{b.calls:>7}{mean:>11}{rate:>11}")
    return "\n".join(rows)


def misjudged(outcomes: list[Outcome]) -> list[Outcome]:
    """The calls the real-time verdict got wrong: scams not judged scam, legitimate calls warned.

    Scams first, then by source and highest risk, so the errors behind a figure can be looked
    at one by one (``ethiq score`` on the call gives its reasons).
    """
    wrong = [o for o in outcomes if o.verdict != ("scam" if o.label == "scam" else "legit")]
    return sorted(wrong, key=lambda o: (o.label != "scam", o.source, -o.risk))


def format_misjudged(outcomes: list[Outcome]) -> str:
    """The misjudged calls as text (ids and scores only), one line each."""
    lines = [f"calls misjudged ({len(outcomes)}): scams not judged scam, legitimate calls warned"]
    for o in outcomes:
        lines.append(
            f"  {o.id[:43]:<44}{o.source[:27]:<28}{o.label:<7}{o.verdict:<12}risk {o.risk:.2f}"
        )
    return "\n".join(lines)


def as_dicts(slices: list[Slice]) -> list[dict[str, object]]:
    """Slices as plain dicts for ``--json``."""
    return [asdict(s) for s in slices]
