"""Billing's scheduled jobs, on the job engine the alerts use (procrastinate periodic tasks).

- ``ethiq.billing.meter`` (``ETHIQ_WORKER_METERING``, every 15 minutes): :meth:`Quotas.meter`:
  usage against plans, the 80 %/100 % notices, last month's overage settled.
- ``ethiq.billing.purge_kyc`` (``ETHIQ_WORKER_KYC_PURGE``, daily): what ``ethiq billing
  purge-kyc`` does (:func:`runtime.billing.retention.purge_kyc`). Without a Stripe key (the
  embedded default, the demo) Stripe holds nothing of Ethiq's: the run says so in one INFO
  line; only a Stripe verification actually due with no key to redact it is an error.

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
from runtime.billing.retention import due_for_purge, purge_kyc
from runtime.settings import BillingSettings, WorkerSettings

__all__ = ["METER", "PURGE_KYC", "QUEUE", "run_kyc_purge", "schedule"]

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
        await run_kyc_purge(
            accounts, redact, now=clock(), keep=timedelta(days=billing.kyc_retention_days)
        )


async def run_kyc_purge(
    accounts: Accounts,
    redact: Callable[[str], str] | None,
    *,
    now: datetime,
    keep: timedelta,
) -> int:
    """One daily purge; how many verifications were redacted."""
    if redact is None:
        due: list[object] = []
        if await accounts.exist():
            due += due_for_purge(await accounts.all(), now, keep)
            due += await accounts.replaced()
        if due:
            logger.error(
                "KYC purge: %d Stripe verification(s) due but STRIPE_API_KEY is not set: "
                "nothing redacted (set the key, or run `ethiq billing purge-kyc` where it is)",
                len(due),
            )
        else:
            logger.info("KYC purge: no Stripe key, so no verification held at Stripe; skipped")
        return 0
    done = await purge_kyc(accounts, redact, now=now, keep=keep)
    failed = [p for p in done if p.outcome.startswith("failed")]
    logger.info("KYC purge: %d redacted, %d failed", len(done) - len(failed), len(failed))
    return len(done) - len(failed)
