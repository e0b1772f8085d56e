"""Which tenant stacks a change between two revisions touches, and whether a removal was allowed.

Cost grows with the size of the diff, not with the number of tenants: one ``git diff`` of two
trees, one ``ls-tree`` of the stack directory, and per removed stack the history of that file.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from infra.reconcile import git

__all__ = [
    "ALLOW_DESTROY",
    "PROGRAM_PATHS",
    "ChangeKind",
    "ChangeSet",
    "StackChange",
    "allows_destroy",
    "detect_changes",
    "removal_history",
    "stack_config_dir",
    "stack_name",
]

# A change under any of these re-runs every stack: the program or its guard rails changed.
PROGRAM_PATHS: Final = (
    "infra/",
    "policies/",
    "runtime/",
    "Pulumi.yaml",
    "__main__.py",
    "pyproject.toml",
    "requirements.lock",
)
ALLOW_DESTROY: Final = "ethiq:allowDestroy"
_STACK_FILE: Final = re.compile(r"Pulumi\.(.+)\.yaml")

ChangeKind = Literal["added", "changed", "removed"]


@dataclass(frozen=True)
class StackChange:
    stack: str
    kind: ChangeKind
    path: str  # the stack file, relative to the repository root
    reason: str


@dataclass(frozen=True)
class ChangeSet:
    base: str
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


def _is_program(path: str) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in PROGRAM_PATHS)


def detect_changes(repo: Path, base: str, head: str) -> ChangeSet:
    """Stacks added, changed or removed between ``base`` and ``head`` (any revision names)."""
    base_sha, head_sha = git.resolve(repo, base), git.resolve(repo, head)
    config_dir = stack_config_dir(repo, head_sha)
    at_head = {
        name: path
        for path in git.list_dir(repo, head_sha, config_dir)
        if (name := stack_name(path, config_dir)) is not None
    }
    changes: dict[str, StackChange] = {}
    program: list[str] = []
    kinds: dict[str, ChangeKind] = {"A": "added", "D": "removed"}
    for status, path in git.changed_paths(repo, base_sha, head_sha):
        name = stack_name(path, config_dir)
        if name is not None:
            kind = kinds.get(status, "changed")
            changes[name] = StackChange(name, kind, path, f"stack file {kind}")
        elif _is_program(path):
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
