"""Train the learned layer and measure it by cross-validation, never on the calls it learned from.

Run ``python -m runtime.screening.train`` to rewrite ``data/model.json`` from the project's own
development set and the real calls of the shared corpus (``--corpus``, by default
``../shared/corpus`` beside the repository). Training is deterministic: same data, same file.

Each call is replayed once through the real :class:`~.engine.ScreeningSession` (rules only) and
the features it exposes after every segment are kept; a fold's model is then fitted on snapshots
of its training calls and applied to every segment of its held-out calls, exactly as the runtime
would score them. The n-gram table of a fold comes from its training calls only, and the n-gram
features the regression is fitted on are cross-fitted (computed with tables that did not see that
call), so the regression does not learn to trust n-grams more than they deserve on new calls.

The ridge penalty and the verdict thresholds are chosen inside each training set only, by an inner
cross-validation over its own calls (``L2_GRID``, ``INNER_FOLDS``): the outer folds of
``ethiq eval`` therefore never influence the choices made for the calls they score (nested CV).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from runtime.screening.data.generate import DEVSET
from runtime.screening.engine import ScreeningSession
from runtime.screening.evaluate import OWN_SET, Labels, Outcome
from runtime.screening.explain import is_french
from runtime.screening.jsonl import InvalidInput, decode_lines, read_lines
from runtime.screening.learned import (
    MODEL_FILE,
    PRETEXT_FLOOR,
    RULE_SCALE,
    LinearModel,
    NgramState,
    hashed_grams,
)
from runtime.screening.model import CallRecord
from runtime.screening.normalize import normalize
from runtime.screening.risk import PRETEXT_PAIR, Sensitivity, Thresholds, sigmoid, thresholds_for

__all__ = [
    "DEFAULT_CORPUS",
    "INNER_FOLDS",
    "L2_GRID",
    "Call",
    "cross_validate",
    "fit",
    "fold_models",
    "fold_of",
    "leave_one_source_out",
    "load_calls",
    "main",
    "median_thresholds",
    "replay",
]

DEFAULT_CORPUS: Final = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
FOLDS: Final = 5
INNER_FOLDS: Final = 5
# Ridge penalties (relative to one call's total weight of 1) among which each training run
# chooses by inner cross-validation on its own calls (nested: never on the calls it is scored on).
L2_GRID: Final = (2.0, 4.0, 8.0)
NEWTON_STEPS: Final = 12
INNER_STEPS: Final = 4  # chord-Newton steps from the full fit, for the inner folds' peaks
MIN_DF: Final = 5  # an n-gram must appear in this many training calls
ALPHA: Final = 1.0  # additive smoothing of n-gram document frequencies
MIN_NGRAM_WEIGHT: Final = 1.0  # |log-ratio| below which an n-gram is noise
MAX_NGRAMS: Final = 3000
CONVERGED: Final = 1e-6  # Newton step size (and weight magnitude) below which nothing changes
FINAL_WEIGHT: Final = 0.8  # share of a call's weight on its whole-call snapshot
LEGIT_WEIGHT: Final = 2.0  # a legitimate call weighs this many scam calls
# Verdict thresholds are chosen on the training calls (scored out of fold), never on scored calls,
# at the targets: at most 1 % of legitimate calls judged scam and 3 % warned.
FALSE_ALARM_BUDGET: Final = 0.01
WARNING_BUDGET: Final = 0.03
SCAM_RANGE: Final = (0.5, 0.9)  # an alert never needs less than an even risk
SUSPICIOUS_RANGE: Final = (0.3, 0.8)


@dataclass(frozen=True, slots=True)
class Call:
    """A labelled call replayed once: rule features and n-gram buckets after each segment."""

    record: CallRecord
    labels: Labels
    source: str
    group: str
    times: tuple[float, ...]  # 0.0 (metadata only), then each segment's t
    base: tuple[dict[str, float], ...]  # features without n-grams, one per entry of ``times``
    grams: tuple[tuple[int, ...], ...]  # n-gram buckets of each segment (hashed once)
    attributed: str = ""  # the typology the whole call's cues point to (model-independent)

    @property
    def scam(self) -> bool:
        """Whether the call is labelled a scam."""
        return self.labels.label == "scam"

    @property
    def english(self) -> bool:
        """Whether n-gram features apply to the call."""
        return not is_french(self.record.lang)


def _group(record: CallRecord) -> str:
    """Calls with the same opening are one group: some sources publish the same call twice."""
    opening = " ".join(normalize(" ".join(s.text for s in record.segments[:3])).split()[:16])
    return hashlib.blake2b(opening.encode(), digest_size=8).hexdigest()


def replay(record: CallRecord, labels: Labels, source: str) -> Call:
    """Feed a call to a rules-only session and keep its features after every segment."""
    session = ScreeningSession(record.call, record.lang, model=None)
    times, base = [0.0], [session.features()]
    grams: list[tuple[int, ...]] = []
    previous = ""
    for segment in record.segments:
        session.feed(segment)
        times.append(segment.t)
        base.append(session.features())
        tokens = normalize(segment.text).split()
        grams.append(tuple(hashed_grams(tokens, previous)))
        words = [t for t in tokens if t != "."]
        if words:
            previous = "0" if words[-1][0].isdigit() else words[-1]
    return Call(
        record,
        labels,
        source,
        _group(record),
        tuple(times),
        tuple(base),
        tuple(grams),
        session.typology,
    )


def load_calls(devset: Path = DEVSET, corpus: Path | None = DEFAULT_CORPUS) -> list[Call]:
    """The project's own set and, when the directory exists, every corpus file, replayed."""
    files = [devset]
    if corpus is not None and corpus.is_dir():
        files += sorted(corpus.glob("*.jsonl"))
    calls = []
    for path in files:
        lines = read_lines(path)
        try:
            records = decode_lines(lines, CallRecord)
            labels = decode_lines(lines, Labels)
        except InvalidInput as error:
            raise InvalidInput([f"{path.name} {problem}" for problem in error.problems]) from None
        source = OWN_SET if path == devset else path.stem
        calls += [replay(r, lab, source) for r, lab in zip(records, labels, strict=True)]
    return calls


# --- n-grams -----------------------------------------------------------------------------------


def _call_grams(call: Call) -> set[int]:
    return set().union(*call.grams)


def ngram_table(calls: Iterable[Call], grams: Callable[[Call], set[int]]) -> dict[int, float]:
    """Smoothed log-ratio of document frequency in scam vs legitimate English calls."""
    scam_df: Counter[int] = Counter()
    both: Counter[int] = Counter()
    scams = legit = 0
    for call in calls:
        if not call.english:
            continue
        buckets = grams(call)
        both.update(buckets)
        if call.scam:
            scams += 1
            scam_df.update(buckets)
        else:
            legit += 1
    if not scams or not legit:
        return {}
    scored = []
    for bucket, df in both.items():
        if df < MIN_DF:
            continue
        s = scam_df.get(bucket, 0)
        weight = math.log((s + ALPHA) / (scams + 2 * ALPHA)) - math.log(
            (df - s + ALPHA) / (legit + 2 * ALPHA)
        )
        if abs(weight) >= MIN_NGRAM_WEIGHT:
            scored.append((abs(weight) * math.log1p(df), bucket, weight))
    scored.sort(reverse=True)
    return {bucket: weight for _, bucket, weight in scored[:MAX_NGRAMS]}


def _rows(call: Call, table: dict[int, float] | None) -> list[dict[str, float]]:
    """The call's features after every segment, n-grams from ``table`` (None: no n-grams)."""
    if table is None or not call.english:
        return [dict(f) for f in call.base]
    state = NgramState(table)
    rows = [call.base[0] | state.features()]
    for features, buckets, segment in zip(
        call.base[1:], call.grams, call.record.segments, strict=True
    ):
        state.add_buckets(buckets, caller=segment.speaker == "caller")
        rows.append(features | state.features())
    return rows


def _sample(count: int) -> list[int]:
    """Snapshot indices for training: the opening densely, then geometrically, and the end."""
    picked = set(range(min(count, 7)))
    step = 7
    while step < count:
        picked.add(step)
        step = int(step * 1.4) + 1
    picked.add(count - 1)
    return sorted(picked)


# --- logistic regression ----------------------------------------------------------------------


def _cholesky(matrix: Sequence[Sequence[float]]) -> list[list[float]]:
    """Lower-triangular L with L L^T = matrix (symmetric positive definite: ridge-penalised)."""
    n = len(matrix)
    lower = [[0.0] * n for _ in range(n)]
    for j in range(n):
        lj = lower[j]
        diagonal = math.sqrt(max(matrix[j][j] - sum(x * x for x in lj[:j]), 1e-12))
        lj[j] = diagonal
        head = lj[:j]
        for i in range(j + 1, n):
            li = lower[i]
            dot = sum(x * y for x, y in zip(li[:j], head, strict=True))
            li[j] = (matrix[i][j] - dot) / diagonal
    return lower


def _cho_solve(lower: Sequence[Sequence[float]], vector: Sequence[float]) -> list[float]:
    """Solve L L^T x = vector."""
    n = len(vector)
    y = [0.0] * n
    for i in range(n):
        row = lower[i]
        y[i] = (vector[i] - sum(row[c] * y[c] for c in range(i))) / row[i]
    x = [0.0] * n
    for i in range(n - 1, -1, -1):
        x[i] = (y[i] - sum(lower[c][i] * x[c] for c in range(i + 1, n))) / lower[i][i]
    return x


@dataclass(frozen=True, slots=True)
class _Design:
    """Training rows as sparse (columns ascending, column 0 the bias), with labels, weights and
    the inner fold of each row's call."""

    names: list[str]
    sparse: list[tuple[list[int], list[float]]]
    labels: Sequence[int]
    weights: Sequence[float]
    parts: Sequence[int]

    @classmethod
    def of(
        cls,
        rows: Sequence[dict[str, float]],
        labels: Sequence[int],
        weights: Sequence[float],
        parts: Sequence[int] | None = None,
    ) -> _Design:
        # Markers such as PRETEXT_FLOOR steer risk_logit and are never fitted.
        names = sorted({name for row in rows for name in row if not name.startswith("floor:")})
        index = {name: i + 1 for i, name in enumerate(names)}
        sparse = []
        for row in rows:
            pairs = sorted((index[k], v) for k, v in row.items() if k in index)
            sparse.append(([0, *(c for c, _ in pairs)], [1.0, *(v for _, v in pairs)]))
        return cls(names, sparse, labels, weights, parts or [0] * len(rows))

    @property
    def dim(self) -> int:
        return len(self.names) + 1

    def start(self, solution: tuple[float, dict[str, float]] | None) -> list[float]:
        beta = [0.0] * self.dim
        if solution is not None:
            beta[0] = solution[0]
            for i, name in enumerate(self.names, start=1):
                beta[i] = solution[1].get(name, 0.0)
        return beta

    def solution(self, beta: Sequence[float]) -> tuple[float, dict[str, float]]:
        kept = {n: b for n, b in zip(self.names, beta[1:], strict=True) if abs(b) > CONVERGED}
        return beta[0], kept

    def gradient(self, beta: Sequence[float], skip: int | None = None) -> list[float]:
        """Gradient of the weighted log-loss over the rows not in part ``skip``."""
        grad = [0.0] * self.dim
        for (cols, vals), y, w, part in zip(
            self.sparse, self.labels, self.weights, self.parts, strict=True
        ):
            if part == skip:
                continue
            z = sum(beta[c] * v for c, v in zip(cols, vals, strict=True))
            r = w * (sigmoid(max(min(z, 30.0), -30.0)) - y)
            for c, v in zip(cols, vals, strict=True):
                grad[c] += r * v
        return grad

    def hessians(self, beta: Sequence[float], count: int) -> list[list[list[float]]]:
        """The log-loss Hessian of each of ``count`` parts, or of all rows when ``count`` is 1."""
        dim = self.dim
        hess = [[[0.0] * dim for _ in range(dim)] for _ in range(count)]
        parts = self.parts if count > 1 else [0] * len(self.sparse)
        for (cols, vals), w, part in zip(self.sparse, self.weights, parts, strict=True):
            z = sum(beta[c] * v for c, v in zip(cols, vals, strict=True))
            p = sigmoid(max(min(z, 30.0), -30.0))
            s, matrix = w * p * (1.0 - p), hess[part]
            for i, (c, v) in enumerate(zip(cols, vals, strict=True)):
                sv, row = s * v, matrix[c]
                for c2, v2 in zip(cols[i:], vals[i:], strict=True):
                    row[c2] += sv * v2
        for matrix in hess:  # only the upper triangle was summed
            for c in range(dim):
                for c2 in range(c + 1, dim):
                    matrix[c2][c] = matrix[c][c2]
        return hess


def _penalised(
    grad: list[float], hess: list[list[float]], beta: Sequence[float], l2: float
) -> tuple[list[float], list[list[float]]]:
    """Add the ridge penalty (not on the bias) to a gradient and a copy of a Hessian."""
    hess = [list(row) for row in hess]
    for c in range(1, len(grad)):
        grad[c] += 2.0 * l2 * beta[c]
        hess[c][c] += 2.0 * l2
    hess[0][0] += 1e-6
    return grad, hess


def _newton(design: _Design, l2: float, beta: list[float], steps: int) -> list[float]:
    for _ in range(steps):
        (hess,) = design.hessians(beta, 1)
        grad, hess = _penalised(design.gradient(beta), hess, beta, l2)
        step = _cho_solve(_cholesky(hess), grad)
        beta = [b - d for b, d in zip(beta, step, strict=True)]
        if max(abs(d) for d in step) < CONVERGED:
            break
    return beta


def fit(
    rows: Sequence[dict[str, float]],
    labels: Sequence[int],
    weights: Sequence[float],
    l2: float,
    start: tuple[float, dict[str, float]] | None = None,
    steps: int = NEWTON_STEPS,
) -> tuple[float, dict[str, float]]:
    """L2-regularised logistic regression by Newton's method; returns (bias, weights).

    ``start`` warm-starts from a previous solution (a few steps then suffice).
    """
    design = _Design.of(rows, labels, weights)
    return design.solution(_newton(design, l2, design.start(start), steps))


def _inner_fold(call: Call) -> int:
    return int(call.group, 16) % INNER_FOLDS


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One penalty's full fit, its inner out-of-fold peaks and the thresholds they choose."""

    l2: float
    solution: tuple[float, dict[str, float]]
    thresholds: Thresholds
    inner_recall: float


def train(calls: Sequence[Call], l2: float | None = None) -> LinearModel:
    """Fit the n-gram table and the regression on ``calls`` (cross-fitted n-gram features).

    Without ``l2``, the penalty is chosen among ``L2_GRID`` inside ``calls`` only (nested
    cross-validation): the one whose inner out-of-fold scams are best caught at the thresholds
    chosen on the same inner folds' legitimate calls; a tie goes to the stronger penalty.
    """
    grams = {call.record.id: _call_grams(call) for call in calls if call.english}

    def of(call: Call) -> set[int]:
        return grams[call.record.id]

    inner = [ngram_table((c for c in calls if _inner_fold(c) != k), of) for k in range(INNER_FOLDS)]
    rows: list[dict[str, float]] = []
    labels: list[int] = []
    weights: list[float] = []
    parts: list[int] = []  # inner fold of the call each row comes from
    replays: list[list[dict[str, float]]] = []
    for call in calls:
        snapshots = _rows(call, inner[_inner_fold(call)])
        replays.append(snapshots)
        picked = _sample(len(snapshots))
        total = 1.0 if call.scam else LEGIT_WEIGHT
        share = total * (1.0 - FINAL_WEIGHT) / max(len(picked) - 1, 1)
        for i in picked:
            rows.append(snapshots[i])
            labels.append(int(call.scam))
            weights.append(total * FINAL_WEIGHT if i == len(snapshots) - 1 else share)
            parts.append(_inner_fold(call))
    design = _Design.of(rows, labels, weights, parts)
    candidates: list[_Candidate] = []
    beta = design.start(None)
    for penalty in sorted(L2_GRID if l2 is None else (l2,), reverse=True):
        beta = _newton(design, penalty, beta, NEWTON_STEPS)  # warm: from the stronger penalty
        peaks = _inner_peaks(calls, replays, design, penalty, beta)
        thresholds = select_thresholds(calls, peaks)
        caught = [p >= thresholds.scam for call, p in zip(calls, peaks, strict=True) if call.scam]
        recall = sum(caught) / max(len(caught), 1)
        candidates.append(_Candidate(penalty, design.solution(beta), thresholds, recall))
    best = max(candidates, key=lambda c: (round(c.inner_recall, 6), c.l2))
    bias, coefficients = best.solution
    info: dict[str, object] = {
        "trained_on": dict(sorted(_count(calls).items())),
        "l2": best.l2,
        "l2_inner_recall": {f"{c.l2:g}": round(c.inner_recall, 4) for c in candidates},
        "ngram_features": "hashed CRC-32 word uni/bigrams (English only), log-ratio weights",
        # Hashes of the training calls' ids (no text), so `ethiq eval FILE` can tell in-sample.
        "call_ids": sorted(_id_hash(call.record.id) for call in calls),
    }
    return LinearModel(bias, coefficients, ngram_table(calls, of), info, best.thresholds)


def _inner_peaks(
    calls: Sequence[Call],
    replays: Sequence[list[dict[str, float]]],
    design: _Design,
    l2: float,
    beta: Sequence[float],
) -> list[float]:
    """Each training call's real-time peak risk under a regression fitted without its inner fold
    (its n-grams already come from tables without it), so thresholds are chosen on calls the
    model did not learn from.

    Each inner fit starts from the full fit and takes a few chord-Newton steps: the Hessian is
    the full fit's minus the left-out fold's share, so one pass over the rows gives all of them.
    """
    peaks = [0.0] * len(calls)
    folds = [_inner_fold(call) for call in calls]
    by_part = design.hessians(beta, INNER_FOLDS)
    total = [[sum(h[r][c] for h in by_part) for c in range(design.dim)] for r in range(design.dim)]
    for k in range(INNER_FOLDS):
        hess = [
            [t - h for t, h in zip(tr, hr, strict=True)]
            for tr, hr in zip(total, by_part[k], strict=True)
        ]
        _, hess = _penalised([0.0] * design.dim, hess, beta, l2)
        lower = _cholesky(hess)
        inner_beta = list(beta)
        for _ in range(INNER_STEPS):
            grad = design.gradient(inner_beta, skip=k)
            for c in range(1, design.dim):
                grad[c] += 2.0 * l2 * inner_beta[c]
            step = _cho_solve(lower, grad)
            inner_beta = [b - d for b, d in zip(inner_beta, step, strict=True)]
        bias, coefficients = design.solution(inner_beta)
        model = LinearModel(bias, coefficients, {})
        for n, snapshots in enumerate(replays):
            if folds[n] == k:
                peaks[n] = max(sigmoid(model.risk_logit(f)) for f in snapshots)
    return peaks


def _lowest(peaks: Sequence[float], budget: float, bounds: tuple[float, float]) -> float:
    """The lowest threshold (0.01 steps, within ``bounds``) that at most ``budget`` of ``peaks``
    reach."""
    low, high = bounds
    allowed = int(budget * len(peaks))
    ranked = sorted(peaks, reverse=True)
    if len(ranked) <= allowed:
        return low
    above = ranked[allowed]  # the highest peak that must stay below the threshold
    return min(max(low, math.floor(above * 100 + 1) / 100), high)


def select_thresholds(calls: Sequence[Call], peaks: Sequence[float]) -> Thresholds:
    """The lowest thresholds whose false alarms and warnings on the training calls' legitimate
    English calls (scored out of fold) stay within the budgets; French calls keep the rules'."""
    legit = [p for call, p in zip(calls, peaks, strict=True) if not call.scam and call.english]
    if not legit:
        return Thresholds()
    scam = _lowest(legit, FALSE_ALARM_BUDGET, SCAM_RANGE)
    low, high = SUSPICIOUS_RANGE
    return Thresholds(suspicious=_lowest(legit, WARNING_BUDGET, (low, min(high, scam))), scam=scam)


def _count(calls: Iterable[Call]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for call in calls:
        counts[call.source] = counts.get(call.source, 0) + 1
    return counts


def _id_hash(call_id: str) -> str:
    return hashlib.blake2b(call_id.encode(), digest_size=6).hexdigest()


def trained_on(model: LinearModel, ids: Iterable[str]) -> int:
    """How many of ``ids`` were training calls of ``model``."""
    known = set(model.info.get("call_ids") or [])  # type: ignore[call-overload]
    return sum(_id_hash(i) in known for i in ids)


# --- scoring held-out calls as the runtime would ------------------------------------------------


def _rules_logit(features: dict[str, float]) -> float:
    """The rule path's log-odds (the features hold the rules without the pretext pair)."""
    pair = PRETEXT_PAIR if features.get(PRETEXT_FLOOR) else 0.0
    return features["rule"] / RULE_SCALE + pair


def score(call: Call, model: LinearModel | None, sensitivity: Sensitivity = "normal") -> Outcome:
    """The real-time outcome of a replayed call under ``model`` (None: rules only)."""
    base = None if model is None or not call.english else model.thresholds
    thresholds = thresholds_for(sensitivity, base)
    rows = _rows(call, None if model is None else dict(model.ngrams))
    peak, verdict, detected = 0.0, "legit", None
    current = 0.0
    for t, features in zip(call.times, rows, strict=True):
        logit = _rules_logit(features) if model is None else model.risk_logit(features)
        current = sigmoid(logit)
        peak = max(peak, current)
        verdict = Thresholds.worst(verdict, thresholds.verdict(current))  # type: ignore[arg-type]
        if verdict != "legit" and detected is None:
            detected = t
    return Outcome(
        id=call.record.id,
        source=call.source,
        language="fr" if is_french(call.record.lang) else "en",
        label=call.labels.label,
        typology=call.labels.typology or "unknown",
        verdict=verdict,  # type: ignore[arg-type]
        whole_call=thresholds.verdict(current),
        risk=peak,
        detected_at=detected,
        attributed="" if verdict == "legit" else call.attributed,
    )


def _folds(calls: Sequence[Call]) -> list[int]:
    """Fold of each call: groups dealt round-robin within each source and label (stratified)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for call in calls:
        members = groups.setdefault((call.source, call.labels.label), [])
        if call.group not in members:
            members.append(call.group)
    fold_of: dict[str, int] = {}
    for members in groups.values():
        for i, group in enumerate(sorted(members)):
            fold_of.setdefault(group, i % FOLDS)
    return [fold_of[call.group] for call in calls]


def fold_of(calls: Sequence[Call]) -> dict[str, int]:
    """The cross-validation fold of each call, by id (for per-fold figures)."""
    return {call.record.id: fold for call, fold in zip(calls, _folds(calls), strict=True)}


def fold_models(calls: Sequence[Call], l2: float | None = None) -> list[LinearModel]:
    """The model of each cross-validation fold, trained on the calls of the other folds
    (``l2``: that ridge penalty in every fold instead of each fold's nested choice)."""
    folds = _folds(calls)
    return [
        train([c for c, f in zip(calls, folds, strict=True) if f != k], l2) for k in range(FOLDS)
    ]


def median_thresholds(models: Sequence[LinearModel]) -> Thresholds:
    """The median of the folds' verdict thresholds: what the committed model ships with.

    A fold's thresholds hinge on which few hard legitimate calls it trained on (the budget allows
    two or three of them to reach an alert), so one choice on all calls is a draw from the same
    spread; its median is the choice the cross-validated figures describe best.
    """
    scam = statistics.median(m.thresholds.scam for m in models)
    suspicious = statistics.median(m.thresholds.suspicious for m in models)
    return Thresholds(suspicious=min(suspicious, scam), scam=scam)


def cross_validate(
    calls: Sequence[Call],
    sensitivities: Sequence[Sensitivity] = ("normal",),
    models: Sequence[LinearModel] | None = None,
) -> dict[Sensitivity, list[Outcome]]:
    """Grouped, stratified k-fold: each call scored by the model of the folds without it
    (``models``: those of :func:`fold_models`, trained here when not given)."""
    folds = _folds(calls)
    models = fold_models(calls) if models is None else models
    results: dict[Sensitivity, list[Outcome | None]] = {
        s: [None] * len(calls) for s in sensitivities
    }
    for k, model in enumerate(models):
        for i, (call, fold) in enumerate(zip(calls, folds, strict=True)):
            if fold == k:
                for s in sensitivities:
                    results[s][i] = score(call, model, s)
    return {s: [o for o in outcomes if o is not None] for s, outcomes in results.items()}


def leave_one_source_out(calls: Sequence[Call], l2: float | None = None) -> list[Outcome]:
    """Each source scored by a model trained on every other source (new kinds of calls)."""
    outcomes = []
    for source in sorted({call.source for call in calls}):
        model = train([c for c in calls if c.source != source], l2)
        outcomes += [score(c, model) for c in calls if c.source == source]
    return outcomes


def main(argv: Sequence[str] | None = None) -> None:
    """Train on the own set and the corpus, write the model file, print what it learned from."""
    parser = argparse.ArgumentParser(prog="python -m runtime.screening.train")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        sys.exit(f"corpus directory not found: {args.corpus} (pass --corpus DIR)")
    calls = load_calls(DEVSET, args.corpus)
    folds = fold_models(calls)
    # The same nested procedure as each fold's, on every call; only the thresholds are the
    # folds' median (see median_thresholds: one choice on all calls is too unstable).
    model = train(calls)
    spread = [{"suspicious": m.thresholds.suspicious, "scam": m.thresholds.scam} for m in folds]
    model = replace(
        model,
        thresholds=median_thresholds(folds),
        info={**model.info, "fold_thresholds": spread, "fold_l2": [m.info["l2"] for m in folds]},
    )
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(model.to_json() + "\n", encoding="utf-8")
    tmp.replace(args.out)
    strongest = sorted(model.weights.items(), key=lambda kv: -abs(kv[1]))[:12]
    print(f"trained on {len(calls)} calls: {model.info['trained_on']}")
    print(f"{len(model.weights)} cue/rule weights, {len(model.ngrams)} hashed n-grams")
    print(
        f"thresholds at normal sensitivity (median of the {FOLDS} folds' choices): suspicious "
        f"{model.thresholds.suspicious:.2f}, scam {model.thresholds.scam:.2f}; folds: "
        + ", ".join(f"{m.thresholds.suspicious:.2f}/{m.thresholds.scam:.2f}" for m in folds)
    )
    print(
        f"ridge penalty chosen by inner cross-validation among {', '.join(map(str, L2_GRID))}: "
        f"{model.info['l2']}; folds: " + ", ".join(str(m.info["l2"]) for m in folds)
    )
    print("strongest:", ", ".join(f"{k} {v:+.2f}" for k, v in strongest))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
