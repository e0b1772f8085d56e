"""A sign-up's person enrolled by itself once the reconcile registered their tenant.

``ethiq people commit-changes`` writes a sign-up's stack file and records the request as
``stacked`` (its tenant and commit). The pull request merged, ``ethiq reconcile`` applies the
stack, which registers the tenant in the platform registry. The periodic job
``ethiq.people.enrol`` (``ETHIQ_WORKER_ENROLMENT``, every minute, on the alerts' queue that
every worker runs, inline in ``ethiq serve`` too) then finds each stacked request whose tenant
is registered with its number and calls :meth:`People.enroll` with what the person gave on the
sign-up page (email, language, own number): the same enrolment as the operator's
``POST /operator/people/``, the welcome email and SMS included. The request is then ``done``.

At most one welcome: a request is claimed (``stacked`` → ``claimed``, one conditional update,
so of two runs only one proceeds) before its person is written and greeted, and marked done
after. A run that stops in between (a crash, a killed worker) leaves it ``claimed``: the next
run finishes it without greeting again if the person was written (the welcome may or may not
have left: a WARNING says so, for an operator to resend), and enrols it if not. A welcome the
SMTP relay refused leaves the request ``greet`` (the person written, their welcome due: the
next run sends it); a tenant
whose person is already enrolled (by an operator) is done without a second welcome; an
enrolment refused (the email signs in to another tenant) is ``refused`` with an ERROR, its
reason kept for the operator (``GET /operator/people/signups/refused``).

Once the person is written, the run queues the tenant's delivery job
(:meth:`runtime.alerts.jobs.AlertJobs.notify`): the emergency contacts the stack declared get
their invitation now, not at the next sweep (``ETHIQ_WORKER_SWEEP``). The job is the sweep's
own path (:meth:`runtime.alerts.invitations.Invitations.tenant_pass`), and each contact has one
invitation row (its unique key), so the sweep that follows invites nobody twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final, cast

from runtime.alerts.jobs import QUEUE, AlertJobs
from runtime.email import MailError
from runtime.people.service import People
from runtime.people.signups import CLAIMED, DONE, GREET, STACKED
from runtime.regions import Language
from runtime.settings import WorkerSettings
from runtime.tenants import Registry

__all__ = ["ENROL", "EnrolResult", "SignupEnrolment"]

logger = logging.getLogger(__name__)

ENROL: Final = "ethiq.people.enrol"


@dataclass(frozen=True, slots=True)
class EnrolResult:
    enrolled: list[str]  # tenants whose person was enrolled (and welcomed) by this run
    waiting: int  # requests whose tenant is not registered yet
    finished: int  # claimed by a run that stopped, or already enrolled: done, no welcome
    failed: int  # the welcome email failed (retried next run) or the enrolment was refused


class SignupEnrolment:
    """Registers ``ethiq.people.enrol`` on the alerts' job app; :meth:`run_due` is its work."""

    def __init__(
        self, jobs: AlertJobs, people: People, registry: Registry, worker: WorkerSettings
    ) -> None:
        self._jobs = jobs
        self._people = people
        self._registry = registry

        @jobs.app.periodic(cron=worker.enrolment, periodic_id="enrolment")
        @jobs.app.task(name=ENROL, queue=QUEUE, queueing_lock=ENROL)
        async def enrol(timestamp: int) -> None:
            result = await self.run_due()
            if result.enrolled or result.finished or result.failed:
                logger.info(
                    "sign-ups: %d enrolled (%s), %d finished, %d failed, %d waiting for a stack",
                    len(result.enrolled),
                    ", ".join(result.enrolled) or "-",
                    result.finished,
                    result.failed,
                    result.waiting,
                )

    async def run_due(self) -> EnrolResult:
        signups = self._people.signups
        enrolled: list[str] = []
        waiting = finished = failed = 0
        for signup, slug, was in await signups.stacked():
            state = was
            tenant = await self._registry.get(slug)
            if tenant is None or not tenant.phone_number:
                waiting += 1  # the reconcile has not applied the stack (nor bought its number)
                continue
            person = await self._people.person(slug)
            if state == CLAIMED and person is None:
                # A run stopped before writing anything: enrol it now.
                if not await signups.move(signup.id, CLAIMED, STACKED):
                    continue
                state = STACKED
            if state == CLAIMED or (state == STACKED and person is not None):
                # A run stopped after writing the person, or an operator enrolled them:
                # greeting again could send a second welcome, so finish without one.
                if state == CLAIMED:
                    logger.warning(
                        "sign-up #%d: the enrolment of %s stopped midway; its welcome may not "
                        "have been sent (the operator's POST /operator/people/ sends one)",
                        signup.id,
                        slug,
                    )
                if await signups.move(signup.id, state, DONE):
                    finished += 1
                    await self._jobs.notify(slug)
                continue
            if not await signups.move(signup.id, state, CLAIMED):
                continue  # another run has it
            try:
                if state == GREET and person is not None:
                    await self._people.welcome(person, tenant)  # the relay refused it before
                else:
                    language = cast(Language, signup.language)
                    await self._people.enroll(slug, signup.email, language, signup.phone)
            except MailError as error:
                # The person is written, their welcome not: the next run sends it again.
                logger.error("sign-up #%d: welcome to %s not sent: %s", signup.id, slug, error)
                await signups.move(signup.id, CLAIMED, GREET)
                await self._jobs.notify(slug)  # the contacts need not wait for the email
                failed += 1
                continue
            except ValueError as error:
                logger.error("sign-up #%d: %s not enrolled: %s", signup.id, slug, error)
                await signups.refuse(signup.id, CLAIMED, str(error))
                failed += 1
                continue
            await signups.move(signup.id, CLAIMED, DONE)
            await self._jobs.notify(slug)
            enrolled.append(slug)
        return EnrolResult(enrolled, waiting, finished, failed)
