"""``ethiq sandbox``: serve the local Twilio sandbox with Granian."""

from __future__ import annotations

import copy
import os
from typing import Annotated, Any, cast

import typer
from granian import Granian
from granian.constants import Interfaces
from granian.log import LOGGING_CONFIG

from ethiq.sandbox.contract import find_spec
from ethiq.sandbox.settings import ENV_ACCOUNT_SID, ENV_AUTH_TOKEN, SandboxSettings

__all__ = ["sandbox"]

DEFAULT_PORT = 8765


def _logging() -> dict[str, Any]:
    config = cast("dict[str, Any]", copy.deepcopy(LOGGING_CONFIG))
    config["loggers"]["ethiq.sandbox"] = {"handlers": ["console"], "level": "INFO"}
    return config


def sandbox(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
    account_sid: Annotated[
        str | None,
        typer.Option(envvar="TWILIO_ACCOUNT_SID", help="Parent account sid (generated if absent)."),
    ] = None,
    auth_token: Annotated[
        str | None,
        typer.Option(
            envvar="TWILIO_AUTH_TOKEN",
            help="Parent auth token (generated if absent).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the local Twilio sandbox (Twilio's REST API 2010-04-01, for tests and the demo).

    Point the twilio SDK at it by rewriting https://api.twilio.com to http://HOST:PORT
    (TWILIO_API_BASE_URL). Control API under /_sandbox/ with the parent credentials.
    """
    if bool(account_sid) != bool(auth_token):
        raise typer.BadParameter("give both --account-sid and --auth-token, or neither")
    generated = not account_sid
    try:
        settings = (
            SandboxSettings()
            if generated
            else SandboxSettings(account_sid=account_sid or "", auth_token=auth_token or "")
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    # Granian's worker builds the app from these (create_app reads them).
    os.environ[ENV_ACCOUNT_SID] = settings.account_sid
    os.environ[ENV_AUTH_TOKEN] = settings.auth_token
    base_url = f"http://{host}:{port}"
    typer.echo(f"Twilio sandbox on {base_url}  (TWILIO_API_BASE_URL={base_url})")
    if generated:
        typer.echo(f"TWILIO_ACCOUNT_SID={settings.account_sid}")
        typer.echo(f"TWILIO_AUTH_TOKEN={settings.auth_token}")
    typer.echo(find_spec()[1])
    Granian(
        "ethiq.sandbox.app:create_app",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=1,  # the state is in memory: one process
        factory=True,
        log_dictconfig=_logging(),
    ).serve()
