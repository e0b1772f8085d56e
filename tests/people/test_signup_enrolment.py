"""A sign-up's person is enrolled by itself once the reconcile registered their stack: the
sign-up page's request, ``ethiq people commit-changes`` writing its stack file, the tenant
registered, then the worker's periodic job enrols and welcomes the person (real SMTP), once."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from procrastinate.periodic import PeriodicDeferrer
from typer.testing import CliRunner

from ethiq import cli
from runtime.alerts.jobs import SWEEP
from runtime.email import Mail, MailError, SmtpMailer
from runtime.people.enrolment import ENROL, EnrolResult
from runtime.people.signups import CLAIMED, DONE, GREET, PENDING, STACKED
from runtime.people.tables import SignupRequest
from runtime.settings import PeopleSettings, Settings
from runtime.storage.bind import bind_table
from runtime.tenants import TenantRecord
from tests.people.conftest import Inbox, parts
from tests.runtime.helpers import OPERATOR, Harness, harness, make_settings, make_tenant

AUTH = {"Authorization": f"Bearer {OPERATOR}"}
MARIE = "+15145550161"
WELCOME = "Bienvenue chez Ethiq"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def settings(request: pytest.FixtureRequest, tmp_path: Path, smtp: tuple[Inbox, int]) -> Settings:
    _, port = smtp
    if request.param == "postgres":
        base = make_settings(request.getfixturevalue("postgres").url)
    else:
        base = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    twilio = base.twilio.model_copy(update={"public_url": "http://internal.test:8000"})
    return base.model_copy(update={"twilio": twilio, "people": PeopleSettings(smtp_port=port)})


def _git(repo: Path, *args: str) -> str:
    identity = ("-c", "user.name=Test", "-c", "user.email=test@example.org")
    done = subprocess.run(
        ["git", *identity, "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def _repo(tmp: Path) -> Path:
    """A GitOps repository with no tenant yet."""
    repo = tmp / "repo"
    subprocess.run(["git", "init", "--quiet", "-b", "main", str(repo)], check=True)
    (repo / "stacks").mkdir()
    (repo / "stacks" / "README.md").write_text("One stack file per tenant.\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "stacks")
    return repo


async def _sign_up(h: Harness, name: str, email: str, phone: str) -> None:
    await h.client.get("/signup")
    form = {
        "name": name,
        "email": email,
        "phone": phone,
        "language": "fr-CA",
        "region": "CA-QC",
        "contact_name": "Marie",
        "contact_number": MARIE,
        "_csrf_token": str(h.client.cookies["csrftoken"]),
    }
    assert (await h.client.post("/signup", data=form)).status_code == 200


async def _state(h: Harness, email: str) -> dict[str, Any]:
    r = bind_table(SignupRequest, h.runtime.storage.platform_engine())
    row = await r.select().where(r.email == email).first()
    assert row is not None
    return row


_TICKS = itertools.count(int(datetime.now(UTC).timestamp()))


async def _tick(h: Harness) -> None:
    """One tick of the periodic deferrer, then a worker runs what it queued (as `ethiq worker`
    and the one inside `ethiq serve` do). Each tick its own time: the deferrer queues one job
    per task and time (on PostgreSQL), as each minute of the cron has its own."""
    jobs = h.runtime.jobs
    [task] = [
        task for key, task in jobs.app.periodic_registry.periodic_tasks.items() if key[0] == ENROL
    ]
    await jobs.open()
    await PeriodicDeferrer(jobs.app.periodic_registry).defer_jobs([(task, next(_TICKS))])
    await jobs.app.run_worker_async(queues=jobs.queues, wait=False, install_signal_handlers=False)


async def _sweeps(h: Harness) -> int:
    """How many sweep jobs the queue has seen (PostgreSQL's is shared by the module's tests)."""
    await h.runtime.jobs.open()
    return len(list(await h.runtime.jobs.app.job_manager.list_jobs_async(task=SWEEP)))


def test_a_sign_up_is_enrolled_and_welcomed_once_its_stack_is_registered(
    settings: Settings, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, _ = smtp
    tag = uuid.uuid4().hex[:8]  # the PostgreSQL database is shared by the module
    name, email, phone = f"Hélène Tremblay {tag}", f"helene-{tag}@example.org", "+15145550144"
    repo = _repo(tmp_path)

    async def ask() -> None:
        async with harness(settings) as h:
            periodic = {
                key: task.cron
                for key, task in h.runtime.jobs.app.periodic_registry.periodic_tasks.items()
                if key[0] == ENROL
            }
            assert periodic == {(ENROL, "enrolment"): settings.worker.enrolment}
            await _sign_up(h, name, email, "514 555 0144")
            assert (await _state(h, email))["state"] == PENDING

    asyncio.run(ask())
    runner = CliRunner()
    args = ["people", "commit-changes", "--repo", str(repo)]
    done = runner.invoke(cli.app, args, env={"DATABASE_URL": settings.database.url})
    assert done.exit_code == 0, done.output
    found = re.search(r"^(\S+): new stack from sign-up #\d+, committed", done.output, re.M)
    assert found, done.output
    slug = found.group(1)
    assert slug == f"helene-tremblay-{tag}"
    stack = yaml.safe_load(_git(repo, "show", f"people-changes:stacks/Pulumi.{slug}.yaml"))
    assert stack["config"]["ethiq:email"] == email

    async def applied() -> None:
        async with harness(settings) as h:
            row = await _state(h, email)
            assert (row["state"], row["tenant"]) == (STACKED, slug)
            # Merged but not applied yet: nobody to enrol, nothing sent.
            await _tick(h)
            assert (await _state(h, email))["state"] == STACKED
            assert await h.runtime.people.person(slug) is None
            # The reconcile applies the stack: the tenant is registered.
            tenant = await h.add_tenant(make_tenant(slug=slug, language="fr-CA"))
            await _tick(h)
            text, html = parts(inbox.wait(email, WELCOME))
            assert tenant.phone_number in text
            assert f"/people/{slug}" in html
            row = await _state(h, email)
            assert (row["state"], row["done_at"] is not None) == (DONE, True)
            person = await h.runtime.people.person(slug)
            assert person is not None
            assert (person.email, person.language, person.own_number) == (email, "fr-CA", phone)
            [sms] = [m for m in h.sender.sent if m["to"] == phone]
            assert sms["from"] == tenant.phone_number
            assert "bienvenue" in sms["body"]
            # The operator's view of the same enrolment.
            got = await h.client.get("/operator/people/", headers=AUTH)
            [mine] = [p for p in got.json() if p["slug"] == slug]
            assert mine["steps"][0]["done"]
            # Later ticks (and a restart) never welcome twice.
            await _tick(h)
        async with harness(settings) as h:
            await _tick(h)
        assert len([m for m in inbox.messages(email) if WELCOME in str(m["Subject"])]) == 1

    asyncio.run(applied())


def test_the_enrolment_invites_the_new_tenants_contacts_without_waiting_for_the_sweep(
    settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    """The enrolment job queues the tenant's delivery job: both contacts of the stack get their
    invitation from the worker run that enrolled the person, no sweep in between; the sweep that
    follows, and an operator's enrolment of another tenant, invite nobody twice."""
    inbox, _ = smtp
    tag = uuid.uuid4().hex[:8]
    email, slug = f"paul-{tag}@example.org", f"paul-{tag}"
    # A worker defers the periodic jobs due in the last 10 minutes (procrastinate's max_delay):
    # a sweep due on 29 February only is never one of them, so no sweep runs unless called.
    settings = settings.model_copy(
        update={"worker": settings.worker.model_copy(update={"sweep": "0 0 29 2 *"})}
    )

    def invitations(h: Harness, tenant: TenantRecord) -> list[int]:
        """How many invitation texts each contact of the tenant received."""
        sent = [m["to"] for m in h.sender.sent if "Ref #i" in m["body"]]
        return [sent.count(c.number) for c in tenant.contacts]

    async def work(h: Harness) -> None:
        """A worker runs what is queued (no periodic sweep is due), then stops."""
        jobs = h.runtime.jobs
        await jobs.app.run_worker_async(
            queues=jobs.queues, wait=False, install_signal_handlers=False
        )

    async def run() -> None:
        async with harness(settings) as h:
            signups = h.runtime.people.signups
            await _sign_up(h, f"Paul {tag}", email, "+15145550175")
            [signup] = [s for s in await signups.pending() if s.email == email]
            await signups.committed(signup.id, slug, "0" * 40)
            tenant = await h.add_tenant(make_tenant(slug=slug, language="fr-CA"))
            assert invitations(h, tenant) == [0, 0]
            sweeps = await _sweeps(h)
            await _tick(h)  # the enrolment job, and what it queued: no sweep
            inbox.wait(email, WELCOME)
            assert await _sweeps(h) == sweeps
            assert invitations(h, tenant) == [1, 1]
            [john] = [m for m in h.sender.sent if m["to"] == tenant.contacts[1].number]
            assert john["from"] == tenant.phone_number
            assert "Reply YES to accept" in john["body"]
            # An operator enrols another registered tenant's person: invited at once too.
            other = await h.add_tenant(make_tenant(language="en-US"))
            by_hand = {"slug": other.slug, "email": f"other-{tag}@example.org"}
            got = await h.client.post("/operator/people/", json=by_hand, headers=AUTH)
            assert got.status_code == 201, got.text
            await work(h)
            assert invitations(h, other) == [1, 1]
            assert await _sweeps(h) == sweeps
            # The sweep then finds every contact invited already.
            await h.runtime.jobs.sweep()
            await work(h)
            assert invitations(h, tenant) == [1, 1]
            assert invitations(h, other) == [1, 1]

    asyncio.run(run())


class _RefusingOnce:
    """The real SMTP relay, which refuses the next message once armed."""

    def __init__(self, settings: PeopleSettings) -> None:
        self._real = SmtpMailer(settings)
        self.armed = False
        self.refused = 0

    async def send(self, mail: Mail) -> str:
        if self.armed:
            self.armed = False
            self.refused += 1
            raise MailError("451 try again later")
        return await self._real.send(mail)


def test_enrolment_survives_a_stop_midway_and_a_refused_welcome_without_a_second_one(
    tmp_path: Path, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    """Each state a run can leave a request in, on the embedded database, by the job's work."""
    inbox, port = smtp
    base = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    twilio = base.twilio.model_copy(update={"public_url": "http://internal.test:8000"})
    settings = base.model_copy(update={"twilio": twilio, "people": PeopleSettings(smtp_port=port)})
    mailer = _RefusingOnce(settings.people)
    tag = uuid.uuid4().hex[:8]
    emails = {k: f"{k}-{tag}@example.org" for k in ("refused", "before", "after", "operator")}

    async def scenario() -> None:
        async with harness(settings, mailer=mailer) as h:
            signups, people = h.runtime.people.signups, h.runtime.people
            slugs: dict[str, str] = {}
            for n, (kind, email) in enumerate(emails.items()):
                await _sign_up(h, f"Person {kind}", email, f"+1514555017{n}")
                [signup] = [s for s in await signups.pending() if s.email == email]
                slugs[kind] = f"{kind}-{tag}"
                await signups.committed(signup.id, slugs[kind], "0" * 40)
                await h.add_tenant(make_tenant(slug=slugs[kind], language="fr-CA"))
            ids = {s.email: s.id for s, _, _ in await signups.stacked()}
            # A run claimed "before" and stopped before writing anything; one claimed
            # "after" and stopped once the person was written (their welcome sent or not).
            assert await signups.move(ids[emails["before"]], STACKED, CLAIMED)
            assert await signups.move(ids[emails["after"]], STACKED, CLAIMED)
            await people.enroll(slugs["after"], emails["after"], "fr-CA")
            # An operator enrolled "operator" by hand (their welcome sent then).
            by_hand = {"slug": slugs["operator"], "email": emails["operator"]}
            await h.client.post("/operator/people/", json=by_hand, headers=AUTH)
            sent = {k: len(inbox.messages(e)) for k, e in emails.items()}
            # The relay refuses the first welcome of this run ("refused", the oldest).
            mailer.armed = True
            first = await h.runtime.enrolment.run_due()
            assert mailer.refused == 1
            assert first.enrolled == [slugs["before"]]
            assert (first.finished, first.failed) == (2, 1)
            assert f"the enrolment of {slugs['after']} stopped midway" in caplog.text
            assert f"welcome to {slugs['refused']} not sent: 451" in caplog.text
            states = {k: (await _state(h, e))["state"] for k, e in emails.items()}
            assert states == {"refused": GREET, "before": DONE, "after": DONE, "operator": DONE}
            second = await h.runtime.enrolment.run_due()
            assert (second.enrolled, second.finished, second.failed) == ([slugs["refused"]], 0, 0)
            assert (await _state(h, emails["refused"]))["state"] == DONE
            inbox.wait(emails["refused"], WELCOME)
            inbox.wait(emails["before"], WELCOME)
            assert await h.runtime.enrolment.run_due() == EnrolResult([], 0, 0, 0)
            now = {k: len(inbox.messages(e)) for k, e in emails.items()}
            # One welcome each: "after" and "operator" got none from the job.
            assert now == {**sent, "refused": sent["refused"] + 1, "before": sent["before"] + 1}

    logger = logging.getLogger("runtime.people.enrolment")  # the app's logging does not propagate
    logger.addHandler(caplog.handler)
    try:
        asyncio.run(scenario())
    finally:
        logger.removeHandler(caplog.handler)


def test_a_refused_enrolment_is_listed_for_the_operator_with_why_and_when(
    settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    """A sign-up whose email already signs in to another tenant is not enrolled: the operator
    lists it (behind the token) with the reason and when, until they mark it done."""
    inbox, _ = smtp
    tag = uuid.uuid4().hex[:8]
    email, taken, slug = f"lise-{tag}@example.org", f"taken-{tag}", f"lise-{tag}"

    async def run() -> None:
        async with harness(settings) as h:
            signups = h.runtime.people.signups
            await h.add_tenant(make_tenant(slug=taken, language="fr-CA"))
            await h.runtime.people.enroll(taken, email, "fr-CA")

            def welcomes() -> int:
                return len([m for m in inbox.messages(email) if WELCOME in str(m["Subject"])])

            assert welcomes() == 1  # the person of the other tenant
            await _sign_up(h, f"Lise {tag}", email, "+15145550179")
            [signup] = [s for s in await signups.pending() if s.email == email]
            await signups.committed(signup.id, slug, "0" * 40)
            await h.add_tenant(make_tenant(slug=slug, language="fr-CA"))
            before = datetime.now(UTC)
            result = await h.runtime.enrolment.run_due()
            assert slug not in result.enrolled
            assert await h.runtime.people.person(slug) is None
            assert welcomes() == 1  # none for a refusal
            refused = "/operator/people/signups/refused"
            assert (await h.client.get(refused)).status_code == 401
            [mine] = [
                r
                for r in (await h.client.get(refused, headers=AUTH)).json()
                if r["id"] == signup.id
            ]
            assert (mine["email"], mine["tenant"]) == (email, slug)
            assert mine["reason"] == f"{email} already signs in to another tenant"
            assert before <= datetime.fromisoformat(mine["refused_at"]) <= datetime.now(UTC)
            # Later runs leave it for the operator, who enrols the person by hand, then marks
            # the request done: it leaves the list.
            await h.runtime.enrolment.run_due()
            assert (await _state(h, email))["state"] == "refused"
            done = f"/operator/people/signups/{signup.id}/done"
            assert (await h.client.post(done, headers=AUTH)).status_code == 204
            listed = (await h.client.get(refused, headers=AUTH)).json()
            assert signup.id not in [r["id"] for r in listed]

    asyncio.run(run())
