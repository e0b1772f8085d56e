"""The `ethiq` console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ETHIQ = Path(sys.executable).parent / "ethiq"


def test_help_lists_the_commands() -> None:
    result = subprocess.run([ETHIQ, "--help"], capture_output=True, text=True, check=True)
    assert "engine" in result.stdout


def test_unknown_command_is_a_usage_error_without_traceback() -> None:
    result = subprocess.run([ETHIQ, "no-such-command"], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "No such command" in result.stderr
    assert "Traceback" not in result.stderr
