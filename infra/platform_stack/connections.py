"""The database connections the platform's runtime can hold at its peak, against the
``max_connections`` the platform database declares (docs/architecture.md: connections).

Per process, from the runtime's settings (their defaults unless the tasks' environment sets
them):

- an ``ethiq serve`` process: its pool (``ETHIQ_DB_POOL_SIZE``) and procrastinate's, used to
  queue jobs (``ETHIQ_JOBS_POOL_SIZE``); one more for procrastinate's LISTEN when it runs the
  jobs itself (no worker service);
- an ``ethiq worker`` process: both pools and its LISTEN connection.

A web task runs ``ETHIQ_WORKERS`` processes, a worker task one. ECS may run twice the tasks
while it rolls out an image (``deploymentMaximumPercent`` 200, at the autoscaling ceiling), and
the CI runner's ``ethiq reconcile`` (a connection per stack being applied, two at once by
default), an operator's ``psql`` and RDS's own reserved connections need room too. Tenants
cost nothing here: every tenant shares the process's pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from runtime.settings import Settings

__all__ = ["HEADROOM", "ROLLOUT_FACTOR", "ConnectionBudget", "ConnectionBudgetError"]

ROLLOUT_FACTOR: Final = 2  # deploymentMaximumPercent 200: old and new tasks side by side
# RDS's reserved superuser connections (3), the reconcile runner (2 stacks at once, a
# connection each, plus its own registry check), an operator's session or two.
HEADROOM: Final = 10


class ConnectionBudgetError(ValueError):
    """The platform's maximum task counts could hold more connections than the database
    allows; the message says by how much and what to change."""


@dataclass(frozen=True)
class ConnectionBudget:
    web_tasks: int  # the web service's autoscaling ceiling
    worker_tasks: int  # the worker service's ceiling (0: the web tasks run the jobs)
    max_connections: int  # what the database declares
    settings: Settings  # the runtime's settings as its tasks read them

    @property
    def per_web_process(self) -> int:
        db, jobs = self.settings.database.pool_size, self.settings.worker.pool_size
        listen = 1 if self.worker_tasks == 0 else 0
        return db + jobs + listen

    @property
    def per_worker_process(self) -> int:
        return self.settings.database.pool_size + self.settings.worker.pool_size + 1

    @property
    def peak(self) -> int:
        """Connections at the ceilings, during a rollout, with the headroom."""
        web = self.web_tasks * self.settings.server.workers * self.per_web_process
        workers = self.worker_tasks * self.per_worker_process
        return ROLLOUT_FACTOR * (web + workers) + HEADROOM

    def check(self) -> None:
        """Raise :class:`ConnectionBudgetError` unless :attr:`peak` fits ``max_connections``."""
        if self.peak <= self.max_connections:
            return
        raise ConnectionBudgetError(
            f"up to {self.peak} database connections ({ROLLOUT_FACTOR} x ({self.web_tasks} web "
            f"tasks x {self.settings.server.workers} processes x {self.per_web_process} + "
            f"{self.worker_tasks} worker tasks x {self.per_worker_process}) + {HEADROOM} "
            f"headroom) exceed the database's max_connections {self.max_connections}: lower "
            "platform:runtimeMaxCount or platform:workerMaxCount, ETHIQ_DB_POOL_SIZE or "
            "ETHIQ_JOBS_POOL_SIZE, or use a larger database instance"
        )
