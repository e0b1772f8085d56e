"""Live calls' screening sessions are a bounded LRU: the least recently used call is evicted,
never one in use (runtime.calls.sessions)."""

from __future__ import annotations

from runtime.calls.sessions import LiveSession, SessionCache
from runtime.screening.engine import ScreeningSession
from runtime.screening.model import CallMeta


def _live() -> LiveSession:
    return LiveSession(ScreeningSession(CallMeta(), model=None))


def test_the_least_recently_used_session_is_evicted_first() -> None:
    cache = SessionCache(max_size=2)
    first, second, third = _live(), _live(), _live()
    cache.put("CA1", first)
    cache.put("CA2", second)
    assert cache.get("CA1") is first  # CA1 is now the most recent: CA2 goes next
    cache.put("CA3", third)
    assert len(cache) == 2
    assert cache.get("CA2") is None
    assert cache.get("CA1") is first
    assert cache.get("CA3") is third


def test_the_cache_never_holds_more_than_its_size() -> None:
    cache = SessionCache(max_size=3)
    for index in range(100):
        cache.put(f"CA{index}", _live())
    assert len(cache) == 3
    assert [cache.get(f"CA{index}") is not None for index in (96, 97, 98, 99)] == [
        False,
        True,
        True,
        True,
    ]


def test_putting_a_call_again_refreshes_it() -> None:
    cache = SessionCache(max_size=2)
    cache.put("CA1", _live())
    cache.put("CA2", _live())
    replacement = _live()
    cache.put("CA1", replacement)
    cache.put("CA3", _live())
    assert cache.get("CA1") is replacement
    assert cache.get("CA2") is None


def test_a_dropped_call_is_forgotten_and_dropping_twice_is_harmless() -> None:
    cache = SessionCache(max_size=2)
    kept = _live()
    cache.put("CA1", _live())
    cache.put("CA2", kept)
    cache.drop("CA1")
    assert cache.get("CA1") is None
    assert len(cache) == 1
    cache.drop("CA1")  # a call that ended twice, or never had a session
    cache.drop("CA9")
    assert cache.get("CA2") is kept


def test_one_call_always_gets_the_same_lock_from_a_bounded_set() -> None:
    cache = SessionCache()
    calls = [f"CA{index:032x}" for index in range(1000)]
    locks = {id(cache.lock(call)) for call in calls}
    assert all(cache.lock(call) is cache.lock(call) for call in calls)
    # Striped: memory stays bounded, yet calls do not all wait on one lock.
    assert 1 < len(locks) <= 64
