"""Liveness, readiness (each dependency's state) and Prometheus metrics.

``/metrics`` names tenants and counts their verdicts: it is for the collector beside the
process (the platform's sidecar scrapes localhost), never for the internet. A request that came
through a proxy or load balancer (it carries ``X-Forwarded-For`` or ``Forwarded``, which the
platform's ALB always adds) gets 404 unless it holds the operator token; the platform's ALB also
refuses the path itself (infra/platform_stack/runtime_service.py)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from piccolo.querystring import QueryString
from prometheus_client import CONTENT_TYPE_LATEST

from runtime.serving import LIVE_PATH, METRICS_PATH, READY_PATH
from runtime.web.operator import holds_operator_token
from runtime.web.state import Runtime, runtime_of

__all__ = ["HealthController", "readiness"]

AnyRequest = Request[Any, Any, Any]


async def _check(step: Any, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(step, timeout)
    except Exception as error:
        return {"status": "down", "error": type(error).__name__}
    return {"status": "up", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


async def _database(runtime: Runtime) -> None:
    await runtime.storage.platform_engine().run_querystring(QueryString("SELECT 1 AS ok"))


async def _off() -> dict[str, Any]:
    return {"status": "off"}


async def _worker(runtime: Runtime) -> None:
    if not await runtime.jobs.healthy():
        raise WorkerStalled


class WorkerStalled(Exception):
    """No job worker has sent a heartbeat lately (alerts are not being sent)."""


async def _store(runtime: Runtime) -> None:
    await runtime.store.set("health:ready", b"1", 10)
    await runtime.store.get("health:ready")


async def readiness(runtime: Runtime) -> dict[str, dict[str, Any]]:
    """Each dependency's state (``up``, ``down``, ``degraded``, or ``off`` when not expected),
    as ``/health/ready`` and the operator page show it."""
    database, store, worker = await asyncio.gather(
        _check(_database(runtime), runtime.settings.database.timeout_s),
        _check(_store(runtime), runtime.settings.store.timeout_s),
        _check(_worker(runtime), runtime.settings.database.timeout_s)
        if runtime.jobs.expected
        else _off(),
    )
    pool = runtime.storage.pool_stats()
    if pool is not None:
        database["pool"] = {"open": pool.size, "idle": pool.idle, "max": pool.max_size}
        if database["status"] == "up" and not pool.healthy:
            # The probe got through, yet real work failed on the connection level
            # moments ago (timeouts, an exhausted pool): not ready yet.
            database = {**database, "status": "degraded", "error": pool.last_error}
    return {
        "database": database,
        "store": {**store, "backend": "redis" if runtime.redis is not None else "memory"},
        # Alerts: the job worker (in this process, or `ethiq worker` heartbeats).
        "worker": {
            **worker,
            "status": "degraded" if worker["status"] == "down" else worker["status"],
            "queue": "postgres" if runtime.jobs.durable else "in-process",
        },
    }


class HealthController(Controller):
    tags = ("health",)

    @get(LIVE_PATH, summary="The process answers")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get(READY_PATH, summary="Each dependency's state; 503 if one is down or degraded")
    async def ready(self, request: AnyRequest) -> Response[dict[str, Any]]:
        checks = await readiness(runtime_of(request))
        ok = all(c["status"] in {"up", "off"} for c in checks.values())
        return Response(
            {"status": "ready" if ok else "degraded", "checks": checks},
            status_code=200 if ok else 503,
        )

    @get(METRICS_PATH, summary="Prometheus metrics", include_in_schema=False)
    async def metrics(self, request: AnyRequest) -> Response[bytes]:
        if _proxied(request) and not holds_operator_token(request):
            raise NotFoundException()  # as if absent: nothing to probe from outside
        return Response(runtime_of(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)


def _proxied(request: AnyRequest) -> bool:
    return "x-forwarded-for" in request.headers or "forwarded" in request.headers
