"""Change detection and the allowDestroy rule: pure git plumbing in a tiny repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra.reconcile.changes import (
    allows_destroy,
    detect_changes,
    last_committed_allows_destroy,
    pending_changes,
    removal_history,
    stack_name,
)
from infra.reconcile.git import GitError
from infra.reconcile.git import resolve as git_resolve
from infra.reconcile.scratch import commit


def _file(name: str, *, allow: object = None, email: str = "a@example.org") -> str:
    text = f"config:\n  ethiq:email: {email}\n  ethiq:region: CA-QC\n"
    return text + (f"  ethiq:allowDestroy: {allow}\n" if allow is not None else "")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    commit(
        tmp_path,
        "project",
        {
            "Pulumi.yaml": "name: ethiq\nruntime: python\nmain: infra/\nstackConfigDir: stacks\n",
            "infra/__main__.py": "",
            "README.md": "hello\n",
            "stacks/Pulumi.alpha.yaml": _file("alpha"),
            "stacks/Pulumi.bravo.yaml": _file("bravo"),
        },
    )
    return tmp_path


def _kinds(repo: Path, base: str, head: str = "HEAD") -> dict[str, str]:
    return {c.stack: c.kind for c in detect_changes(repo, base, head).stacks}


def test_added_changed_removed(repo: Path) -> None:
    base = commit(repo, "noop", {})
    commit(
        repo,
        "tenants",
        {
            "stacks/Pulumi.alpha.yaml": _file("alpha", email="new@example.org"),
            "stacks/Pulumi.bravo.yaml": None,
            "stacks/Pulumi.charlie.yaml": _file("charlie"),
        },
    )
    changes = detect_changes(repo, base, "HEAD")
    assert {c.stack: c.kind for c in changes.stacks} == {
        "alpha": "changed",
        "bravo": "removed",
        "charlie": "added",
    }
    assert changes.stacks_at_head == 2
    assert changes.program_changes == ()
    assert changes.base is not None
    assert len(changes.base) == len(changes.head) == 40


def test_nothing_or_unrelated_changes_run_nothing(repo: Path) -> None:
    base = commit(repo, "noop", {})
    assert _kinds(repo, base) == {}
    commit(repo, "docs", {"README.md": "changed\n", "stacks/notes.txt": "not a stack\n"})
    assert _kinds(repo, base) == {}


@pytest.mark.parametrize("path", ["infra/__main__.py", "Pulumi.yaml", "policies/rules.py"])
def test_program_change_runs_every_stack(repo: Path, path: str) -> None:
    base = commit(repo, "noop", {})
    text = (repo / path).read_text() + "\n# changed\n" if (repo / path).exists() else "x = 1\n"
    commit(repo, "program", {path: text, "stacks/Pulumi.charlie.yaml": _file("charlie")})
    changes = detect_changes(repo, base, "HEAD")
    assert {c.stack: c.kind for c in changes.stacks} == {
        "alpha": "changed",
        "bravo": "changed",
        "charlie": "added",
    }
    assert changes.program_changes == (path,)
    assert "program changed" in changes.stacks[0].reason


def test_a_rename_is_a_removal_and_an_addition(repo: Path) -> None:
    base = commit(repo, "noop", {})
    text = (repo / "stacks/Pulumi.bravo.yaml").read_text()
    commit(repo, "rename", {"stacks/Pulumi.bravo.yaml": None, "stacks/Pulumi.delta.yaml": text})
    assert _kinds(repo, base) == {"bravo": "removed", "delta": "added"}


def test_bad_revision_is_a_git_error(repo: Path) -> None:
    with pytest.raises(GitError):
        detect_changes(repo, "no-such-branch", "HEAD")


def test_destroy_allowed_only_by_a_committed_flag(repo: Path) -> None:
    path = "stacks/Pulumi.bravo.yaml"
    base = commit(repo, "noop", {})
    commit(repo, "remove", {path: None})
    assert not any(allows_destroy(t) for t in removal_history(repo, base, "HEAD", path))

    # The flag committed in the range, before the removal: allowed; the last version is that one.
    base = commit(repo, "back", {path: _file("bravo")})
    commit(repo, "allow", {path: _file("bravo", allow="true")})
    commit(repo, "remove again", {path: None})
    history = removal_history(repo, base, "HEAD", path)
    assert "allowDestroy" in history[0]
    assert any(allows_destroy(t) for t in history)

    # The flag already in the base revision: allowed.
    base = commit(repo, "back, allowed", {path: _file("bravo", allow="true")})
    commit(repo, "remove once more", {path: None})
    assert any(allows_destroy(t) for t in removal_history(repo, base, "HEAD", path))


@pytest.mark.parametrize(
    ("value", "allowed"),
    [("true", True), ('"true"', True), ("True", True), ("false", False), ("yes please", False)],
)
def test_allows_destroy_values(value: str, allowed: bool) -> None:
    assert allows_destroy(_file("x", allow=value)) is allowed
    assert not allows_destroy("config: [broken")


def test_stack_name() -> None:
    assert stack_name("stacks/Pulumi.acme.yaml", "stacks") == "acme"
    assert stack_name("Pulumi.acme.yaml", "") == "acme"
    assert stack_name("stacks/sub/Pulumi.acme.yaml", "stacks") is None
    assert stack_name("stacks/Pulumi.yaml", "stacks") is None
    assert stack_name("stacks/acme.yaml", "stacks") is None


NOT_APPLIED = "no applied commit recorded (never applied here, or the last apply failed)"


def _pending(repo: Path, applied: dict[str, str | None], **kw: bool) -> dict[str, str]:
    return {
        c.stack: f"{c.kind}: {c.reason}"
        for c in pending_changes(repo, "HEAD", applied, **kw).stacks
    }


def test_pending_changes_compare_the_head_with_what_was_applied(repo: Path) -> None:
    c1 = git_resolve(repo, "HEAD")
    # Both applied at c1, nothing since (an unrelated commit changes nothing).
    commit(repo, "readme", {"README.md": "changed\n"})
    assert _pending(repo, {"alpha": c1, "bravo": c1}) == {}
    # Not in the backend; no commit recorded (never applied, or the last up did not finish).
    assert _pending(repo, {"alpha": c1}) == {"bravo": "added: not in the backend yet"}
    pending = _pending(repo, {"alpha": c1, "bravo": "unfinished"})
    assert pending == {"bravo": f"changed: {NOT_APPLIED}"}
    assert _pending(repo, {"alpha": c1, "bravo": "f" * 40}) == {
        "bravo": f"changed: applied commit {'f' * 10} is not in this repository"
    }
    # A stack file edited, then the program: content decides, not which commits came between.
    c3 = commit(
        repo, "alpha edit", {"stacks/Pulumi.alpha.yaml": _file("alpha", email="b@example.org")}
    )
    commit(repo, "alpha edit reverted", {"stacks/Pulumi.alpha.yaml": _file("alpha")})
    assert _pending(repo, {"alpha": c1, "bravo": c1}) == {}
    assert _pending(repo, {"alpha": c3, "bravo": c1}) == {
        "alpha": f"changed: stack file differs from the applied {c3[:10]}"
    }
    commit(repo, "program", {"infra/__main__.py": "# changed\n"})
    assert _pending(repo, {"alpha": c1, "bravo": c1}) == {
        "alpha": f"changed: program changed since the applied {c1[:10]} (infra/__main__.py)",
        "bravo": f"changed: program changed since the applied {c1[:10]} (infra/__main__.py)",
    }
    head = git_resolve(repo, "HEAD")
    assert _pending(repo, {"alpha": head, "bravo": head}, everything=True) == {
        "alpha": "changed: deploy-all",
        "bravo": "changed: deploy-all",
    }


def test_a_removal_is_allowed_by_the_version_last_committed(repo: Path) -> None:
    path = "stacks/Pulumi.bravo.yaml"
    c1 = git_resolve(repo, "HEAD")

    def removal(applied: str | None) -> tuple[bool, str | None]:
        changes = pending_changes(repo, "HEAD", {"alpha": c1, "bravo": applied}).stacks
        [change] = [c for c in changes if c.stack == "bravo"]
        assert (change.kind, change.path) == ("removed", path)
        return last_committed_allows_destroy(repo, "HEAD", change.path)

    # Removed without the flag: refused, whatever was applied.
    commit(repo, "bravo goes", {path: None})
    assert removal(c1) == (False, _file("bravo"))
    assert removal(None) == (False, _file("bravo"))
    # The flag and the removal in one change (a squash of "may go" + "goes"), never applied:
    # allowed, with the flagged version, which the destroy applies first.
    commit(repo, "bravo is back", {path: _file("bravo")})
    commit(repo, "bravo may go", {path: _file("bravo", allow="true")})
    commit(repo, "bravo goes", {path: None})
    allowed, text = removal(c1)
    assert allowed
    assert text == _file("bravo", allow="true")
    assert removal("unfinished") == (True, text)
    # The flag set, then taken back, then the file removed: the last word counts.
    commit(repo, "bravo is back, allowed", {path: _file("bravo", allow="true")})
    commit(repo, "bravo stays after all", {path: _file("bravo")})
    commit(repo, "bravo goes", {path: None})
    assert removal(c1) == (False, _file("bravo"))
    # A backend stack that never had a file here: refused.
    assert last_committed_allows_destroy(repo, "HEAD", "stacks/Pulumi.ghost.yaml") == (False, None)


def _git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    done = subprocess.run(
        ["git", *identity, "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _merge_and_squash(repo: Path, branch_files: list[dict[str, str | None]]) -> tuple[str, str]:
    """A pull request of several commits, merged both ways from the same base: the merge commit
    (what its preview runs on) and the squash (what main gets)."""
    base = git_resolve(repo, "HEAD")
    _git(repo, "checkout", "-q", "-b", "pr")
    for i, files in enumerate(branch_files):
        commit(repo, f"pr commit {i}", files)
    _git(repo, "checkout", "-q", "--detach", base)
    _git(repo, "merge", "-q", "--no-ff", "-m", "merge pr", "pr")
    merged = git_resolve(repo, "HEAD")
    _git(repo, "checkout", "-q", "--detach", base)
    _git(repo, "merge", "-q", "--squash", "pr")
    _git(repo, "commit", "-q", "-m", "squash pr")
    squashed = git_resolve(repo, "HEAD")
    _git(repo, "checkout", "-q", "main")
    _git(repo, "branch", "-q", "-D", "pr")
    return merged, squashed


def _answer(repo: Path, head: str, applied: dict[str, str | None]) -> list[tuple[str, ...]]:
    answer = []
    for c in pending_changes(repo, head, applied).stacks:
        allowed = last_committed_allows_destroy(repo, head, c.path) if c.kind == "removed" else ()
        answer.append((c.stack, c.kind, c.reason, *map(str, allowed)))
    return answer


def test_a_merge_commit_and_a_squash_give_the_same_answer(repo: Path) -> None:
    path = "stacks/Pulumi.bravo.yaml"
    c1 = git_resolve(repo, "HEAD")
    applied: dict[str, str | None] = {"alpha": c1, "bravo": c1}
    # Several commits: alpha edited twice, bravo flagged then removed inside the pull request.
    merged, squashed = _merge_and_squash(
        repo,
        [
            {"stacks/Pulumi.alpha.yaml": _file("alpha", email="x@example.org")},
            {path: _file("bravo", allow="true")},
            {"stacks/Pulumi.alpha.yaml": _file("alpha", email="y@example.org")},
            {path: None, "stacks/Pulumi.charlie.yaml": _file("charlie")},
        ],
    )
    preview, apply = _answer(repo, merged, applied), _answer(repo, squashed, applied)
    assert [row[:2] for row in preview] == [
        ("alpha", "changed"),
        ("bravo", "removed"),
        ("charlie", "added"),
    ]
    # The flag set inside the removing pull request is in neither mainline: refused both ways.
    assert preview == apply
    assert preview[1][3] == "False"
    # The flag merged first (not applied), the removal in a later pull request: allowed both ways.
    commit(repo, "bravo may go", {path: _file("bravo", allow="true")})
    merged, squashed = _merge_and_squash(repo, [{path: None}, {"README.md": "bye bravo\n"}])
    preview, apply = _answer(repo, merged, applied), _answer(repo, squashed, applied)
    assert preview == apply
    assert [row[3] for row in preview if row[0] == "bravo"] == ["True"]
