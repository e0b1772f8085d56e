"""``ethiq pulumi ARGS``: ``pulumi ARGS`` with the project's policy pack on every command that
runs policies, so nobody has to remember ``--policy-pack`` (the tenant program refuses to run
without it: :mod:`infra.policy_guard`)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["pulumi", "pulumi_command"]


def pulumi_command(args: list[str], cwd: Path) -> list[str]:
    """The pulumi command line for ``args`` run in ``cwd``: the project's ``policies/`` pack is
    added to the commands that run policies."""
    from infra.policy_guard import POLICY_COMMANDS  # it imports the pulumi SDK

    command = ["pulumi", *args]
    verb = next((a for a in args if not a.startswith("-")), "")
    project = next((d for d in (cwd, *cwd.parents) if (d / "Pulumi.yaml").is_file()), None)
    pack = project / "policies" if project is not None else None
    if verb in POLICY_COMMANDS and pack is not None and (pack / "PulumiPolicy.yaml").is_file():
        command += ["--policy-pack", str(pack)]
    return command


def pulumi(
    args: Annotated[list[str] | None, typer.Argument(help="pulumi's own arguments.")] = None,
) -> None:
    """Run pulumi with the project's policy pack (e.g. ethiq pulumi up --stack NAME)."""
    command = pulumi_command(list(args or []), Path.cwd())
    venv_bin = Path(sys.executable).parent
    found = shutil.which("pulumi", path=os.pathsep.join([str(venv_bin), os.environ["PATH"]]))
    if found is None:
        typer.secho("error: pulumi not found: run `make setup`", err=True, fg="red")
        raise typer.Exit(2)
    os.execv(found, [found, *command[1:]])  # noqa: S606 (pulumi, with the caller's arguments)
