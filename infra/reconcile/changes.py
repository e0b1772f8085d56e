"""Which tenant stacks need the engine, and whether a removal was allowed.

Two ways to ask. :func:`pending_changes` compares the head with what the backend says was applied
(each stack's ``ethiq:applied-commit`` tag): a stack needs work when it is not in the backend,
has no recorded commit (never applied, or its last apply did not finish), or when its stack file
or the program differs between that commit and the head; a backend stack without a file at the
head is a removal, allowed only if its file as last committed carried ``ethiq:allowDestroy:
true``. The answer depends on trees and the backend, never on which commits a push or a squash
merge contained, so a pull request's preview (of its merge commit) and the apply after the merge
agree, and whatever a missed, failed or cancelled apply left undone is found again by the next
run. Cost: one ``ls-tree`` for the head, and one ``ls-tree`` plus one ``git diff`` per distinct
applied commit (usually a handful).

:func:`detect_changes` compares two revisions (``--base``): one ``git diff`` of two trees, one
``ls-tree`` of the stack directory, and per removed stack the history of that file.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from infra.reconcile import git
from infra.reconcile.program import is_program, program_paths

__all__ = [
    "ALLOW_DESTROY",
    "ChangeKind",
    "ChangeSet",
    "StackChange",
    "allows_destroy",
    "detect_changes",
    "last_committed_allows_destroy",
    "pending_changes",
    "removal_history",
    "stack_config_dir",
    "stack_name",
]

ALLOW_DESTROY: Final = "ethiq:allowDestroy"
_STACK_FILE: Final = re.compile(r"Pulumi\.(.+)\.yaml")

ChangeKind = Literal["added", "changed", "removed"]


@dataclass(frozen=True)
class StackChange:
    stack: str
    kind: ChangeKind
    path: str  # the stack file, relative to the repository root
    reason: str
    applied: str | None = None  # the commit the backend says was last applied to this stack


@dataclass(frozen=True)
class ChangeSet:
    base: str | None  # None: compared with the backend's applied commits
    head: str
    stacks: tuple[StackChange, ...]
    program_changes: tuple[str, ...]  # program/policy paths that changed (all stacks re-run)
    stacks_at_head: int


def stack_name(path: str, config_dir: str) -> str | None:
    """``stacks/Pulumi.acme.yaml`` → ``acme``; None for anything else."""
    directory, filename = posixpath.split(path)
    if directory != config_dir.strip("/"):
        return None
    match = _STACK_FILE.fullmatch(filename)
    return match[1] if match else None


def stack_config_dir(repo: Path, rev: str) -> str:
    """``stackConfigDir`` of ``Pulumi.yaml`` at ``rev`` (Pulumi's default: the project root)."""
    text = git.show(repo, rev, "Pulumi.yaml")
    project = yaml.safe_load(text) if text else None
    value = project.get("stackConfigDir") if isinstance(project, dict) else None
    return str(value).strip("/") if value else ""


def detect_changes(repo: Path, base: str, head: str) -> ChangeSet:
    """Stacks added, changed or removed between ``base`` and ``head`` (any revision names)."""
    base_sha, head_sha = git.resolve(repo, base), git.resolve(repo, head)
    config_dir = stack_config_dir(repo, head_sha)
    at_head = {
        name: path
        for path in git.list_dir(repo, head_sha, config_dir)
        if (name := stack_name(path, config_dir)) is not None
    }
    program_files = program_paths(repo, head_sha)
    changes: dict[str, StackChange] = {}
    program: list[str] = []
    kinds: dict[str, ChangeKind] = {"A": "added", "D": "removed"}
    for status, path in git.changed_paths(repo, base_sha, head_sha):
        name = stack_name(path, config_dir)
        if name is not None:
            kind = kinds.get(status, "changed")
            changes[name] = StackChange(name, kind, path, f"stack file {kind}")
        elif is_program(path, program_files):
            program.append(path)
    if program:
        shown = ", ".join(program[:3]) + (" …" if len(program) > 3 else "")  # noqa: PLR2004
        for name, path in at_head.items():
            if name not in changes:
                changes[name] = StackChange(name, "changed", path, f"program changed ({shown})")
    return ChangeSet(
        base=base_sha,
        head=head_sha,
        stacks=tuple(changes[name] for name in sorted(changes)),
        program_changes=tuple(program),
        stacks_at_head=len(at_head),
    )


def removal_history(repo: Path, base: str, head: str, path: str) -> list[str]:
    """Every committed version of a removed stack file, newest first: those in ``base..head``
    before the removal, then the one in ``base``."""
    versions = [
        text
        for commit in git.commits_touching(repo, base, head, path)
        if (text := git.show(repo, commit, path)) is not None
    ]
    at_base = git.show(repo, base, path)
    return [*versions, *([at_base] if at_base is not None else [])]


def allows_destroy(text: str) -> bool:
    """Whether a stack file says ``ethiq:allowDestroy: true`` (a YAML bool or the string)."""
    try:
        document: Any = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    config = document.get("config") if isinstance(document, dict) else None
    value = config.get(ALLOW_DESTROY) if isinstance(config, dict) else None
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _is_commit_id(value: str | None) -> bool:
    return value is not None and re.fullmatch(r"[0-9a-f]{40}", value) is not None


def pending_changes(
    repo: Path, head: str, applied: Mapping[str, str | None], *, everything: bool = False
) -> ChangeSet:
    """Stacks whose head differs from what the backend applied (``applied``: backend stack →
    its ``ethiq:applied-commit``, None when unset). ``everything``: every stack at the head."""
    head_sha = git.resolve(repo, head)
    config_dir = stack_config_dir(repo, head_sha)
    at_head = {
        name: (path, blob)
        for path, blob in git.blobs(repo, head_sha, config_dir).items()
        if (name := stack_name(path, config_dir)) is not None
    }
    trees: dict[str, tuple[dict[str, str], list[str]]] = {}

    def applied_tree(commit: str) -> tuple[dict[str, str], list[str]]:
        if commit not in trees:
            files = git.blobs(repo, commit, stack_config_dir(repo, commit))
            differing = git.paths_differing(repo, commit, head_sha, program_paths(repo, head_sha))
            trees[commit] = (files, differing)
        return trees[commit]

    changes: list[StackChange] = []
    for name in sorted(at_head.keys() | applied.keys()):
        commit = applied.get(name)
        known = _is_commit_id(commit) and git.exists(repo, str(commit))
        if name not in at_head:
            path = posixpath.join(config_dir, f"Pulumi.{name}.yaml")
            changes.append(StackChange(name, "removed", path, "no stack file at head", commit))
            continue
        path, blob = at_head[name]
        if name not in applied:
            changes.append(StackChange(name, "added", path, "not in the backend yet"))
            continue
        short = str(commit)[:10]
        if everything:
            reason = "deploy-all"
        elif not _is_commit_id(commit):
            reason = "no applied commit recorded (never applied here, or the last apply failed)"
        elif not known:
            reason = f"applied commit {short} is not in this repository"
        else:
            files, program = applied_tree(str(commit))
            if files.get(path) != blob:
                reason = f"stack file differs from the applied {short}"
            elif program:
                shown = ", ".join(program[:3]) + (" …" if len(program) > 3 else "")  # noqa: PLR2004
                reason = f"program changed since the applied {short} ({shown})"
            else:
                continue
        changes.append(StackChange(name, "changed", path, reason, commit if known else None))
    return ChangeSet(
        base=None,
        head=head_sha,
        stacks=tuple(changes),
        program_changes=(),
        stacks_at_head=len(at_head),
    )


def last_committed_allows_destroy(repo: Path, head: str, path: str) -> tuple[bool, str | None]:
    """For a removal found by :func:`pending_changes`: whether the stack file, as the mainline
    (``head``'s first-parent history) held it before the change that removed it, carries the
    flag, and that version's text (None: no version).

    The flag need not have been applied: the destroy applies that version first (which lifts
    ``protect`` from the number and subaccount). It must be on the mainline before the removal:
    merged in an earlier change, or an earlier commit of the same push. A pull request's merge
    commit and its squash both have the base as first parent, so its preview and the apply
    after either merge give the same answer (a flag set inside the removing pull request counts
    in neither)."""
    removed_by = git.git(repo, "rev-list", "--first-parent", "-n", "1", head, "--", path).split()
    if not removed_by or not git.exists(repo, f"{removed_by[0]}^"):
        return False, None
    text = git.show(repo, f"{removed_by[0]}^", path)
    return (text is not None and allows_destroy(text)), text
