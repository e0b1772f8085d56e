"""The incremental scoring core, shared by the runtime and ``ethiq score``.

A :class:`ScreeningSession` is created per call with its metadata and the tenant's sensitivity,
then fed final transcript segments one at a time. Its state is bounded: the tail of the previous
segments (so a cue split across two segments is still found) and one evidence record per lexicon
entry. Each segment therefore costs the same whether it is the 3rd or the 400th of the call.
There is no I/O anywhere on this path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runtime.screening.cues import Cue, Group, find_cues
from runtime.screening.explain import MAX_REASONS, reason
from runtime.screening.lexicon import LEXICON
from runtime.screening.metadata import metadata_signals
from runtime.screening.model import CallMeta, CallRecord, ScoreLine, Segment
from runtime.screening.normalize import normalize
from runtime.screening.risk import (
    Sensitivity,
    Thresholds,
    Verdict,
    combine,
    diminishing,
    sigmoid,
    thresholds_for,
)

__all__ = ["Assessment", "ScreeningSession", "score_call"]

CALLEE_FACTOR = 0.5  # the protected person repeating a cue is weaker evidence than the caller
REPEAT_BONUS = 0.15  # per further segment where a cue comes back, up to MAX_REPEATS
MAX_REPEATS = 2
WINDOW_CHARS = 160  # tail of previous text kept to catch cues spanning segments


@dataclass(frozen=True, slots=True)
class Assessment:
    """The engine's judgement after a segment.

    ``risk`` and ``verdict`` are the real-time ones: the highest reached so far (an alert is never
    taken back). ``current_risk`` is the risk of the evidence as it stands now, which is what a
    whole-call judgement at the end would use.
    """

    risk: float
    verdict: Verdict
    reasons: tuple[str, ...]
    current_risk: float
    detected_at: float | None


@dataclass(slots=True)
class _Evidence:
    cue: Cue
    factor: float
    segments: int = 1

    @property
    def strength(self) -> float:
        bonus = 1.0 + REPEAT_BONUS * min(self.segments - 1, MAX_REPEATS)
        return self.cue.weight * self.factor * bonus


@dataclass(slots=True)
class ScreeningSession:
    """Per-call scoring state; :meth:`feed` it each final segment in time order."""

    call: CallMeta
    lang: str = "en"
    sensitivity: Sensitivity = "normal"
    lexicon: tuple[Cue, ...] = LEXICON
    _thresholds: Thresholds = field(init=False)
    _metadata: dict[str, float] = field(init=False)
    _caller_digits: str = field(init=False)
    _evidence: dict[str, _Evidence] = field(init=False, default_factory=dict)
    _tail: str = field(init=False, default="")
    _peak: float = field(init=False, default=0.0)
    _verdict: Verdict = field(init=False, default="legit")
    _detected_at: float | None = field(init=False, default=None)
    _last: Assessment = field(init=False)

    def __post_init__(self) -> None:
        self._thresholds = thresholds_for(self.sensitivity)
        self._metadata = {s.key: s.weight for s in metadata_signals(self.call)}
        self._caller_digits = "".join(ch for ch in self.call.from_ or "" if ch.isdigit())[-10:]
        # Metadata alone may already warrant a warning: then it is detected at the call's start.
        self._last = self._assess(0.0)

    @property
    def assessment(self) -> Assessment:
        """The latest assessment (before any segment: from metadata alone)."""
        return self._last

    def feed(self, segment: Segment) -> Assessment:
        """Score one more final segment and return the updated assessment."""
        text = normalize(segment.text)
        window = f"{self._tail} {text}" if self._tail else text
        current_from = len(window) - len(text)
        factor = 1.0 if segment.speaker == "caller" else CALLEE_FACTOR
        for hit in find_cues(self.lexicon, window, current_from):
            key = hit.cue.key
            if key == "callback_number" and self._is_own_callback(hit.text):
                continue
            if hit.cue.group is Group.MITIGATION and segment.speaker != "caller":
                continue
            evidence = self._evidence.get(key)
            if evidence is None:
                self._evidence[key] = _Evidence(hit.cue, factor)
            else:
                evidence.factor = max(evidence.factor, factor)
                evidence.segments += 1
        self._tail = (
            window[-WINDOW_CHARS:].split(" ", 1)[-1] if len(window) > WINDOW_CHARS else window
        )
        self._last = self._assess(segment.t)
        return self._last

    def _is_own_callback(self, matched: str) -> bool:
        digits = "".join(ch for ch in matched if ch.isdigit())[-10:]
        return bool(self._caller_digits) and digits == self._caller_digits

    def _assess(self, t: float) -> Assessment:
        by_group: dict[Group, list[float]] = {}
        contributions = dict(self._metadata)
        for key, evidence in self._evidence.items():
            by_group.setdefault(evidence.cue.group, []).append(evidence.strength)
            contributions[key] = evidence.strength
        groups = {group: diminishing(values) for group, values in by_group.items()}
        current = sigmoid(combine(groups, sum(self._metadata.values())))
        self._peak = max(self._peak, current)
        verdict = Thresholds.worst(self._verdict, self._thresholds.verdict(current))
        if verdict != "legit" and self._detected_at is None:
            self._detected_at = t
        self._verdict = verdict
        return Assessment(
            risk=self._peak,
            verdict=verdict,
            reasons=self._reasons(contributions, verdict),
            current_risk=current,
            detected_at=self._detected_at,
        )

    def _reasons(self, contributions: dict[str, float], verdict: Verdict) -> tuple[str, ...]:
        """The signals that drove the verdict: the strongest for a warning, else reassurances."""
        if verdict == "legit":
            chosen = sorted((v, k) for k, v in contributions.items() if v < 0)
        else:
            chosen = sorted(((v, k) for k, v in contributions.items() if v > 0), reverse=True)
        return tuple(reason(key, self.lang) for _, key in chosen[:MAX_REASONS])


def score_call(record: CallRecord, sensitivity: Sensitivity = "normal") -> ScoreLine:
    """Replay a recorded call through the real-time path and report its final assessment."""
    session = ScreeningSession(record.call, record.lang, sensitivity)
    for segment in record.segments:
        session.feed(segment)
    final = session.assessment
    return ScoreLine(
        id=record.id,
        risk=round(final.risk, 3),
        verdict=final.verdict,
        detected_at=final.detected_at,
        reasons=list(final.reasons),
    )
