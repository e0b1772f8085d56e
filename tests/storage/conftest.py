"""Each storage test runs on SQLite (a temp dir) and on the session's real PostgreSQL."""

from __future__ import annotations

import itertools
import uuid

import pytest

_counter = itertools.count(1000)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres").url
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite"


@pytest.fixture
def slug() -> str:
    """A slug no other test uses (the PostgreSQL server is shared by the session)."""
    return unique_slug()


def unique_slug(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def unique_number() -> str:
    """A fresh E.164 number (North American format)."""
    return f"+1514{next(_counter):03d}{uuid.uuid4().int % 10000:04d}"
