"""Event loops for programs run under Pulumi's mocks
(https://www.pulumi.com/docs/iac/concepts/testing/unit/).

The mocks run on the thread's current event loop, and ``MockMonitor`` serves registrations on
worker threads that have none: :func:`own_loop` gives such a thread one, and the module-scoped
:func:`pulumi_loop` fixture (imported by the conftests of the tests that need it) closes
them all with the module's own loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

__all__ = ["own_loop", "pulumi_loop"]

_WORKER_LOOPS: list[asyncio.AbstractEventLoop] = []


def own_loop() -> None:
    """Give the current (worker) thread an open event loop if it has none."""
    try:
        if not asyncio.get_event_loop().is_closed():
            return
    except RuntimeError:
        pass
    _WORKER_LOOPS.append(asyncio.new_event_loop())
    asyncio.set_event_loop(_WORKER_LOOPS[-1])


@pytest.fixture(scope="module")
def pulumi_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The module's event loop, the one Pulumi's mocks run on."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    for each in [loop, *_WORKER_LOOPS]:
        each.close()
    _WORKER_LOOPS.clear()
