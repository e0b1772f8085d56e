"""Running the Pulumi engine on this machine: offline, on a local file backend.

Every caller (the CLI, the tests, later the reconciler) builds its environment here so that the
engine never reaches for the network: no update checks, no plugin downloads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["EngineError", "engine_env", "pulumi", "write_project"]

OFFLINE = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
}


class EngineError(RuntimeError):
    """A pulumi command failed; the message carries the command and the tail of its output."""


def engine_env(
    state_dir: Path, passphrase: str, base: dict[str, str] | None = None
) -> dict[str, str]:
    """Environment for a local file backend in ``state_dir`` with passphrase-encrypted secrets.

    ``PULUMI_HOME`` goes under ``state_dir`` too, so runs never share or pollute ``~/.pulumi``. The
    engine and its plugins are found next to this interpreter (``.venv/bin``) before PATH.
    """
    env = dict(os.environ if base is None else base)
    state_dir.mkdir(parents=True, exist_ok=True)
    venv_bin = str(Path(sys.executable).parent)
    env.update(OFFLINE)
    env.update(
        {
            "PATH": os.pathsep.join([venv_bin, env.get("PATH", "")]),
            "PULUMI_BACKEND_URL": (state_dir / "backend").resolve().as_uri(),
            "PULUMI_HOME": str((state_dir / "home").resolve()),
            "PULUMI_CONFIG_PASSPHRASE": passphrase,
        }
    )
    (state_dir / "backend").mkdir(exist_ok=True)
    return env


def pulumi(
    *args: str, cwd: Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``pulumi ARGS`` non-interactively; raise :class:`EngineError` on failure if ``check``."""
    command = ["pulumi", *args, "--non-interactive"]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise EngineError(f"`pulumi {' '.join(args)}` failed (exit {result.returncode}):\n{tail}")
    return result


def write_project(directory: Path, name: str, program: Path, *, stacks: bool = False) -> Path:
    """A Pulumi project in ``directory`` whose program is ``program`` (in this repository).

    State, stack config files and caches then stay out of the checkout. With ``stacks``, stack
    files live in ``directory/stacks`` like the repository's ``stackConfigDir``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    text = (
        f"name: {name}\n"
        "runtime:\n  name: python\n  options:\n"
        f"    virtualenv: {json.dumps(sys.prefix)}\n"
        f"main: {json.dumps(str(program))}\n"
    )
    if stacks:
        (directory / "stacks").mkdir(exist_ok=True)
        text += "stackConfigDir: stacks\n"
    (directory / "Pulumi.yaml").write_text(text)
    return directory
