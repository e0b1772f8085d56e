"""``ethiq serve``: the shared runtime (Litestar) under Granian."""

from __future__ import annotations

import copy
from typing import Annotated, Any, cast

import typer
from granian import Granian
from granian.constants import Interfaces
from granian.log import LOGGING_CONFIG

from runtime.settings import Settings

__all__ = ["serve"]

_defaults = Settings.from_env({}).server


def _logging() -> dict[str, Any]:
    config = cast("dict[str, Any]", copy.deepcopy(LOGGING_CONFIG))
    config["loggers"]["runtime"] = {"handlers": ["console"], "level": "INFO"}
    return config


def serve(
    host: Annotated[
        str, typer.Option(envvar="ETHIQ_HOST", help="Address to bind.")
    ] = _defaults.host,
    port: Annotated[int, typer.Option(envvar="ETHIQ_PORT", help="Port to listen on.")] = (
        _defaults.port
    ),
    workers: Annotated[
        int, typer.Option(envvar="ETHIQ_WORKERS", min=1, help="Worker processes.")
    ] = _defaults.workers,
) -> None:
    """Serve the runtime: Twilio's webhooks for every tenant, health, metrics, operator API.

    Configured from the environment: DATABASE_URL, REDIS_URL, ETHIQ_PUBLIC_URL,
    TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_API_BASE_URL, ETHIQ_REGISTRY_KEY,
    ETHIQ_OPERATOR_TOKEN. Use REDIS_URL with more than one worker (the in-process store is
    per process).
    """
    settings = Settings.from_env()
    if not settings.security.registry_key:
        raise typer.BadParameter("ETHIQ_REGISTRY_KEY is not set: the runtime cannot read tokens")
    if workers > 1 and not settings.store.redis_url:
        typer.echo("warning: several workers without REDIS_URL: each keeps its own store", err=True)
    typer.echo(f"Ethiq runtime on http://{host}:{port} (public URL {settings.twilio.public_url})")
    Granian(
        "runtime.web.app:create_app",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        factory=True,
        log_dictconfig=_logging(),
    ).serve()
