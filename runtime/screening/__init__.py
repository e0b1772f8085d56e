"""Fraud screening: a bilingual, explainable, incremental scoring engine.

One pure core (:class:`ScreeningSession`) serves both the runtime, which feeds it final transcript
segments as they arrive, and ``ethiq score``, which replays calls from JSONL files.
"""

from __future__ import annotations

from runtime.screening.engine import Assessment, ScreeningSession, score_call
from runtime.screening.model import CallMeta, CallRecord, ScoreLine, Segment
from runtime.screening.risk import Sensitivity, Thresholds, Verdict

__all__ = [
    "Assessment",
    "CallMeta",
    "CallRecord",
    "ScoreLine",
    "ScreeningSession",
    "Segment",
    "Sensitivity",
    "Thresholds",
    "Verdict",
    "score_call",
]
