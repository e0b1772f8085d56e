"""Reading every stack's applied commit from a real file backend, per set of stacks."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.engine import engine_env, pulumi
from infra.reconcile import scratch
from infra.reconcile.git import first_parent_since
from infra.reconcile.program import program_paths
from infra.reconcile.project import checkout, stack_workdir
from infra.reconcile.runner import Settings, applied_commits
from infra.reconcile.worker import APPLIED_COMMIT, UNFINISHED

pytestmark = pytest.mark.engine


def test_applied_commits_are_read_per_set_not_per_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    scratch.init_repo(repo)
    old = scratch.commit(repo, "an old push", {"docs/a.md": "a\n"})
    program = scratch.commit(repo, "program change", {"infra/notes.md": "program\n"})
    push = scratch.commit(repo, "a push", {"docs/b.md": "b\n"})
    head = scratch.commit(repo, "the head", {"docs/c.md": "c\n"})
    # The commits at which the program was as at the head, newest first.
    assert first_parent_since(repo, head, program_paths(repo, head), 64) == [head, push, program]

    env = engine_env(tmp_path / "state", passphrase="test only")  # noqa: S106
    settings = Settings(env=env)
    project = checkout(repo, head, tmp_path / "head", settings.virtualenv)
    query = stack_workdir(project, tmp_path / "query", "query", None, settings.virtualenv)
    tags: dict[str, str | None] = {
        "at-head-1": head,
        "at-head-2": head,
        "at-push": push,
        "at-program": program,
        "before-program": old,  # not a candidate: asked on its own
        "unfinished": UNFINISHED,
        "never-applied": None,
    }
    for name, value in tags.items():
        pulumi("stack", "init", name, cwd=query, env=env)
        if value is not None:
            pulumi(
                "stack", "tag", "set", APPLIED_COMMIT, value, "--stack", name, cwd=query, env=env
            )

    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command[1:4])
        return real_run(command, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    candidates = first_parent_since(repo, head, program_paths(repo, head), 64)
    found = applied_commits(project, tmp_path / "inventory", settings, candidates)

    assert found == dict(sorted(tags.items()))
    # 3 listings (all, tagged, unfinished) + 3 candidate commits + 1 stack asked on its own,
    # instead of 1 listing + 7 stacks.
    assert sorted(c[:2] for c in calls).count(["stack", "ls"]) == 6
    assert [c for c in calls if c[:2] == ["stack", "tag"]] == [["stack", "tag", "ls"]]
