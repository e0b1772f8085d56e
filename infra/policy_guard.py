"""The tenant program runs only under this repository's policy pack.

Pulumi applies a local CrossGuard pack only when the command names it (``--policy-pack``); a bare
``pulumi up`` would skip every guard rail silently. The program therefore looks at the command
that started it: the ``pulumi`` process among its ancestors (the engine starts the language host,
which starts the program) must carry ``--policy-pack`` naming ``policies/`` of the checkout the
program comes from. ``ethiq pulumi ...`` adds the flag; the Automation API passes it the same way.
Nothing here can be switched off by an environment variable.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pulumi

__all__ = ["PACK", "POLICY_COMMANDS", "policy_packs_of", "require_policy_pack"]

PACK = Path(__file__).resolve().parents[1] / "policies"
# The pulumi commands that run policies (`pulumi <command> --help` lists --policy-pack): refresh
# and destroy run the program only with --run-program, and no policy pack at all.
POLICY_COMMANDS = frozenset({"up", "update", "preview", "pre"})
_NO_POLICY_COMMANDS = frozenset({"refresh", "destroy"})
_MAX_DEPTH = 12


def require_policy_pack(pack: Path = PACK) -> None:
    """Raise :class:`pulumi.RunError` unless the running ``pulumi`` command enables ``pack``."""
    wanted = pack.resolve()
    for verb, packs in _pulumi_commands():
        if wanted in packs or verb in _NO_POLICY_COMMANDS:
            return
        break  # the nearest pulumi process is the engine running this program
    relative = os.path.relpath(wanted, Path.cwd())
    raise pulumi.RunError(
        "the tenant program runs only under the Ethiq policy pack, and this command does not "
        f"enable it. Run `ethiq pulumi <command> --stack NAME`, or add `--policy-pack {relative}` "
        "to the pulumi command (README.md, Everyday commands)."
    )


def policy_packs_of(argv: list[str], cwd: Path) -> set[Path]:
    """The packs ``--policy-pack P`` / ``--policy-pack=P`` of a pulumi command line, resolved."""
    packs: set[Path] = set()
    for index, arg in enumerate(argv):
        if arg == "--policy-pack" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--policy-pack="):
            value = arg.split("=", 1)[1]
        else:
            continue
        packs.add((cwd / value).resolve())
    return packs


def _pulumi_commands() -> Iterator[tuple[str, set[Path]]]:
    """For each ``pulumi`` ancestor, nearest first: its command and the packs it enables."""
    pid = os.getppid()
    for _ in range(_MAX_DEPTH):
        if pid <= 1:
            return
        argv, cwd, parent = _process(pid)
        if argv and Path(argv[0]).name == "pulumi":
            verb = next((a for a in argv[1:] if not a.startswith("-")), "")
            yield verb, policy_packs_of(argv[1:], cwd)
        pid = parent


def _process(pid: int) -> tuple[list[str], Path, int]:
    """Command line, working directory and parent of ``pid`` (``/proc``, else ``ps``)."""
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            argv = proc.joinpath("cmdline").read_bytes().decode(errors="replace").split("\0")
            cwd = proc.joinpath("cwd").resolve()
            stat = proc.joinpath("stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return [], Path(), 0
        return [a for a in argv if a], cwd, parent
    done = subprocess.run(
        ["ps", "-o", "ppid=", "-o", "args=", "-p", str(pid)],
        capture_output=True,
        text=True,
        check=False,
    )
    fields = done.stdout.split()
    if done.returncode != 0 or not fields:
        return [], Path(), 0
    lsof = subprocess.run(
        ["lsof", "-a", "-d", "cwd", "-Fn", "-p", str(pid)],
        capture_output=True,
        text=True,
        check=False,
    )
    where = next((line[1:] for line in lsof.stdout.splitlines() if line.startswith("n")), "/")
    return fields[1:], Path(where), int(fields[0])
