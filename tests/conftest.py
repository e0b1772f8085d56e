"""Shared fixtures. Servers are started once per session, only by tests that ask for them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import Server, postgres_server, redis_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis() -> Iterator[Server]:
    with redis_server() as server:
        yield server
