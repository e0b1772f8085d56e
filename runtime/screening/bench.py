"""Benchmark: segments per second and p99 latency per segment, engine vs a naive baseline.

Run ``python -m runtime.screening.bench`` (one process, one core). The baseline is what the
engine replaces: for every new segment, join the whole transcript so far and run one regex per
cue over it, so its cost grows with the length of the call while the engine's does not.
Times are this thread's CPU time (one core), so other load on the machine does not inflate them.
``engine`` is the full path (rules + learned layer, English so the n-grams are on); ``rules``
is the rule path alone (what French calls add the learned cue weights to).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from runtime.screening.engine import ScreeningSession
from runtime.screening.lexicon import LEXICON
from runtime.screening.model import CallMeta, Segment
from runtime.screening.normalize import normalize

__all__ = ["Result", "main", "naive_baseline", "synthetic_call"]

_LINES = (
    "bonjour ici le service des fraudes de votre banque on a vu des transactions suspectes",
    "hi this is the dental clinic reminding you of your appointment on monday at nine",
    "vous allez recevoir un code de verification par texto lisez le moi s il vous plait",
    "my knee hurts a bit but i made soup yesterday and watched the hockey game",
    "on ne vous demandera jamais votre nip si vous avez un doute raccrochez",
    "go to the store and buy 2 apple gift cards then read me the numbers on the back",
    "j ai fait de la soupe hier pis j ai regarde la game avec mon voisin",
    "the weather is nice today we could go for a walk by the river this afternoon",
)
_CALL = CallMeta(from_="+15145550123", to="+14385550100", forwarded_from="+15145559876")
SEGMENTS_PER_MINUTE = 20  # about one final segment every three seconds


@dataclass(frozen=True, slots=True)
class Result:
    """Throughput and tail latency of one scorer on one call."""

    name: str
    segments: int
    per_second: float
    p99_us: float


def synthetic_call(segments: int, seed: int = 7) -> list[Segment]:
    """A call of ``segments`` segments mixing everyday talk and fraud cues in both languages."""
    rng = random.Random(seed)  # noqa: S311 - reproducible load, not security
    return [
        Segment(t=3.0 * i, speaker="caller" if i % 2 == 0 else "callee", text=rng.choice(_LINES))
        for i in range(segments)
    ]


def naive_baseline(segments: list[Segment]) -> Callable[[int], None]:
    """A scorer that rescans the whole transcript so far with one regex per cue."""
    texts: list[str] = []

    def feed(index: int) -> None:
        texts.append(normalize(segments[index].text))
        whole = " ".join(texts)
        for entry in LEXICON:
            entry.pattern.search(whole)

    return feed


def _engine(segments: list[Segment]) -> Callable[[int], None]:
    session = ScreeningSession(_CALL, "en-US")
    if session.model is None:
        raise SystemExit("no learned model in this build: the benchmark measures it")

    def feed(index: int) -> None:
        session.feed(segments[index])

    return feed


def _rules(segments: list[Segment]) -> Callable[[int], None]:
    session = ScreeningSession(_CALL, "fr-CA", model=None)

    def feed(index: int) -> None:
        session.feed(segments[index])

    return feed


def _measure(name: str, scorer: Callable[[int], None], count: int) -> Result:
    latencies = []
    for index in range(count):
        start = time.thread_time_ns()
        scorer(index)
        latencies.append(time.thread_time_ns() - start)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Result(name, count, count / (sum(latencies) / 1e9), p99 / 1e3)


_SCORERS: tuple[tuple[str, Callable[[list[Segment]], Callable[[int], None]]], ...] = (
    ("engine", _engine),
    ("rules", _rules),
    ("baseline", naive_baseline),
)


def run(repeats: int = 3) -> list[tuple[str, list[Result]]]:
    """Best-of-``repeats`` results per scorer for a short call and a 20-minute call."""
    rows = []
    for label, count in (("short call", 10), ("20-minute call", 20 * SEGMENTS_PER_MINUTE)):
        segments = synthetic_call(count)
        best: dict[str, Result] = {}
        for _ in range(repeats):
            for name, factory in _SCORERS:
                result = _measure(name, factory(segments), count)
                if name not in best or result.per_second > best[name].per_second:
                    best[name] = result
        rows.append((label, [best[name] for name, _ in _SCORERS]))
    return rows


def main() -> None:
    """Print the benchmark table: the engine's cost per segment stays flat, the baseline's grows."""
    print(f"{'call':<16}{'segments':>9}{'scorer':>10}{'seg/s':>12}{'p99 us':>10}")
    per_segment: dict[str, list[float]] = {}
    for label, results in run():
        for result in results:
            per_segment.setdefault(result.name, []).append(1.0 / result.per_second)
            print(
                f"{label:<16}{result.segments:>9}{result.name:>10}"
                f"{result.per_second:>12,.0f}{result.p99_us:>10,.0f}"
            )
        engine, baseline = results[0], results[-1]
        ratio = engine.per_second / baseline.per_second
        print(f"{'':<16}{'':>9}{'ratio':>10}{ratio:>11.1f}x  (engine vs baseline)")
    print()
    for name, (short, long) in per_segment.items():
        print(
            f"{name:>10}: mean cost per segment, 20-minute call / short call = {long / short:.2f}"
        )


if __name__ == "__main__":
    main()
