"""The incremental scoring core, shared by the runtime and ``ethiq score``.

A :class:`ScreeningSession` is created per call with its metadata and the tenant's sensitivity,
then fed final transcript segments one at a time. Its state is bounded: the tail of the previous
segments (so a cue split across two segments is still found), one evidence record per lexicon
entry and, with the learned layer (:mod:`.learned`), running sums over the model's n-gram table.
Each segment therefore costs the same whether it is the 3rd or the 400th of the call.
There is no I/O anywhere on this path.

The risk is the rules' (:mod:`.risk`) when no model is loaded, else the model's, which takes the
rules' log-odds as one of its features; the reasons always come from the cues.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from runtime.screening import learned
from runtime.screening.cues import (
    ASKS,
    PRETEXT_PAIRS,
    SETUPS,
    Cue,
    Group,
    find_cues,
)
from runtime.screening.explain import MAX_REASONS, is_french, reason
from runtime.screening.learned import RULE_SCALE, LinearModel, NgramState, default_model
from runtime.screening.lexicon import LEXICON
from runtime.screening.metadata import metadata_signals
from runtime.screening.model import CallMeta, CallRecord, ScoreLine, Segment
from runtime.screening.normalize import normalize
from runtime.screening.risk import (
    PRETEXT_PAIR,
    Sensitivity,
    Thresholds,
    Verdict,
    combine,
    diminishing,
    sigmoid,
    thresholds_for,
)
from runtime.screening.typology import typology

__all__ = ["Assessment", "ScreeningSession", "score_call"]

CALLEE_FACTOR = 0.5  # the protected person repeating a cue is weaker evidence than the caller
REPEAT_BONUS = 0.15  # per further segment where a cue comes back, up to MAX_REPEATS
MAX_REPEATS = 2
WINDOW_CHARS = 160  # tail of previous text kept to catch cues spanning segments
LEARNED_REASON = 1.0  # n-gram log-odds above which "sounds like known scam calls" is a reason
# Scam cues come together; a long conversation touches money topics now and then. The learned
# layer sees which cue families the last RECENT_SEGMENTS segments held (bounded state).
RECENT_SEGMENTS = learned.RECENT_SEGMENTS
_PATTERN = ASKS | SETUPS


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
    # Which kind of scam the cues point to (:mod:`.typology`); ``""`` while the call is legit.
    typology: str = ""


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
    model: LinearModel | None = field(default_factory=default_model)
    _thresholds: Thresholds = field(init=False)
    _metadata: dict[str, float] = field(init=False)
    _caller_digits: str = field(init=False)
    _evidence: dict[str, _Evidence] = field(init=False, default_factory=dict)
    _tail: str = field(init=False, default="")
    _peak: float = field(init=False, default=0.0)
    _verdict: Verdict = field(init=False, default="legit")
    _detected_at: float | None = field(init=False, default=None)
    _last: Assessment = field(init=False)
    _ngrams: NgramState | None = field(init=False, default=None)
    _french: bool = field(init=False, default=False)
    _recent: deque[frozenset[Group]] = field(init=False)

    def __post_init__(self) -> None:
        self._french = is_french(self.lang)
        # French calls keep the rule path's thresholds: no real French call chose the model's.
        base = None if self.model is None or self._french else self.model.thresholds
        self._thresholds = thresholds_for(self.sensitivity, base)
        self._recent = deque(maxlen=RECENT_SEGMENTS)
        if self.model is not None and not self._french:
            self._ngrams = NgramState(self.model.ngrams)
        self._metadata = {s.key: s.weight for s in metadata_signals(self.call)}
        self._caller_digits = "".join(ch for ch in self.call.from_ or "" if ch.isdigit())[-10:]
        # Metadata alone may already warrant a warning: then it is detected at the call's start.
        self._last = self._assess(0.0)

    @property
    def thresholds(self) -> Thresholds:
        """This call's verdict thresholds: the model's (or the rules'), shifted by sensitivity."""
        return self._thresholds

    @property
    def assessment(self) -> Assessment:
        """The latest assessment (before any segment: from metadata alone)."""
        return self._last

    def feed(self, segment: Segment) -> Assessment:
        """Score one more final segment and return the updated assessment."""
        text = normalize(segment.text)
        if self._ngrams is not None:
            self._ngrams.add(text.split(), caller=segment.speaker == "caller")
        window = f"{self._tail} {text}" if self._tail else text
        current_from = len(window) - len(text)
        factor = 1.0 if segment.speaker == "caller" else CALLEE_FACTOR
        groups: set[Group] = set()
        for hit in find_cues(self.lexicon, window, current_from):
            key = hit.cue.key
            if key == "callback_number" and self._is_own_callback(hit.text):
                continue
            if hit.cue.group is Group.MITIGATION and segment.speaker != "caller":
                continue
            groups.add(hit.cue.group)
            evidence = self._evidence.get(key)
            if evidence is None:
                self._evidence[key] = _Evidence(hit.cue, factor)
            else:
                evidence.factor = max(evidence.factor, factor)
                evidence.segments += 1
        self._recent.append(frozenset(groups & _PATTERN))
        self._tail = (
            window[-WINDOW_CHARS:].split(" ", 1)[-1] if len(window) > WINDOW_CHARS else window
        )
        self._last = self._assess(segment.t)
        return self._last

    def _is_own_callback(self, matched: str) -> bool:
        digits = "".join(ch for ch in matched if ch.isdigit())[-10:]
        return bool(self._caller_digits) and digits == self._caller_digits

    def features(self) -> dict[str, float]:
        """The learned layer's features for the call so far (training replays calls with it)."""
        return self._features(self._rule_logit(pretext_pair=False), self._pretext_pair())

    def _rule_logit(self, pretext_pair: bool) -> float:
        by_group: dict[Group, list[float]] = {}
        for evidence in self._evidence.values():
            by_group.setdefault(evidence.cue.group, []).append(evidence.strength)
        groups = {group: diminishing(values) for group, values in by_group.items()}
        return combine(groups, sum(self._metadata.values()), pretext_pair)

    def _pretext_pair(self) -> bool:
        """Whether the caller (not the person repeating it) claimed an institution and a problem
        it does not phone about (``PRETEXT_PAIRS``); a source without speaker turns marks
        everyone the caller, so there it is anyone on the call."""
        said = {key for key, e in self._evidence.items() if e.factor >= 1.0}
        return any(said & who and said & what for who, what in PRETEXT_PAIRS)

    def _features(self, rule_logit: float, pair: bool) -> dict[str, float]:
        # A hinge lets the model trust confident rules more than their log-odds alone say.
        features = {"rule": rule_logit * RULE_SCALE, "rule:confident": max(rule_logit, 0.0)}
        for key in self._metadata:
            features[f"meta:{key}"] = 1.0
        for key, evidence in self._evidence.items():
            features[f"cue:{key}"] = evidence.factor * learned.CUE_SCALE
            name = f"group:{evidence.cue.group}"
            features[name] = max(features.get(name, 0.0), evidence.factor)
        recent = frozenset[Group]().union(*self._recent)
        if recent:
            features["recent:groups"] = len(recent) / 3.0
            if recent & ASKS and recent & SETUPS:
                features["recent:ask_with_setup"] = 1.0
        if pair:
            features[learned.PRETEXT_FLOOR] = 1.0
        if self._french:
            features["lang:fr"] = 1.0
        if self._ngrams is not None:
            features.update(self._ngrams.features())
        return features

    @property
    def typology(self) -> str:
        """The kind of scam the evidence so far points to (:mod:`.typology`), whatever the
        verdict (the assessment's is ``""`` while legit)."""
        return typology(self._cue_contributions())

    def _cue_contributions(self) -> dict[str, float]:
        contributions = dict(self._metadata)
        for key, evidence in self._evidence.items():
            contributions[key] = evidence.strength
        return contributions

    def _assess(self, t: float) -> Assessment:
        contributions = self._cue_contributions()
        pair = self._pretext_pair()  # once per segment: the rules, the features and the reasons
        if pair:
            contributions["pretext_pair"] = PRETEXT_PAIR
        if self.model is None:
            current = sigmoid(self._rule_logit(pretext_pair=pair))
        else:
            # The model is fitted on the rules without the pretext pair, which is its floor.
            features = self._features(self._rule_logit(pretext_pair=False), pair)
            current = sigmoid(self.model.risk_logit(features))
            # Only the n-grams' share is needed for the reason, not every feature's.
            weights = self.model.weights
            ngrams = sum(weights.get(k, 0.0) * features.get(k, 0.0) for k in learned.NGRAM_FEATURES)
            if ngrams > LEARNED_REASON:
                contributions["learned"] = ngrams
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
            typology="" if verdict == "legit" else typology(contributions),
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
