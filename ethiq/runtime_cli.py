"""``ethiq serve``: the shared runtime (Litestar) under Granian; ``ethiq worker``: its jobs."""

from __future__ import annotations

import copy
import socket
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from runtime.settings import Settings, SettingsError

if TYPE_CHECKING:  # imported when the worker starts (the CLI's start-up stays light)
    from runtime.metrics import WorkerMetrics
    from runtime.web.state import Runtime

__all__ = ["serve", "worker"]

_defaults = Settings.from_env({}).server
_worker_defaults = Settings.from_env({}).worker


def _logging() -> dict[str, Any]:
    from granian.log import LOGGING_CONFIG

    config = cast("dict[str, Any]", copy.deepcopy(LOGGING_CONFIG))
    # Not propagated: Litestar's own logging config gives the root logger a handler too, which
    # printed every runtime line twice.
    config["loggers"]["runtime"] = {"handlers": ["console"], "level": "INFO", "propagate": False}
    # A line per job started and ended is noise; its warnings and errors are kept.
    config["loggers"]["procrastinate"] = {"handlers": ["console"], "level": "WARNING"}
    # Every line any handler writes is escaped (request values can never forge a log line).
    config.setdefault("filters", {})["escape"] = {"()": "runtime.web.limits.EscapingFilter"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("escape")
    return config


def _refuse_busy_port(host: str, port: int) -> None:
    """Exit 2 if something already listens on ``host:port``.

    Granian binds with SO_REUSEPORT, so a second ``ethiq serve`` on a busy port would start
    silently and take half the calls; a plain bind (no SO_REUSEPORT) tells us first.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: connections in TIME_WAIT are no reason to refuse; a listener is.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            typer.echo(f"error: cannot listen on {host}:{port}: {error.strerror}", err=True)
            raise typer.Exit(2) from None


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
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    _refuse_busy_port(host, port)
    if not settings.security.registry_key:
        raise typer.BadParameter("ETHIQ_REGISTRY_KEY is not set: the runtime cannot read tokens")
    if workers > 1 and not settings.store.redis_url:
        typer.echo("warning: several workers without REDIS_URL: each keeps its own store", err=True)
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    typer.echo(f"Ethiq runtime on http://{host}:{port} (public URL {settings.twilio.public_url})")
    Granian(
        "runtime.web.app:create_app",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        factory=True,
        log_dictconfig=_logging(),
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.server.header_timeout_s * 1000)
        ),
    ).serve()


def worker(
    concurrency: Annotated[
        int,
        typer.Option(envvar="ETHIQ_WORKER_CONCURRENCY", min=1, help="Tenants' jobs run at once."),
    ] = _worker_defaults.concurrency,
) -> None:
    """Run the background jobs for every tenant: the alert outbox (sends, retries, escalation
    to the next contact), contact invitations and their reminders; billing's scheduled jobs
    (metering and quota notices, the KYC purge); the privacy jobs (erasure requests, transcript
    retention).

    Needs a PostgreSQL DATABASE_URL (the job queue is procrastinate's, in that database); run as
    many as the load needs. Migrates the platform tables its jobs read; serves Prometheus
    metrics on ETHIQ_HOST:ETHIQ_WORKER_METRICS_PORT. Stops gracefully on SIGTERM/SIGINT. With
    the embedded default (SQLite), `ethiq serve` runs these jobs itself.
    """
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if not settings.database.url.startswith(("postgresql://", "postgres://")):
        typer.echo(
            "error: `ethiq worker` needs a PostgreSQL DATABASE_URL; with the embedded database "
            "`ethiq serve` runs the jobs itself",
            err=True,
        )
        raise typer.Exit(2)
    if not settings.security.registry_key:
        typer.echo("error: ETHIQ_REGISTRY_KEY is not set: the worker cannot read tokens", err=True)
        raise typer.Exit(2)
    import asyncio
    import logging.config

    logging.config.dictConfig(_logging())
    settings = settings.model_copy(
        update={"worker": settings.worker.model_copy(update={"concurrency": concurrency})}
    )
    typer.echo(f"Ethiq worker ({concurrency} jobs at once)")
    asyncio.run(_work(settings))


async def _work(settings: Settings) -> None:
    import asyncio
    from contextlib import suppress

    from prometheus_client import start_http_server

    from runtime.metrics import WorkerMetrics
    from runtime.people.service import migrate_people
    from runtime.web.state import Runtime

    runtime = Runtime.build(settings)
    metrics = WorkerMetrics(runtime.metrics.registry)
    server = None
    port = settings.worker.metrics_port
    if port:
        # A thread of its own: a scrape never waits on a busy event loop, nor blocks it.
        try:
            server, _ = start_http_server(
                port, addr=settings.server.host, registry=runtime.metrics.registry
            )
        except OSError as error:
            # Metrics never stop the jobs: a second worker on one host (its port taken) runs
            # without them. (In the platform each worker task has its own network.)
            typer.echo(
                f"warning: worker metrics not served on {settings.server.host}:{port}: "
                f"{error.strerror}; set ETHIQ_WORKER_METRICS_PORT to a free port (0: none)",
                err=True,
            )
        else:
            typer.echo(f"worker metrics on http://{settings.server.host}:{port}/metrics")

    measuring: asyncio.Task[None] | None = None
    try:
        # Every platform table a job reads, so a fresh database with only workers works: the
        # registry (and billing's tables, its migrations), the fleet's, the people's.
        await asyncio.wait_for(runtime.registry.migrate(), 30.0)
        await asyncio.wait_for(runtime.fleet.migrate(), 30.0)  # the on-call's alerts
        # The privacy jobs' erasure requests and audit, and the people the notices reach.
        await asyncio.wait_for(migrate_people(runtime.storage.platform_engine()), 30.0)
        measuring = asyncio.create_task(
            _measure(runtime, metrics, settings), name="ethiq-worker-metrics"
        )
        await runtime.jobs.run(metrics=metrics)
    finally:
        if measuring is not None:
            measuring.cancel()
            with suppress(asyncio.CancelledError):
                await measuring
        await runtime.jobs.close()
        await runtime.registry.close()
        await runtime.close_twilio()
        if server is not None:
            server.shutdown()


async def _measure(runtime: Runtime, metrics: WorkerMetrics, settings: Settings) -> None:
    """Refresh the queue's lag and this worker's health every heartbeat: its own heartbeat
    (not another worker's) and its pool, all bounded by ETHIQ_DB_TIMEOUT_S."""
    import asyncio

    while True:
        try:
            async with asyncio.timeout(settings.database.timeout_s):
                lag, waiting = await runtime.jobs.queue_lag()
                metrics.queue_lag.set(lag)
                metrics.waiting.set(waiting)
                pool = runtime.storage.pool_stats()
                fresh = await runtime.jobs.own_heartbeat_fresh()
            if fresh and (pool is None or pool.healthy):
                metrics.confirm_healthy(settings.worker.stalled_s)
            else:
                metrics.unhealthy()
        except Exception as error:
            metrics.unhealthy()
            typer.echo(f"warning: worker metrics not refreshed: {error!r}", err=True)
        await asyncio.sleep(settings.worker.heartbeat_s)
