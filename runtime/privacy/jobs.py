"""The privacy jobs, on the alerts' job app and queue (procrastinate), like billing's.

- ``ethiq.privacy.erase(request_id)``: one erasure request
  (:meth:`~runtime.privacy.service.Privacy.erase`), queued by the page right after the request
  is recorded, with a queueing lock per request (asking twice queues one job).
- ``ethiq.privacy.retention`` (periodic, ``ETHIQ_WORKER_PRIVACY``, daily; deferred once per
  tick for the whole cluster): every tenant's transcripts past its region's retention, then
  every erasure request still pending, so one whose job was lost (a crash between the request
  and its deferral, a worker killed mid-run: procrastinate gives a stalled worker's job up,
  it does not rerun it) is run within a day.

The request row is the durable record, the job only says when to look at it; both steps are
idempotent, so a job run twice, or after a partial run, erases nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from procrastinate.exceptions import AlreadyEnqueued

from runtime.alerts.jobs import QUEUE, AlertJobs
from runtime.privacy.service import Privacy
from runtime.settings import WorkerSettings

__all__ = ["ERASE", "RETENTION", "PrivacyJobs"]

logger = logging.getLogger(__name__)

ERASE: Final = "ethiq.privacy.erase"
RETENTION: Final = "ethiq.privacy.retention"


class PrivacyJobs:
    """Registers the privacy tasks on the alerts' job app; :meth:`erase_soon` queues a
    request's job."""

    def __init__(
        self, jobs: AlertJobs, privacy: Privacy, worker: WorkerSettings, *, timeout_s: float
    ) -> None:
        app = jobs.app
        self._jobs = jobs
        self.privacy = privacy
        self._timeout_s = timeout_s

        @app.task(name=ERASE, queue=QUEUE)
        async def erase(request_id: int) -> None:
            await privacy.erase(request_id)

        @app.periodic(cron=worker.privacy, periodic_id="privacy")
        @app.task(name=RETENTION, queue=QUEUE, queueing_lock=RETENTION)
        async def retention(timestamp: int) -> None:
            await self.run_due()

        self._erase: Any = erase

    async def run_due(self) -> None:
        """The periodic job's work: transcript retention, then pending erasure requests."""
        result = await self.privacy.purge_transcripts()
        logger.info(
            "transcript retention: %d tenants, %d segments deleted, %d errors",
            result.tenants,
            result.segments,
            result.errors,
        )
        for request_id in await self.privacy.pending():
            await self.privacy.erase(request_id)

    async def erase_soon(self, request_id: int) -> bool:
        """Queue the request's job (best effort, bounded: a failure is logged and left to the
        daily run, the request row being the record). ``False`` if it was not queued now."""
        job = self._erase.configure(queueing_lock=f"{ERASE}:{request_id}")
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._jobs.open()
                await job.defer_async(request_id=request_id)
        except AlreadyEnqueued:
            return False
        except Exception as error:
            logger.warning(
                "erasure %s not queued (the daily job will run it): %r", request_id, error
            )
            return False
        return True
