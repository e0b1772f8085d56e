"""The ``ethiq demo`` and ``ethiq simulate call`` commands (the work is in :mod:`ethiq.demo` and
:mod:`ethiq.sandbox`, imported when a command runs, so ``ethiq --help`` stays quick)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from infra.engine import EngineError

__all__ = ["demo", "simulate_app"]


def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Then keep everything running for a browser: the people's pages, their "
            "sign-in links printed here (a local mail sink); Ctrl-C stops.",
        ),
    ] = False,
) -> None:
    """Run the whole product locally: sandbox, runtime, two tenants (fr-CA and en-US), a legit
    call and a scam call."""
    import httpx

    from ethiq.demo import RuntimeHandle, run_demo

    started = time.perf_counter()
    progress = (lambda _line: None) if as_json else typer.echo

    def keep(summary: dict[str, Any], runtime: RuntimeHandle) -> None:
        _show(summary, as_json)
        typer.secho(f"serving on {runtime.url}/ until Ctrl-C", bold=True)

        def stop(_signum: int, _frame: object) -> None:
            raise KeyboardInterrupt

        # Ctrl-C, or SIGTERM (a supervisor; a background job, whose SIGINT is ignored): both
        # leave through the context managers, which stop the runtime and the sandbox.
        signal.signal(signal.SIGTERM, stop)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            typer.echo("stopping")

    try:
        summary = run_demo(progress, keep if serve else None)
    except (EngineError, RuntimeError, LookupError, httpx.HTTPError) as error:
        typer.secho(f"demo failed: {error}", err=True, fg="red")
        raise typer.Exit(1) from error
    if not serve:
        _show(summary, as_json)
    if not as_json:
        typer.secho(
            f"demo done in {time.perf_counter() - started:.0f}s; everything stopped", fg="green"
        )


def _show(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
        return
    typer.echo("")
    for call in summary["calls"]:
        typer.secho(
            f"{call['label']} to {call['tenant']}: verdict {call['verdict']} "
            f"(risk {call['risk']:.2f})",
            bold=True,
        )
        typer.echo(
            f"  the caller waits in a conference; the person's app {call['answer']['connected_to']}"
            f" {'answers' if call['answer']['person_answered'] else 'does not answer'}"
        )
        previous = None
        for step in call["timeline"]:  # a row per segment: show where the verdict changes
            if step["verdict"] != previous:
                typer.echo(
                    f"  at {step['at_seconds']:5.1f}s -> {step['verdict']:<10} "
                    f"{'; '.join(step['reasons'][:3])}"
                )
            previous = step["verdict"]
        for said in call["live_warnings"]:
            typer.echo(f"  the person (only) hears during the call: {said}")
        for said in call["answer"]["heard_by_caller"]:
            typer.echo(f"  the caller hears: {said}")
        for alert in call["alerts"]:
            typer.echo(f"  SMS to {alert['to']}: {alert['body']}")
        if not call["alerts"]:
            typer.echo("  no alert sent")


simulate_app = typer.Typer(help="Drive a running runtime as Twilio would, through the sandbox.")


@simulate_app.command("call")
def simulate_call(
    to: Annotated[str, typer.Option(help="The tenant's number (E.164).")],
    from_: Annotated[str, typer.Option("--from", help="The caller's number (E.164).")],
    transcript: Annotated[
        str | None,
        typer.Option(help="A file, or the text itself: one segment per line, 'caller:'/'callee:'."),
    ] = None,
    stir: Annotated[
        str | None, typer.Option(help="StirVerstat, e.g. TN-Validation-Failed.")
    ] = None,
    sandbox_url: Annotated[str, typer.Option(envvar="TWILIO_API_BASE_URL")] = "",
    account_sid: Annotated[str, typer.Option(envvar="TWILIO_ACCOUNT_SID")] = "",
    auth_token: Annotated[str, typer.Option(envvar="TWILIO_AUTH_TOKEN")] = "",
) -> None:
    """Signed voice webhook, transcription events, status callback; prints a JSON summary."""
    import httpx

    from ethiq.sandbox.caller import CallScript, parse_transcript, play_call
    from ethiq.sandbox.client import SandboxControl

    if not (sandbox_url and account_sid and auth_token):
        typer.secho(
            "error: the sandbox's URL and parent credentials are required "
            "(TWILIO_API_BASE_URL, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)",
            err=True,
        )
        raise typer.Exit(2)
    text = ""
    if transcript:
        path = Path(transcript)
        text = path.read_text() if path.is_file() else transcript
    script = CallScript(to, from_, parse_transcript(text), stir_verstat=stir)
    try:
        with SandboxControl(sandbox_url, account_sid, auth_token) as control:
            summary = play_call(control, script)
    except (LookupError, httpx.HTTPError) as error:
        typer.secho(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
