"""Runtime tests run on SQLite + the in-process store, and on real PostgreSQL + Redis."""

from __future__ import annotations

import pytest

from runtime.settings import Settings
from tests.runtime.helpers import make_settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """SQLite files + MemoryStore, or the session's PostgreSQL + Redis."""
    if request.param == "postgres":
        return make_settings(
            request.getfixturevalue("postgres").url, request.getfixturevalue("redis").url
        )
    return make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite")


@pytest.fixture
def sqlite_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite")
