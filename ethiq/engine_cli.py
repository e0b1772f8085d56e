"""``ethiq engine``: check that the Pulumi engine works on this machine."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import typer

from infra.engine import EngineError
from infra.smoke.run import run_smoke

app = typer.Typer(help="The Pulumi engine on this machine.", no_args_is_help=True)


@app.command()
def smoke() -> None:
    """Run a tiny program with a dynamic provider and the policy pack through the real engine.

    Local file backend in a temporary directory, no network: up, no-op preview, destroy.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ethiq-smoke-") as workdir:
        try:
            steps = run_smoke(Path(workdir), on_step=lambda name: typer.echo(f"... {name}"))
        except (EngineError, OSError) as error:
            typer.secho(f"engine smoke failed: {error}", err=True, fg="red")
            raise typer.Exit(1) from error
    for step in steps:
        typer.echo(f"{step.name:<40} {step.seconds:6.1f}s")
    typer.secho(f"engine smoke passed in {time.perf_counter() - started:.1f}s", fg="green")
