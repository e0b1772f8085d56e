"""A throwaway git repository holding this project's program, for the benchmark and the tests.

The program files (``Pulumi.yaml``, ``__main__.py``, ``infra/``, ``policies/``, ``runtime/``) of
the source repository's committed ``HEAD`` (not its working tree, where work may be in flight)
make the first commit; later commits change only ``stacks/``, the way tenant pull requests do.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from infra.tenant_config import validate_tenant

__all__ = ["PROJECT_FILES", "commit", "init_repo", "tenant_file"]

ROOT: Final = Path(__file__).parents[2]
PROJECT_FILES: Final = ("Pulumi.yaml", "__main__.py", "infra", "policies", "runtime")
_IDENTITY: Final = (
    "-c",
    "user.name=Ethiq scratch",
    "-c",
    "user.email=scratch@ethiq.invalid",
    "-c",
    "commit.gpgsign=false",
)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *_IDENTITY, "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def init_repo(directory: Path, source: Path = ROOT) -> str:
    """A new repository in ``directory`` with the program of ``source``; returns the commit."""
    directory.mkdir(parents=True, exist_ok=True)
    tar = subprocess.run(
        ["git", "-C", str(source), "archive", "--format=tar", "HEAD", *PROJECT_FILES],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(directory)], input=tar.stdout, check=True)
    (directory / "stacks").mkdir(exist_ok=True)
    (directory / "stacks" / ".gitkeep").write_text("")
    _git(directory, "init", "--quiet", "--initial-branch=main")
    return commit(directory, "program", {})


def commit(repo: Path, message: str, files: Mapping[str, str | None]) -> str:
    """Write (``None``: delete) ``files`` and commit everything; returns the new commit."""
    for path, text in files.items():
        target = repo / path
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


def tenant_file(
    name: str, values: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> str:
    """The text of a valid ``stacks/Pulumi.<name>.yaml``, plus raw ``extra`` config keys."""
    config = validate_tenant(name, values).as_stack_config()
    return yaml.safe_dump({"config": {**config, **(extra or {})}}, sort_keys=False)
