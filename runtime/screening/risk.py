"""From evidence to a calibrated risk and a verdict.

Every signal carries a log-odds weight. Within a group of related cues the strongest counts fully
and the others with geometrically diminishing returns, so ten urgency phrases never outweigh one
request for a PIN. An ask (payment, credential, remote access) together with a setup (pretext,
problem, pressure, secrecy) adds an interaction term: that combination is what makes a scam. The
sum, on top of a prior, goes through a logistic to give a probability; verdict thresholds are
probabilities, shifted in log-odds space by the tenant's sensitivity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from runtime.screening.cues import ASKS, SETUPS, Group

__all__ = [
    "PRETEXT_PAIR",
    "PRIOR",
    "Sensitivity",
    "Thresholds",
    "Verdict",
    "combine",
    "diminishing",
    "parse_sensitivity",
    "sigmoid",
    "thresholds_for",
]

Verdict = Literal["legit", "suspicious", "scam"]
Sensitivity = Literal["low", "normal", "high"] | float

PRIOR: Final = -3.0  # log-odds of a scam before any evidence (about 5 %)
DECAY: Final = 0.4  # weight of the n-th strongest cue of a group: DECAY ** n
ASK_WITH_SETUP: Final = 1.8
# An institution's claim with a problem it does not phone about, both from the caller (see
# ``cues.PRETEXT_PAIRS``): the pretext pair without its ask yet weighs like an ask with a setup.
PRETEXT_PAIR: Final = 1.8
FULL_PATTERN: Final = 0.5  # ask + pretext + pressure/secrecy: all four of the FTC's signs
MITIGATION_FLOOR: Final = -2.5
SENSITIVITY_STEP: Final = 0.85  # log-odds threshold shift per sensitivity step
_LEVELS: Final = {"low": -1.0, "normal": 0.0, "high": 1.0}
_PRESSURES: Final = frozenset({Group.PRESSURE, Group.SECRECY})
_RANK: Final[dict[Verdict, int]] = {"legit": 0, "suspicious": 1, "scam": 2}


def sigmoid(x: float) -> float:
    """Logistic function."""
    return 1.0 / (1.0 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Risk at or above which a call is ``suspicious`` (warn the person) or ``scam`` (alert)."""

    suspicious: float = 0.5
    scam: float = 0.8

    def verdict(self, risk: float) -> Verdict:
        """Verdict for a risk."""
        if risk >= self.scam:
            return "scam"
        if risk >= self.suspicious:
            return "suspicious"
        return "legit"

    @staticmethod
    def worst(a: Verdict, b: Verdict) -> Verdict:
        """The more severe of two verdicts (real-time verdicts never go back down)."""
        return a if _RANK[a] >= _RANK[b] else b


def parse_sensitivity(value: str) -> Sensitivity:
    """Parse ``low``/``normal``/``high`` or a float in [0, 1] (0.5 is ``normal``)."""
    if value in _LEVELS:
        return value  # type: ignore[return-value]
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"sensitivity must be low, normal, high or 0..1, not {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"sensitivity must be between 0 and 1, not {number}")
    return number


def thresholds_for(sensitivity: Sensitivity, base: Thresholds | None = None) -> Thresholds:
    """Thresholds for a tenant: ``high`` warns earlier, ``low`` later.

    A float sensitivity ``s`` in [0, 1] maps linearly onto the levels (0 low, 0.5 normal, 1 high).
    """
    base = base or Thresholds()
    if isinstance(sensitivity, str):
        level = _LEVELS[sensitivity]
    else:
        level = (min(max(sensitivity, 0.0), 1.0) - 0.5) * 2.0
    shift = -level * SENSITIVITY_STEP
    return Thresholds(
        suspicious=sigmoid(_logit(base.suspicious) + shift),
        scam=sigmoid(_logit(base.scam) + shift),
    )


def diminishing(strengths: Iterable[float]) -> float:
    """Sum with diminishing returns: strongest first, each next one worth DECAY times less."""
    ordered = sorted(strengths, key=abs, reverse=True)
    return sum(value * DECAY**rank for rank, value in enumerate(ordered))


def combine(groups: Mapping[Group, float], metadata: float, pretext_pair: bool = False) -> float:
    """Log-odds of a scam from per-group scores (already diminished) and the metadata score;
    ``pretext_pair``: the caller claimed an institution and a problem it does not phone about."""
    total = PRIOR + metadata + (PRETEXT_PAIR if pretext_pair else 0.0)
    for group, score in groups.items():
        total += max(score, MITIGATION_FLOOR) if group is Group.MITIGATION else score
    present = {group for group, score in groups.items() if score > 0}
    if present & ASKS and present & SETUPS:
        total += ASK_WITH_SETUP
        if present & _PRESSURES and present & (SETUPS - _PRESSURES):
            total += FULL_PATTERN
    return total
