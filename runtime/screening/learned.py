"""The learned layer: a logistic regression over the cues, the rule score and hashed word n-grams.

The rules (:mod:`.lexicon`, :mod:`.risk`) stay the explanation and the only path for what the
training data lacks (French scams, Québec typologies); the model learns, from real calls, how much
each cue and cue family is worth and which word n-grams scam calls share. Its features are:

- ``rule``: the rules' log-odds (scaled), so the model starts from the calibrated rule path;
- ``cue:<key>`` / ``group:<family>`` / ``meta:<key>``: whether that signal was seen so far;
- ``lang:fr``: French calls get no n-gram evidence (no real French scams exist to learn from);
- ``ngram:pos`` / ``ngram:neg``: ``log1p`` of the summed weights of the distinct scam-leaning and
  legitimate-leaning word uni- and bigrams seen so far (English only; the scam-leaning sum is
  divided by ``SCAM_NGRAM_KNEE`` first).

N-grams are hashed (CRC-32 into ``BUCKETS`` buckets), so the model file holds numbers, never
transcript text. Everything is a running sum: a segment costs its own words, never the call's
length, and the session's memory is bounded by the model's n-gram table.
"""

from __future__ import annotations

import json
import math
import zlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final

from runtime.screening.risk import PRETEXT_PAIR, Thresholds

__all__ = [
    "BUCKETS",
    "MODEL_FILE",
    "NGRAM_FEATURES",
    "PRETEXT_FLOOR",
    "LinearModel",
    "NgramState",
    "default_model",
    "hashed_grams",
]

BUCKETS: Final = 1 << 20
RECENT_SEGMENTS: Final = 8  # the window of the recent-evidence features (also the engine's)
CUE_SCALE = 1.0  # same for the per-cue features: their families and the rule score carry most
NGRAM_SCALE = 0.5  # smaller values regularise the n-gram features more than the cues
# The knee of the scam-leaning n-gram sums (call-wide and recent), as ``log1p(sum / knee)``: a
# few scam-leaning words that any conversation says now and then stay near zero, while a pitch's
# dense run still counts. Held out, the own set's English legitimate calls warned fell from
# 13.5 % to 7.7 % and real-scam recall rose from 93.6 % to 96.0 %, for one more real
# legitimate call judged scam (0.4 % to 0.8 %). The legitimate-leaning sums keep no knee.
SCAM_NGRAM_KNEE: Final = 3.0
RULE_SCALE: Final = 1.0 / 3.0  # rule log-odds span about -3..+9: keep the feature near unit scale
# A marker, not a weight: under it the rules are a floor (``risk_logit``); never fitted.
PRETEXT_FLOOR: Final = "floor:pretext_pair"
MODEL_FILE: Final = Path(__file__).with_name("data") / "model.json"
# The names NgramState.features returns (the engine reads their share for the reason).
NGRAM_FEATURES: Final = ("ngram:pos", "ngram:neg", "ngram:recent_pos", "ngram:recent_neg")
_FORMAT: Final = "ethiq-screening-linear/1"


def _bucket(gram: str) -> int:
    return zlib.crc32(gram.encode()) & (BUCKETS - 1)


def hashed_grams(tokens: Iterable[str], previous: str = "") -> Iterator[int]:
    """Buckets of the unigrams and bigrams of normalised tokens; ``previous`` ends the last text.

    Numbers are one token (``0``): amounts and order numbers generalise, their digits do not.
    """
    last = previous
    for raw in tokens:
        if raw == ".":
            last = ""
            continue
        token = "0" if raw[0].isdigit() else raw
        yield _bucket(token)
        if last:
            yield _bucket(f"{last} {token}")
        last = token


@dataclass(slots=True)
class NgramState:
    """Distinct n-grams of one call seen so far, as running sums of their weights."""

    table: Mapping[int, float]
    previous: str = ""
    positive: float = 0.0
    negative: float = 0.0
    seen: set[int] = field(default_factory=set)
    # The same sums over the last RECENT_SEGMENTS segments only: scam talk is dense, while a long
    # conversation gathers scam-leaning words now and then (the call-wide sums keep growing).
    recent: deque[tuple[float, float]] = field(
        default_factory=lambda: deque(maxlen=RECENT_SEGMENTS)
    )

    def add(self, tokens: list[str], caller: bool = True) -> None:
        """Account for one more segment's tokens (``caller``: said by the caller)."""
        self.add_buckets(hashed_grams(tokens, self.previous), caller)
        words = [word for word in tokens if word != "."]
        if words:
            self.previous = "0" if words[-1][0].isdigit() else words[-1]

    def add_buckets(self, buckets: Iterable[int], caller: bool = True) -> None:
        """Account for one more segment given its n-gram buckets (training hashes them once).

        Scam-leaning n-grams count only in the caller's speech: the protected person answering
        a contact centre's way ("thank you for calling, how can I help") is not the pitch of one
        (the cues weigh the callee's words less for the same reason); legitimate-leaning ones
        count from anyone.
        """
        table, seen = self.table, self.seen
        here: dict[int, float] = {}
        for bucket in buckets:
            weight = table.get(bucket)
            if weight is None or (weight > 0 and not caller):
                continue
            here[bucket] = weight
            if bucket in seen:
                continue
            seen.add(bucket)
            if weight > 0:
                self.positive += weight
            else:
                self.negative -= weight
        self.recent.append(
            (sum(w for w in here.values() if w > 0), -sum(w for w in here.values() if w < 0))
        )

    def features(self) -> dict[str, float]:
        """The saturating n-gram features, call-wide and recent (scam-leaning ones past a knee)."""
        recent_pos = sum(p for p, _ in self.recent) / SCAM_NGRAM_KNEE
        recent_neg = sum(n for _, n in self.recent)
        sums = (self.positive / SCAM_NGRAM_KNEE, self.negative, recent_pos, recent_neg)
        return {
            name: NGRAM_SCALE * math.log1p(v) for name, v in zip(NGRAM_FEATURES, sums, strict=True)
        }


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Weights of the learned layer; ``logit`` is a dot product over a handful of features."""

    bias: float
    weights: Mapping[str, float]
    ngrams: Mapping[int, float]
    info: Mapping[str, object] = field(default_factory=dict)
    # Verdict thresholds at normal sensitivity, chosen on the training calls (see ``train``).
    thresholds: Thresholds = field(default_factory=Thresholds)

    def logit(self, features: Mapping[str, float]) -> float:
        """Log-odds of a scam for the features of the call so far."""
        weights = self.weights
        return self.bias + sum(weights.get(name, 0.0) * value for name, value in features.items())

    def risk_logit(self, features: Mapping[str, float]) -> float:
        """The call's log-odds: the model's, with the rules as a floor where data is silent.

        No real French scam and few recorded robocalls exist to learn from, so for French calls
        and calls with a robocall cue the rules' own log-odds is a floor (the rule path). So it
        is, with the pair's term, for a pretext pair (an institution and a problem it never
        phones about): the training scams that have one always reach their ask, so a model
        would learn it from the ask alone. The model is fitted on the rules without the pair
        (``features``), so the pair moves no threshold chosen on legitimate calls.
        """
        learned = self.logit(features)
        rules = features["rule"] / RULE_SCALE
        if features.get(PRETEXT_FLOOR):
            return max(learned, rules + PRETEXT_PAIR)
        if features.get("lang:fr") or features.get("group:robocall"):
            return max(learned, rules)
        return learned

    def to_json(self) -> str:
        """The committed file: weights and hashed n-gram buckets, never any transcript text."""
        return json.dumps(
            {
                "format": _FORMAT,
                "buckets": BUCKETS,
                "info": dict(self.info),
                "thresholds": {
                    "suspicious": round(self.thresholds.suspicious, 4),
                    "scam": round(self.thresholds.scam, 4),
                },
                "bias": round(self.bias, 5),
                "weights": {name: round(w, 5) for name, w in sorted(self.weights.items())},
                "ngrams": {str(b): round(w, 4) for b, w in sorted(self.ngrams.items())},
            },
            indent=0,
            sort_keys=False,
        )

    @classmethod
    def from_json(cls, text: str) -> LinearModel:
        """Load a model file; raises ``ValueError`` when it is not one this code can use."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(f"not a screening model file (expected format {_FORMAT})")
        if data.get("buckets") != BUCKETS:
            raise ValueError(
                f"model hashed into {data.get('buckets')} buckets, code uses {BUCKETS}"
            )
        return cls(
            bias=float(data["bias"]),
            weights={str(k): float(v) for k, v in data["weights"].items()},
            ngrams={int(k): float(v) for k, v in data["ngrams"].items()},
            info=dict(data.get("info") or {}),
            thresholds=Thresholds(**data.get("thresholds", {})),
        )


@cache
def default_model() -> LinearModel | None:
    """The committed model, or None (rules only) when the package ships without one."""
    try:
        return LinearModel.from_json(MODEL_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
