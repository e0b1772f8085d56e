"""Where the engine runs: the head revision's tree, and one small work directory per stack.

The head revision is extracted with ``git archive`` into a temporary directory, never the live
checkout: what runs is exactly what was committed (and reviewed), uncommitted edits cannot leak
in, and the checkout is never written to. Its ``.venv`` is a link to the project's virtualenv, so
``Pulumi.yaml`` and the policy pack (``virtualenv: ../.venv``) resolve as in the repository.

Each stack then gets its own work directory: a ``Pulumi.yaml`` equal to the head's, with ``main``
made absolute and the virtualenv the reconciler's own, and a copy of that one stack file.
Workspaces thus never share a directory (pulumi#8186), and whatever the engine writes (an
``encryptionsalt`` on ``stack init``) stays in the copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from infra.reconcile import git

__all__ = ["checkout", "policy_packs", "stack_workdir"]


def checkout(repo: Path, rev: str, destination: Path, virtualenv: Path) -> Path:
    """The tree of ``rev`` in ``destination`` with ``.venv`` pointing at ``virtualenv``."""
    git.archive(repo, rev, destination)
    link = destination / ".venv"
    if not link.exists():
        link.symlink_to(virtualenv.resolve(), target_is_directory=True)
    return destination


def policy_packs(project: Path) -> list[str]:
    """The project's CrossGuard pack (``policies/``), when the revision has one."""
    pack = project / "policies"
    return [str(pack)] if (pack / "PulumiPolicy.yaml").is_file() else []


def stack_workdir(
    project: Path, directory: Path, stack: str, stack_file: str | None, virtualenv: Path
) -> Path:
    """A work directory for one stack of ``project``, with ``stack_file`` as its config."""
    settings: dict[str, Any] = yaml.safe_load((project / "Pulumi.yaml").read_text()) or {}
    settings["main"] = str((project / str(settings.get("main") or ".")).resolve())
    runtime = settings.get("runtime")
    runtime = {"name": runtime} if isinstance(runtime, str) else dict(runtime or {})
    options = dict(runtime.get("options") or {})
    options["virtualenv"] = str(virtualenv.resolve())
    runtime["options"] = options
    settings["runtime"] = runtime
    settings["stackConfigDir"] = "stacks"
    (directory / "stacks").mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    if stack_file is not None:
        (directory / "stacks" / f"Pulumi.{stack}.yaml").write_text(stack_file)
    return directory
