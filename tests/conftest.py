"""Shared fixtures. Servers are started once per session, only by tests that ask for them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.servers import (
    Server,
    create_database,
    postgres_server,
    redis_server,
    stripe_mock_server,
)

pytest_plugins = ["tests.timings"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Engine stories first (a stable sort, files kept whole): ``make test`` hands whole files
    to its workers in this order, so the longest ones start early and none is left alone at
    the end while the other worker idles."""
    engine_files = {item.path for item in items if item.get_closest_marker("engine")}
    items.sort(key=lambda item: item.path not in engine_files)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Server]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def postgres(postgres_cluster: Server) -> Server:
    """A database of its own for each test module, on the session's server: modules never see
    each other's tenants, registries or keys."""
    return create_database(postgres_cluster, f"test_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def stripe_mock() -> Iterator[str]:
    """The base URL of Stripe's own mock server on a free loopback port."""
    try:
        with stripe_mock_server() as url:
            yield url
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def redis() -> Iterator[Server]:
    with redis_server() as server:
        yield server
