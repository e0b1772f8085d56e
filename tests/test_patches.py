"""The patches of third-party internals (runtime/patches.py) were checked against the versions
installed and pinned: an upgrade fails here until the module has been reviewed."""

from __future__ import annotations

import re
from contextvars import ContextVar
from importlib.metadata import version
from pathlib import Path

import pytest
from piccolo.conf.apps import Finder

from runtime.patches import CHECKED_AGAINST, PatchMismatch, route_piccolo_migrations

PYPROJECT = (Path(__file__).parents[1] / "pyproject.toml").read_text()


@pytest.mark.parametrize(("distribution", "checked"), sorted(CHECKED_AGAINST.items()))
def test_patched_libraries_are_the_versions_the_patches_were_checked_against(
    distribution: str, checked: str
) -> None:
    assert version(distribution) == checked
    assert re.search(rf'"{re.escape(distribution)}(\[[^\]]*\])?=={re.escape(checked)}"', PYPROJECT)


def test_a_foreign_engine_finder_is_refused_not_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    def foreign(self: Finder, module_name: str | None = None) -> None:
        return None

    monkeypatch.setattr(Finder, "get_engine", foreign)
    with pytest.raises(PatchMismatch, match=r"review runtime\.patches"):
        route_piccolo_migrations(ContextVar("other", default=None))
    assert Finder.get_engine is foreign
