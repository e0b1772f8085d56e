"""Background work on a job engine (procrastinate): one delivery job per tenant.

The outbox rows (alerts, invitations) stay the durable record, written in the same transaction
as the verdict or the consent that causes them. Jobs only say *which tenant to look at, when*:

- ``ethiq.alerts.deliver(slug)``: one tenant's due alerts, invitations and notices to the
  person (claims, sends, retries, acknowledgement deadlines passing a call on, invitation
  reminders), bounded by
  ``ETHIQ_WORKER_JOB_TIMEOUT_S``. It ends by queueing the tenant's next wake-up (the earliest
  retry, lease, deadline or reminder) as a scheduled job. Queued with a *queueing lock* per
  tenant (one waiting job per tenant and time), so a burst of webhooks queues one job; jobs of
  different tenants run side by side (``ETHIQ_WORKER_CONCURRENCY`` per process, any number of
  processes), so a stuck tenant holds one slot for at most its timeout and blocks nobody.
  Two jobs of one tenant may still overlap (a webhook's and a wake-up): the rows' leases make
  that harmless, which is also why no procrastinate ``lock`` is used (a killed worker's job
  would hold it until recovered).
- ``ethiq.alerts.sweep`` (periodic, ``ETHIQ_WORKER_SWEEP``, deferred once per tick for the
  whole cluster): gives up the jobs of stalled workers (no heartbeat for 3 beats: killed,
  frozen) and queues a job for every tenant, so work whose job was lost (a process killed
  between its commit and its defer) is found again. Every worker also sweeps once when it
  starts.
- The registry's look (:meth:`AlertJobs.registry_changes`, every ``ETHIQ_OUTBOX_POLL_S`` in
  each worker): ``pulumi up`` registers a stack's contacts from its own process, so a worker
  notices the registry's generation moving and queues the job of each tenant that gained a
  contact: the new contact is invited within seconds, not at the next sweep.

Billing registers its periodic jobs (metering, the KYC purge) on the same app and queue: one
job engine, one set of workers.

The webhooks that write outbox rows queue the tenant's job right after their commit
(:meth:`AlertJobs.notify`, best effort: the sweep is the safety net).

On PostgreSQL the queue lives in procrastinate's tables (``procrastinate_jobs``…, created on
first use under an advisory lock); ``ethiq worker`` processes run it, and ``ethiq serve`` too
unless ``ETHIQ_OUTBOX_WORKER=off``. The embedded default (SQLite) has no shared database to
queue in: ``ethiq serve`` runs the same jobs through procrastinate's in-memory connector, in
its own process. Nothing durable is lost with it, since each start sweeps every tenant.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import procrastinate
import psycopg
from procrastinate import PsycopgConnector
from procrastinate.app import WorkerOptions
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.jobs import Job, Status
from procrastinate.schema import SchemaManager
from procrastinate.testing import InMemoryConnector
from procrastinate.worker import Worker

from runtime.alerts.invitations import Invitations, InvitePass
from runtime.alerts.notices import NoticePass, Notices
from runtime.alerts.outbox import Outbox, PassResult
from runtime.metrics import WorkerMetrics
from runtime.settings import Settings
from runtime.tenants import Registry

__all__ = ["QUEUE", "AlertJobs"]

logger = logging.getLogger(__name__)

QUEUE: Final = "alerts"
DELIVER: Final = "ethiq.alerts.deliver"
SWEEP: Final = "ethiq.alerts.sweep"
_POSTGRES: Final = ("postgresql://", "postgres://")
_SCHEMA_LOCK: Final = 0x45544849  # "ETHI": one process creates procrastinate's tables
_RESTART_S: Final = 5.0


class AlertJobs:
    """The alert jobs: queue them (every process), run them (workers)."""

    def __init__(
        self,
        *,
        settings: Settings,
        registry: Registry,
        outbox: Outbox,
        invitations: Invitations,
        notices: Notices | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._registry = registry
        self._outbox = outbox
        self._invitations = invitations
        self._notices = notices
        self._clock = clock
        self._url = settings.database.url
        #: The queue is shared by processes (PostgreSQL), or this process's own (SQLite).
        self.durable = self._url.startswith(_POSTGRES)
        connector: Any
        if self.durable:
            connector = PsycopgConnector(
                conninfo=self._url,
                min_size=1,
                # Deferrals, fetches, finishes, heartbeats: short queries, so a few connections
                # serve any concurrency; LISTEN takes one more, outside the pool. Bounded so
                # that N web + M worker processes fit max_connections (docs/architecture.md).
                max_size=settings.worker.pool_size,
                timeout=settings.database.acquire_timeout_s * 5,
            )
        else:
            connector = InMemoryConnector()
        self.app = procrastinate.App(connector=connector)
        #: The queues workers run (billing's scheduled jobs use the alerts' queue too).
        self.queues: list[str] = [QUEUE]
        self._opened = False
        self._inline: asyncio.Task[None] | None = None
        self._worker: Worker | None = None  # this process's, while it runs
        self._stopping = False
        # What this process last saw of the registry (its generation, each tenant's contacts'
        # numbers), to find the contacts a stack adds (:meth:`registry_changes`).
        self._seen_generation: int | None = None
        self._seen_numbers: dict[str, frozenset[str]] | None = None

        @self.app.task(name=DELIVER, queue=QUEUE)
        async def deliver(slug: str) -> None:
            await self.deliver(slug)

        @self.app.periodic(cron=settings.worker.sweep, periodic_id="sweep")
        @self.app.task(name=SWEEP, queue=QUEUE, queueing_lock=SWEEP)
        async def sweep(timestamp: int) -> None:
            await self.sweep()

        self._deliver = deliver

    # --- queueing -----------------------------------------------------------------------

    async def open(self) -> None:
        """Connect (and, on PostgreSQL, create procrastinate's tables on first use)."""
        if self._opened:
            return
        if self.durable:
            await self._ensure_schema()
        await self.app.open_async()
        self._opened = True

    async def close(self, timeout_s: float = 5.0) -> None:
        if self._opened:
            self._opened = False
            with suppress(Exception):
                await asyncio.wait_for(self.app.close_async(), timeout_s)

    async def kick(self, slug: str, at: datetime | None = None) -> bool:
        """Queue the tenant's delivery job, now or ``at``; ``False`` if one is already queued
        for that time."""
        await self.open()
        now = self._clock()
        soon = at is None or at <= now
        lock = slug if soon or at is None else f"{slug}@{int(at.timestamp())}"
        job = self._deliver.configure(queueing_lock=lock, schedule_at=None if soon else at)
        try:
            await job.defer_async(slug=slug)
        except AlreadyEnqueued:
            return False
        return True

    async def notify(self, slug: str) -> None:
        """After a webhook committed outbox rows: queue the tenant's job (best effort, bounded:
        a failure is logged and left to the sweep)."""
        try:
            await asyncio.wait_for(self.kick(slug), self._settings.database.timeout_s)
        except Exception as error:
            logger.warning("alert job of %s not queued (the sweep will): %r", slug, error)

    async def registry_changes(self) -> list[str]:
        """Queue the job of every tenant whose registration gained a contact since this
        process last looked (a stack that added one: ``pulumi up`` writes the registry from its
        own process), so the new contact is invited now, not at the next sweep; return their
        slugs. The first look only remembers (every tenant's numbers, once). Then one row read
        (the registry's generation) while nothing changed; a change reads only the tenants
        registered since the generation last seen, nothing decrypted. A removed contact or a
        new order gains no number, so it queues nothing (the job would invite nobody either: it
        invites the registered contacts never invited)."""
        timeout = self._settings.database.timeout_s
        generation = await asyncio.wait_for(self._registry.generation(), timeout)
        before = self._seen_numbers
        if generation == self._seen_generation and before is not None:
            return []
        since = None if before is None else self._seen_generation
        # Read after the generation: a write in between is seen now, or again at the next look.
        changed = await asyncio.wait_for(self._registry.contact_numbers(since), timeout)
        gained = (
            []
            if before is None
            else sorted(
                slug for slug, now in changed.items() if now - before.get(slug, frozenset())
            )
        )
        for slug in gained:
            await self.notify(slug)
        self._seen_generation = generation
        self._seen_numbers = changed if before is None else {**before, **changed}
        return gained

    async def _watch_registry(self) -> None:
        """:meth:`registry_changes` every ``ETHIQ_OUTBOX_POLL_S``, while this worker runs."""
        while True:
            await asyncio.sleep(self._settings.alerts.poll_interval_s)
            try:
                gained = await self.registry_changes()
            except Exception as error:
                logger.warning("registry not read for new contacts (the sweep will): %r", error)
                continue
            if gained:
                logger.info("new emergency contacts registered: jobs of %s", ", ".join(gained))

    # --- the jobs ------------------------------------------------------------------------

    async def deliver(self, slug: str) -> datetime | None:
        """One tenant's due work; returns (and queues) its next wake-up."""
        tenant = await self._registry.get(slug)
        if tenant is None:
            return None
        now = self._clock()
        wakes: list[datetime | None] = []
        failed: BaseException | None = None
        try:
            async with asyncio.timeout(self._settings.worker.job_timeout_s):
                try:
                    wakes.append(await self._outbox.tenant_pass(tenant, PassResult(), now))
                except Exception as error:
                    logger.exception("alert job of %s: the outbox failed", slug)
                    failed = error
                wakes.append(await self._invitations.tenant_pass(tenant, InvitePass(), now))
                if self._notices is not None:
                    wakes.append(await self._notices.tenant_pass(tenant, NoticePass(), now))
        except Exception as error:
            logger.exception("alert job of %s failed or ran out of time", slug)
            failed = error
        if failed is not None:  # look again after a while, and let the job show as failed
            wakes.append(now + timedelta(seconds=self._settings.worker.job_timeout_s))
        wake = min((w for w in wakes if w is not None), default=None)
        if wake is not None:
            await self.kick(slug, max(wake, now + timedelta(seconds=1)))
        if failed is not None:
            raise failed
        return wake

    async def sweep(self) -> int:
        """Give up stalled workers' jobs, queue a job per tenant; return how many were queued."""
        await self.open()
        manager = self.app.job_manager
        if self.durable:
            stalled = await manager.get_stalled_jobs(
                seconds_since_heartbeat=self._settings.worker.stalled_s
            )
            for job in stalled:
                if await self._give_up(job):
                    logger.warning(
                        "job %s of a stalled worker given up (%s)", job.id, job.call_string
                    )
        queued = 0
        for slug in await self._registry.slugs():
            queued += await self.kick(slug)
        return queued

    async def _give_up(self, job: Job) -> bool:
        """Fail a stalled worker's job; ``False`` if another worker's sweep did first.

        Sweeps run side by side (every worker sweeps when it starts, and the periodic one runs
        on any worker), so two can list the same stalled job; procrastinate refuses to finish a
        job no longer ``doing``, which must not end the second worker."""
        try:
            await self.app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
        except ConnectorException:
            row = await self.app.connector.execute_query_one_async(
                "SELECT status FROM procrastinate_jobs WHERE id = %(id)s", id=job.id
            )
            if row is None or row["status"] != Status.DOING.value:
                return False
            raise
        return True

    # --- running -------------------------------------------------------------------------

    async def run(
        self,
        *,
        name: str = "ethiq-worker",
        install_signal_handlers: bool = True,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        """Run a worker until stopped (``ethiq worker``: SIGTERM/SIGINT end it gracefully);
        ``metrics`` counts its jobs' outcomes and durations."""
        await self.open()
        try:  # before the sweep: what changes before this look, the sweep finds
            await self.registry_changes()
        except Exception as error:  # the watch's first look remembers instead
            logger.warning("registry not read for new contacts: %r", error)
        await self.sweep()
        worker = self._settings.worker
        options: WorkerOptions = {
            **self.app.worker_defaults,
            "worker_middleware": [] if metrics is None else [_measured(metrics)],
            "queues": self.queues,
            "name": name,
            "concurrency": worker.concurrency,
            "fetch_job_polling_interval": self._settings.alerts.poll_interval_s,
            "abort_job_polling_interval": max(self._settings.alerts.poll_interval_s, 5.0),
            "delete_jobs": "successful",
            "install_signal_handlers": install_signal_handlers,
            "update_heartbeat_interval": worker.heartbeat_s,
            "stalled_worker_timeout": worker.stalled_s,
            "shutdown_graceful_timeout": worker.job_timeout_s,
        }
        # What ``App.run_worker_async`` does, keeping the worker: its id tells this process's
        # heartbeat from the cluster's (:meth:`own_heartbeat_fresh`).
        self.app.perform_import_paths()  # type: ignore[no-untyped-call]
        self._worker = Worker(app=self.app, **options)
        watch = asyncio.create_task(self._watch_registry(), name="ethiq-registry-watch")
        try:
            await self._worker.run()  # type: ignore[no-untyped-call]
        finally:
            self._worker = None
            watch.cancel()
            with suppress(asyncio.CancelledError):
                await watch

    def start_inline(self) -> None:
        """Run a worker inside this process (``ethiq serve``), restarted if it fails."""

        async def supervise() -> None:
            while not self._stopping:
                try:
                    await self.run(name="ethiq-serve", install_signal_handlers=False)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    if self._stopping:
                        return
                    logger.exception("in-process job worker failed; restarting")
                await asyncio.sleep(_RESTART_S)

        self._stopping = False
        self._inline = asyncio.create_task(supervise(), name="ethiq-jobs")

    async def stop_inline(self) -> None:
        """Stop this process's worker: running jobs get ``shutdown_graceful_timeout``, then are
        cancelled (their rows' leases hand them to the next worker)."""
        if self._inline is not None:
            self._stopping = True
            self._inline.cancel()
            grace = self._settings.worker.job_timeout_s + 5.0
            await asyncio.wait([self._inline], timeout=grace)
            self._inline = None

    @property
    def expected(self) -> bool:
        """Whether a worker should be seen from here: always on PostgreSQL (``ethiq worker``
        processes or this one), else only when this process runs one."""
        return self.durable or self._inline is not None

    async def healthy(self) -> bool:
        """Whether a worker runs: a worker heartbeat newer than 3 beats (PostgreSQL), or this
        process's own worker task alive (the embedded default)."""
        if not self.durable:
            return self._inline is not None and not self._inline.done()
        await self.open()
        row = await self.app.connector.execute_query_one_async(
            "SELECT count(*) AS alive FROM procrastinate_workers "
            "WHERE last_heartbeat > NOW() - make_interval(secs => %(stalled)s)",
            stalled=self._settings.worker.stalled_s,
        )
        return bool(row and row["alive"])

    async def own_heartbeat_fresh(self) -> bool:
        """Whether *this process's* worker runs and its heartbeat is newer than 3 beats
        (PostgreSQL): ``False`` while it starts, once stopped, and while its heartbeat is stuck
        (its connection hung, its row locked, its event loop blocked), whatever other workers
        do. The embedded default: this process's worker task alive."""
        if not self.durable:
            return await self.healthy()
        worker_id = None if self._worker is None else self._worker.worker_id
        if worker_id is None:
            return False
        row = await self.app.connector.execute_query_one_async(
            "SELECT count(*) AS fresh FROM procrastinate_workers WHERE id = %(id)s "
            "AND last_heartbeat > NOW() - make_interval(secs => %(stalled)s)",
            id=worker_id,
            stalled=self._settings.worker.stalled_s,
        )
        return bool(row and row["fresh"])

    async def queue_lag(self) -> tuple[float, int]:
        """Seconds the oldest due job of this worker's queues has waited, and how many wait
        (PostgreSQL; the embedded queue reports none). A job waits from its ``schedule_at``,
        or from its deferral."""
        if not self.durable:
            return 0.0, 0
        await self.open()
        row = await self.app.connector.execute_query_one_async(
            "SELECT count(*) AS waiting, coalesce(extract(epoch FROM now() - "
            "min(coalesce(j.scheduled_at, e.at))), 0)::float AS lag "
            "FROM procrastinate_jobs j LEFT JOIN procrastinate_events e "
            "ON e.job_id = j.id AND e.type = 'deferred' "
            "WHERE j.status = 'todo' AND j.queue_name = ANY(%(queues)s) "
            "AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())",
            queues=self.queues,
        )
        if not row:
            return 0.0, 0
        return max(float(row["lag"]), 0.0), int(row["waiting"])

    async def _ensure_schema(self) -> None:
        async with await psycopg.AsyncConnection.connect(self._url, autocommit=True) as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
            try:
                cursor = await conn.execute("SELECT to_regclass('procrastinate_jobs') AS t")
                found = await cursor.fetchone()
                if found is None or found[0] is None:
                    logger.info("creating procrastinate's job tables")
                    await conn.execute(SchemaManager.get_schema())
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))


def _measured(metrics: WorkerMetrics) -> Callable[..., Awaitable[Any]]:
    """A procrastinate worker middleware: each job's outcome and duration, by task."""

    async def middleware(call_next: Callable[[], Awaitable[Any]], context: Any, _: Any) -> Any:
        task = context.job.task_name
        started = time.perf_counter()
        outcome = "failed"
        try:
            result = await call_next()
            outcome = "succeeded"
            return result
        except asyncio.CancelledError:
            outcome = "aborted"
            raise
        finally:
            metrics.jobs.labels(task, outcome).inc()
            metrics.job_seconds.labels(task).observe(time.perf_counter() - started)

    return middleware
