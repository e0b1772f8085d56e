"""The one backoff policy (runtime.retry): exponential, capped, and with full jitter a draw
over the whole range below the ceiling."""

from __future__ import annotations

import random

from runtime.retry import Backoff


def test_without_jitter_each_wait_doubles_up_to_the_cap() -> None:
    policy = Backoff(attempts=6, base_s=1.5, max_s=10.0, jitter=False)
    assert [policy.delay(n) for n in range(6)] == [1.5, 3.0, 6.0, 10.0, 10.0, 10.0]


def test_full_jitter_spreads_waits_over_zero_to_the_ceiling() -> None:
    random.seed(20261201)  # deterministic draws
    policy = Backoff(attempts=6, base_s=0.5, max_s=8.0)
    for attempt, ceiling in [(0, 0.5), (2, 2.0), (4, 8.0), (9, 8.0)]:
        draws = [policy.delay(attempt) for _ in range(400)]
        assert all(0 <= d <= ceiling for d in draws)
        assert min(draws) < ceiling * 0.05
        assert max(draws) > ceiling * 0.95
