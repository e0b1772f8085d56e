"""``python -m ethiq.sandbox``: the same as ``ethiq sandbox`` (used by running_sandbox)."""

from __future__ import annotations

import typer

from ethiq.sandbox.cli import sandbox

if __name__ == "__main__":
    typer.run(sandbox)
