"""The operators' side across tenants, built once per app: platform blocks, campaign callers,
incidents and KPIs. Its tables are piccolo app ``fleet`` in the platform database, migrated at
start-up after the registry (under the platform schema's advisory lock on PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString
from procrastinate.exceptions import AlreadyEnqueued

from runtime.alerts.jobs import QUEUE, AlertJobs
from runtime.calls import Blocklist
from runtime.calls.campaigns import CampaignCaller, Campaigns
from runtime.email import Mailer
from runtime.fleet.blocks import PlatformBlocks
from runtime.fleet.digest import digest_text
from runtime.fleet.incidents import Incidents
from runtime.fleet.kpi import (
    Kpis,
    Provisioned,
    incident_kpi,
    onboarding_kpi,
    provisioning_kpi,
)
from runtime.fleet.oncall import DIGEST_DAYS, Oncall, OncallSms
from runtime.fleet.tables import Provisioning
from runtime.metrics import Metrics
from runtime.people.tables import OnboardingStep
from runtime.settings import Settings
from runtime.storage.bind import bind_table
from runtime.storage.migrations import MigrationSet, apply_migrations
from runtime.storage.names import PLATFORM_SCHEMA
from runtime.storage.postgres import LOCK_CLASS
from runtime.storage.tenant_store import TenantStore

__all__ = [
    "FLEET_MIGRATIONS",
    "FLEET_TEMPLATES",
    "Fleet",
    "migrate",
    "record_provisioning",
    "recorded_provisioning",
]

logger = logging.getLogger(__name__)

ONCALL_JOB: Final = "ethiq.fleet.oncall"
ONCALL_TICK: Final = "ethiq.fleet.oncall_tick"
DIGEST_JOB: Final = "ethiq.fleet.digest"
PROVISIONING_JOB: Final = "ethiq.fleet.provisioning"
FLEET_MIGRATIONS: Final = MigrationSet("fleet", "runtime.fleet.piccolo_migrations")
FLEET_TEMPLATES: Final = Path(__file__).parent / "templates"  # the operator page's


class Fleet:
    def __init__(
        self,
        *,
        storage: TenantStore,
        blocklist: Blocklist,
        campaigns: Campaigns,
        metrics: Metrics,
        settings: Settings,
        sms: OncallSms,
        mailer: Mailer,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._storage = storage
        self._metrics = metrics
        self.blocks = PlatformBlocks(storage, blocklist, metrics)
        self.oncall = Oncall(
            storage=storage,
            settings=settings,
            sms=sms,
            mailer=mailer,
            metrics=metrics,
            clock=clock,
        )
        self.incidents = Incidents(storage, metrics, self.oncall)
        self.campaigns = campaigns
        self._digest_cron = settings.oncall.digest
        self._notification_age = timedelta(days=settings.observability.sns_notification_days)

    def schedule(self, jobs: AlertJobs) -> None:
        """Run the on-call's jobs on the job engine: a delivery job queued whenever an alert
        is written and every minute (retries), and the digest on its cron, which first forgets
        the alert notifications older than ``ETHIQ_SNS_NOTIFICATION_DAYS``."""

        @jobs.app.task(name=ONCALL_JOB, queue=QUEUE, queueing_lock=ONCALL_JOB)
        async def oncall() -> None:
            await self.oncall.deliver()

        @jobs.app.periodic(cron="* * * * *", periodic_id="oncall")
        @jobs.app.task(name=ONCALL_TICK, queue=QUEUE, queueing_lock=ONCALL_TICK)
        async def tick(timestamp: int) -> None:  # retries, and what a lost kick left
            await self.oncall.deliver()

        @jobs.app.periodic(cron=self._digest_cron, periodic_id="digest")
        @jobs.app.task(name=DIGEST_JOB, queue=QUEUE, queueing_lock=DIGEST_JOB)
        async def digest(timestamp: int) -> None:
            await self.digest(datetime.fromtimestamp(timestamp, UTC))

        # The apply workflow records provisioning times straight into the database (ethiq kpi
        # --record, a process nobody scrapes): a runtime process observes them.
        @jobs.app.periodic(cron="* * * * *", periodic_id="provisioning")
        @jobs.app.task(name=PROVISIONING_JOB, queue=QUEUE, queueing_lock=PROVISIONING_JOB)
        async def provisioning(timestamp: int) -> None:
            await self.observe_provisioning()

        async def kick() -> None:
            await jobs.open()
            with suppress(AlreadyEnqueued):
                await oncall.defer_async()

        self.oncall.kick = kick

    async def digest(self, at: datetime) -> bool:
        """Queue the operators' digest of the ``DIGEST_DAYS`` before ``at`` (once per
        ``at``); ``False`` if it was queued before or no email is configured. First, the alert
        notifications older than ``ETHIQ_SNS_NOTIFICATION_DAYS`` are forgotten
        (:meth:`Incidents.forget`: none a retry or replay could still need), and the on-call's
        episodes started before the digest's week (each lasts a velocity window)."""
        await self.incidents.forget(self._notification_age, at)
        since = at - timedelta(days=DIGEST_DAYS)
        await self.oncall.forget_episodes(since)
        text = digest_text(
            since=since,
            until=at,
            incidents=await self.incidents.recent(limit=500),
            held=await self.oncall.held(),
            callers=await self.campaign_callers(),
            blocks=await self.blocks.active(),
        )
        written = await self.oncall.tell(
            f"digest:{at:%Y-%m-%dT%H:%M}",
            f"weekly digest {since:%Y-%m-%d} to {at:%Y-%m-%d}",
            text,
            channels=("email",),
            limited=False,
        )
        if written:
            await self.oncall.digested()
        return bool(written)

    async def observe_provisioning(self) -> int:
        """Observe the provisioning times recorded since the last pass in
        ``ethiq_provisioning_seconds``; how many. Each row is claimed by one process only
        (one UPDATE sets its ``observed_at``), so the fleet's histograms add up."""
        table = bind_table(Provisioning, self._storage.platform_engine())
        claimed = (
            await table.update({table.observed_at: datetime.now(UTC)})
            .where(table.observed_at.is_null())
            .returning(table.duration_s)
        )
        for row in claimed:
            self._metrics.provisioning_seconds.observe(float(row["duration_s"]))
        return len(claimed)

    async def migrate(self) -> list[str]:
        return await migrate(self._storage)

    async def startup(self) -> None:
        """Migrate, then write the platform blocks to the store the call path reads (the
        in-process store starts empty; Redis may have lost them)."""
        try:
            await self.migrate()
            await self.blocks.sync()
        except Exception as error:
            logger.error("platform blocks not loaded at startup: %r", error)

    async def campaign_callers(self) -> list[tuple[CampaignCaller, bool]]:
        """Recent campaign callers, each with whether it is blocked platform-wide."""
        blocked = {b.number for b in await self.blocks.active()}
        return [(c, c.caller in blocked) for c in await self.campaigns.recent()]

    async def onboarding_rows(self) -> list[dict[str, Any]]:
        """Every recorded onboarding step (the people app's table, same database)."""
        s = bind_table(OnboardingStep, self._storage.platform_engine())
        rows: list[dict[str, Any]] = await s.select(s.slug, s.step, s.how, s.completed_at)
        return rows

    async def kpis(self, provisioned: Iterable[Provisioned] = ()) -> Kpis:
        """The KPIs from the records; ``provisioned`` (reports read elsewhere) come last."""
        incidents = self.incidents
        return Kpis(
            onboarding=onboarding_kpi(await self.onboarding_rows()),
            incidents=incident_kpi(
                await incidents.closed(), len(await incidents.recent(open_only=True))
            ),
            provisioning=provisioning_kpi(
                [*await recorded_provisioning(self._storage), *provisioned]
            ),
        )


async def migrate(storage: TenantStore) -> list[str]:
    """Apply the app's migrations to the platform database (idempotent, under its lock)."""
    engine = storage.platform_engine()

    async def lock() -> None:
        if isinstance(engine, PostgresEngine):
            await engine.run_querystring(
                QueryString(
                    "SELECT pg_advisory_xact_lock({}, hashtext({}))",
                    LOCK_CLASS,
                    PLATFORM_SCHEMA,
                )
            )

    return await apply_migrations(engine, FLEET_MIGRATIONS, lock)


async def record_provisioning(
    storage: TenantStore, head: str, created: Iterable[Provisioned]
) -> int:
    """Record the stacks a reconcile apply at ``head`` created (once per stack and head)."""
    table = bind_table(Provisioning, storage.platform_engine())
    count = 0
    for item in created:
        row = table(
            key=f"{item.stack}@{head}"[:128],
            stack=item.stack[:63],
            head=head[:64],
            duration_s=item.duration_s,
            recorded_at=datetime.now(UTC),
        )
        await table.insert(row).on_conflict(target=table.key, action="DO NOTHING")
        count += 1
    return count


async def recorded_provisioning(storage: TenantStore) -> list[Provisioned]:
    """Every recorded creation, oldest first (the KPI keeps each tenant's latest)."""
    table = bind_table(Provisioning, storage.platform_engine())
    rows = await table.select().order_by(table.recorded_at)
    return [
        Provisioned(r["stack"], float(r["duration_s"]), f"applied at {r['head'][:12]}")
        for r in rows
    ]
