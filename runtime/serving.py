"""What the platform must know of the served runtime, declared once for both sides: the port,
the address a container binds, and the health paths (the runtime's routes, the load balancer's
health check, the image's ``HEALTHCHECK``; ``tests/platform/test_serving.py`` checks they agree).

Liveness, not readiness, is what the load balancer and the container checks probe: ECS replaces
a task that fails them, and a database outage makes every task unready at once, so probing
readiness would have ECS kill the whole fleet in the middle of an outage it cannot cure.
Readiness (503 while a dependency is down or degraded) is for operators and alerts.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CONTAINER_HOST",
    "LIVE_PATH",
    "METRICS_PATH",
    "PORT",
    "READY_PATH",
    "SNS_ALERTS_PATH",
    "WORKER_METRICS_PORT",
]

PORT: Final = 8000
# ``ethiq worker`` serves no webhooks: its ``/metrics`` has a port of its own (its task's collector
# sidecar scrapes it on localhost, like the web tasks' one scrapes :data:`PORT`).
WORKER_METRICS_PORT: Final = 9464
# Inside a container the runtime must listen on every interface (the load balancer reaches the
# task's address); on a laptop ``ethiq serve`` keeps its loopback default.
CONTAINER_HOST: Final = "0.0.0.0"  # noqa: S104
LIVE_PATH: Final = "/health/live"
READY_PATH: Final = "/health/ready"
# Prometheus metrics, for the collector beside the process only (runtime/web/health.py).
METRICS_PATH: Final = "/metrics"
# Where SNS delivers the alert manager's notifications (the stack subscribes it).
SNS_ALERTS_PATH: Final = "/operator/incidents/sns"
