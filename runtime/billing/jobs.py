"""Billing's scheduled jobs, on the job engine the alerts use (procrastinate periodic tasks).

- ``ethiq.billing.meter`` (``ETHIQ_WORKER_METERING``, every 15 minutes): :meth:`Quotas.meter`:
  usage against plans, the 80 %/100 % notices, last month's overage settled.
- ``ethiq.billing.purge_kyc`` (``ETHIQ_WORKER_KYC_PURGE``, daily): what ``ethiq billing
  purge-kyc`` does (:func:`runtime.billing.retention.purge_kyc`); skipped, loudly, without a
  Stripe key.

Both are deferred once per tick for the whole cluster (procrastinate's periodic deferrer keeps
one job per task and timestamp) and hold a queueing lock, so a slow run is never doubled. Both
are idempotent: a run cut short is finished by the next one. They run on the alerts' queue,
which every worker (``ethiq worker``, or the one inside ``ethiq serve``) runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

import procrastinate

from runtime.billing.accounts import Accounts
from runtime.billing.quotas import Quotas
from runtime.billing.retention import purge_kyc
from runtime.settings import BillingSettings, WorkerSettings

__all__ = ["METER", "PURGE_KYC", "QUEUE", "schedule"]

logger = logging.getLogger(__name__)

QUEUE: Final = "alerts"  # the job app's one queue: every worker runs it
METER: Final = "ethiq.billing.meter"
PURGE_KYC: Final = "ethiq.billing.purge_kyc"


def schedule(
    app: procrastinate.App,
    *,
    quotas: Quotas,
    accounts: Accounts,
    redact: Callable[[str], str] | None,
    worker: WorkerSettings,
    billing: BillingSettings,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Register the periodic jobs on ``app`` (``redact``: Stripe's, ``None`` without a key)."""

    @app.periodic(cron=worker.metering, periodic_id="metering")
    @app.task(name=METER, queue=QUEUE, queueing_lock=METER)
    async def meter(timestamp: int) -> None:
        result = await quotas.meter(clock())
        logger.info(
            "metering: %d tenants, %d notices, %d sent, %d periods closed, %d errors",
            result.tenants,
            result.notices,
            result.delivered,
            result.closed,
            result.errors,
        )

    @app.periodic(cron=worker.kyc_purge, periodic_id="kyc-purge")
    @app.task(name=PURGE_KYC, queue=QUEUE, queueing_lock=PURGE_KYC)
    async def purge(timestamp: int) -> None:
        if redact is None:
            logger.error("KYC purge skipped: STRIPE_API_KEY is not set, nothing can be redacted")
            return
        done = await purge_kyc(
            accounts, redact, now=clock(), keep=timedelta(days=billing.kyc_retention_days)
        )
        failed = [p for p in done if p.outcome.startswith("failed")]
        logger.info("KYC purge: %d redacted, %d failed", len(done) - len(failed), len(failed))
