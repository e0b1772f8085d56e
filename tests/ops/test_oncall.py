"""The on-call operator hears of incidents by email (a real SMTP server) and SMS (the Twilio
sandbox, from the parent account's own number), once per incident, at most N an hour per
channel; what the limit holds back is in the weekly digest, never dropped."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from ethiq.sandbox.server import SandboxHandle, running_sandbox
from runtime.fleet.service import ONCALL_JOB
from runtime.fleet.tables import OperatorAlert
from runtime.settings import OncallSettings, PeopleSettings, Settings, TwilioSettings
from runtime.storage.bind import bind_table
from runtime.storage.names import PLATFORM_SCHEMA
from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.web.state import Runtime
from tests.people.conftest import Inbox, parts, smtp  # noqa: F401 - the SMTP server fixture
from tests.runtime.helpers import (
    OPERATOR,
    PUBLIC,
    Harness,
    harness,
    make_settings,
    unique_caller,
)
from tests.servers import Server

AUTH = {"Authorization": f"Bearer {OPERATOR}"}
ONCALL_EMAIL = "oncall@ops.example.org"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def settings(
    sandbox: SandboxHandle,
    smtp: tuple[Inbox, int],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    return _oncall_settings(
        make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite"),
        sandbox,
        smtp[1],
    )


def _oncall_settings(base: Settings, sandbox: SandboxHandle, smtp_port: int) -> Settings:
    """The runtime against the sandbox's parent account, which owns the on-call's sender; a
    campaign at three tenants, a surge at two scam verdicts."""
    parent = make_client(
        TwilioCredentials(sandbox.account_sid, sandbox.auth_token, sandbox.base_url)
    )
    [offered] = parent.available_phone_numbers("CA").local.list(sms_enabled=True, limit=1)
    number = str(
        parent.incoming_phone_numbers.create(phone_number=offered.phone_number).phone_number
    )
    return base.model_copy(
        update={
            "twilio": TwilioSettings(
                public_url=PUBLIC,
                account_sid=sandbox.account_sid,
                auth_token=sandbox.auth_token,
                api_base_url=sandbox.base_url,
            ),
            "people": PeopleSettings(smtp_port=smtp_port),
            "oncall": OncallSettings(
                email=ONCALL_EMAIL, sms=unique_caller(), sms_from=number, per_hour=2
            ),
            "store": base.store.model_copy(update={"campaign_tenants": 3, "scam_surge": 2}),
        }
    )


def _firing(name: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": name, "severity": "page"},
                "annotations": {
                    "summary": f"{name} summary",
                    "runbook_url": "docs/runbooks.md#x",
                },
                "startsAt": now,
                "fingerprint": f"{name}-{unique_caller()}",
            }
        ],
    }


def _texts(sandbox: SandboxHandle, to: str) -> list[dict[str, Any]]:
    return [m for m in sandbox.control.messages() if m["to"] == to]


def test_an_incident_reaches_the_oncall_once_by_email_and_sms(
    settings: Settings,
    sandbox: SandboxHandle,
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    inbox = smtp[0]
    oncall = settings.oncall

    async def run() -> None:
        async with harness(settings) as h:
            runtime: Runtime = h.app.state.runtime
            payload = _firing("EthiqVoiceErrors")
            url = "/operator/incidents/alertmanager"
            [incident] = (await h.client.post(url, json=payload, headers=AUTH)).json()["incidents"]
            again = await h.client.post(url, json=payload, headers=AUTH)  # seen again
            assert again.json()["incidents"] == [incident]
            queued = list(runtime.jobs.app.connector.jobs.values())  # type: ignore[attr-defined]
            assert any(j["task_name"] == ONCALL_JOB for j in queued)  # the worker is kicked
            assert await runtime.fleet.oncall.deliver() == 2  # the job's work: email + SMS
            assert await runtime.fleet.oncall.deliver() == 0

    asyncio.run(run())
    mail = inbox.wait(ONCALL_EMAIL, "EthiqVoiceErrors")
    text, html = parts(mail)
    assert f"ethiq incident close {incident_id(mail)}" in text
    assert "docs/runbooks.md#x" in text
    assert "EthiqVoiceErrors summary" in html
    told = [m for m in inbox.messages(ONCALL_EMAIL) if "EthiqVoiceErrors" in m["Subject"]]
    assert len(told) == 1
    [sms] = _texts(sandbox, oncall.sms)
    assert sms["from"] == oncall.sms_from  # the parent account's own number
    assert sms["account_sid"] == sandbox.account_sid
    assert "EthiqVoiceErrors" in sms["body"]


def incident_id(mail: Any) -> str:
    return str(mail["Subject"]).split("incident ", 1)[1].split(":", 1)[0]


def test_over_the_hourly_limit_alerts_wait_for_the_digest(
    settings: Settings,
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    inbox = smtp[0]
    names = [f"EthiqBurst{n}" for n in range(4)]

    async def run() -> None:
        async with harness(settings) as h:
            runtime: Runtime = h.app.state.runtime
            for name in names:
                opened = await h.client.post(
                    "/operator/incidents/alertmanager", json=_firing(name), headers=AUTH
                )
                assert opened.status_code == 200, opened.text
            assert await runtime.fleet.oncall.deliver() == 4  # 2 emails + 2 SMS: the limit
            held = await runtime.fleet.oncall.held()
            assert [r["subject"].split(": ", 1)[1] for r in held] == [
                f"{n}: {n} summary" for n in names[2:]
            ]
            at = datetime.now(UTC)
            assert await runtime.fleet.digest(at) is True
            assert await runtime.fleet.digest(at) is False  # once per digest time
            assert await runtime.fleet.oncall.held() == []
            assert await runtime.fleet.oncall.deliver() == 1  # the digest, by email only

    asyncio.run(run())
    sent = [m for m in inbox.messages(ONCALL_EMAIL) if "EthiqBurst" in str(m["Subject"])]
    assert len(sent) == 2
    digest, _ = parts(inbox.wait(ONCALL_EMAIL, "weekly digest"))
    assert "Alerts held by the hourly limit: 2." in digest
    for name in names:
        assert f"{name}: {name} summary" in digest  # held ones, and every open incident


def test_an_unreachable_relay_is_retried_not_lost(settings: Settings) -> None:
    closed = settings.model_copy(update={"people": PeopleSettings(smtp_port=unique_port())})

    async def run() -> None:
        async with harness(closed) as h:
            runtime: Runtime = h.app.state.runtime
            oncall = runtime.fleet.oncall
            written = await oncall.tell("test:relay", "relay down", "text", channels=("email",))
            assert written == 1
            assert await oncall.deliver() == 0
            retried = runtime.metrics.registry.get_sample_value(
                "ethiq_operator_alerts_total", {"channel": "email", "outcome": "retried"}
            )
            assert retried == 1

    asyncio.run(run())


def unique_port() -> int:
    from ethiq.sandbox.server import free_port  # noqa: PLC0415

    return free_port()


SPOOFED = {"StirVerstat": "TN-Validation-Failed"}  # with the velocity: scam at answer


def _subjects(inbox: Inbox, text: str) -> list[str]:
    return [str(m["Subject"]) for m in inbox.messages(ONCALL_EMAIL) if text in str(m["Subject"])]


def test_a_campaign_and_a_scam_surge_reach_the_oncall_once_each(
    settings: Settings,
    sandbox: SandboxHandle,
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    """Calls as Twilio signs them: one spoofed caller reaches five tenants, judged scam at
    answer from the third on. Its campaign (the third tenant) and the surge of scam verdicts
    (the fourth) each reach the on-call once by email and SMS, through the operator outbox;
    the fifth tenant is the same campaign and the same surge: nothing more. A second campaign
    within the hour is over the limit of two per channel: held for the digest, which lists it."""
    inbox = smtp[0]
    screening = settings.screening.model_copy(update={"sensitivity": "high"})
    settings = settings.model_copy(update={"screening": screening})
    caller, second = unique_caller(), unique_caller()

    async def run() -> None:
        async with harness(settings) as h:
            oncall = h.runtime.fleet.oncall
            tenants = [await h.add_tenant() for _ in range(5)]
            for tenant in tenants:
                _, answered = await h.call(tenant, caller, ForwardedFrom=caller, **SPOOFED)
                assert answered.is_success
            await h.runtime.calls.drain()
            queued = list(h.runtime.jobs.app.connector.jobs.values())  # type: ignore[attr-defined]
            assert any(j["task_name"] == ONCALL_JOB for j in queued)  # the worker is kicked
            assert await oncall.deliver() == 4  # the campaign and the surge, email + SMS
            assert await oncall.deliver() == 0
            for tenant in tenants[:3]:
                await h.call(tenant, second)
            await h.runtime.calls.drain()
            assert await oncall.deliver() == 0  # two an hour per channel: held
            [held] = await oncall.held()
            assert held["subject"] == f"campaign caller {second} reached 3 tenants"
            assert await h.runtime.fleet.digest(datetime.now(UTC)) is True
            assert await oncall.deliver() == 1  # the digest

    asyncio.run(run())
    [campaign] = _subjects(inbox, f"campaign caller {caller}")
    assert campaign == f"[Ethiq ops] campaign caller {caller} reached 3 tenants"
    told, _ = parts(inbox.wait(ONCALL_EMAIL, f"campaign caller {caller}"))
    assert f"ethiq block {caller} --reason" in told  # what to do about it
    surges = [s for s in _subjects(inbox, "scam surge") if "2 scam verdicts" in s]
    assert len(surges) == 1, surges
    assert not _subjects(inbox, f"campaign caller {second}")  # only in the digest
    digests = [m for m in inbox.messages(ONCALL_EMAIL) if "weekly digest" in str(m["Subject"])]
    digest, _ = parts(digests[-1])  # this test's (the module's relay is shared)
    assert f"campaign caller {second} reached 3 tenants" in digest
    texts = _texts(sandbox, settings.oncall.sms)
    assert sorted(t["body"].split(" [ops ")[0] for t in texts) == sorted(
        [
            f"Ethiq ops: campaign caller {caller} reached 3 tenants",
            f"Ethiq ops: scam surge: 2 scam verdicts within {settings.store.velocity_window_s} s",
        ]
    )
    assert all(t["from"] == settings.oncall.sms_from for t in texts)  # the parent's number


def test_two_processes_tell_one_campaign_and_one_surge_once_across_a_window_slot(
    settings: Settings,
) -> None:
    """Two runtimes without Redis (their flags in process: two processes, or one restarted)
    share the embedded platform database. The first flags a spoofed caller's campaign and the
    surge of its scam verdicts a second before a velocity-window slot ends; the second flags
    them again two seconds later, in the next slot: one episode each, told once. A window
    after the first telling, the same caller's campaign and surge are new: told again."""
    screening = settings.screening.model_copy(update={"sensitivity": "high"})
    settings = settings.model_copy(update={"screening": screening})
    window = settings.store.velocity_window_s
    caller = unique_caller()
    boundary = (time.time() // window + 1) * window
    now = [boundary - 1]

    def clock() -> float:
        return now[0]

    async def run() -> None:
        async with harness(settings, clock=clock) as first, harness(settings, clock=clock) as then:
            tenants = [await first.add_tenant() for _ in range(4)]
            rows = bind_table(OperatorAlert, first.runtime.storage.platform_engine())

            async def told(what: str) -> int:
                count: int = await rows.count().where(rows.key.like(f"%:{what}:%"))
                return count

            async def calls(
                h: Harness,
            ) -> None:  # the campaign at the third, the surge at the fourth
                for tenant in tenants:
                    _, answered = await h.call(tenant, caller, ForwardedFrom=caller, **SPOOFED)
                    assert answered.is_success
                await h.runtime.calls.drain()

            await calls(first)
            assert (await told(f"campaign:{caller}"), await told("surge")) == (2, 2)  # email, SMS
            now[0] = boundary + 1  # the next slot, the same window
            await calls(then)
            assert (await told(f"campaign:{caller}"), await told("surge")) == (2, 2)
            now[0] = boundary + window + 5  # past both flags' windows: new ones
            await calls(then)
            assert (await told(f"campaign:{caller}"), await told("surge")) == (4, 4)

    asyncio.run(run())


@pytest.mark.services
def test_two_processes_telling_one_episode_at_once_write_it_once(
    postgres: Server,
    sandbox: SandboxHandle,
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    """On PostgreSQL, two runtimes telling the same campaign at the same moment (each its own
    flag), their clocks two seconds apart across a window slot's end: the episode's upsert
    lets exactly one write its alert, many times over."""
    settings = _oncall_settings(make_settings(postgres.url), sandbox, smtp[1])
    window = timedelta(seconds=settings.store.velocity_window_s)
    boundary = (time.time() // window.seconds + 1) * window.seconds

    async def run() -> None:
        async with (
            harness(settings, clock=lambda: boundary - 1) as first,
            harness(settings, clock=lambda: boundary + 1) as then,
        ):
            for _ in range(5):
                what = f"campaign:{unique_caller()}"
                written = await asyncio.gather(
                    *(
                        h.runtime.fleet.oncall.tell(what, what, "text", within=window)
                        for h in (first, then, first, then)
                    )
                )
                assert sorted(written) == [0, 0, 0, 2], written  # email and SMS, once
                # Not delivered: the database is the next tests' too (and their hourly limit).
                rows = bind_table(OperatorAlert, first.runtime.storage.platform_engine())
                assert (
                    await rows.delete()
                    .where(rows.key.like(f"%:{what}:%"))
                    .returning(rows._meta.primary_key)
                )

    asyncio.run(run())


@pytest.mark.services
def test_a_campaign_call_never_waits_for_the_oncall_write(
    postgres: Server,
    sandbox: SandboxHandle,
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    """The operator outbox is written in the background, within the database's budget: with
    its table locked (a slow platform database), the campaign's call is answered at once and
    not degraded, and the alert is written once the lock goes (not lost to the store's
    budget, its flag already taken)."""
    settings = _oncall_settings(make_settings(postgres.url), sandbox, smtp[1])
    caller = unique_caller()

    async def run() -> None:
        async with harness(settings) as h:
            tenants = [await h.add_tenant() for _ in range(3)]
            for tenant in tenants[:2]:
                await h.call(tenant, caller)
            with psycopg.connect(postgres.url) as lock:
                lock.execute(f"LOCK TABLE {PLATFORM_SCHEMA}.operator_alert IN EXCLUSIVE MODE")
                _, answered = await h.call(tenants[2], caller)  # the campaign
                assert answered.is_success
                assert "<Dial" in answered.text
                assert not [
                    s
                    for family in h.runtime.metrics.registry.collect()
                    if family.name == "ethiq_degraded_answers"
                    for s in family.samples
                    if s.name == "ethiq_degraded_answers_total" and s.value
                ]
                lock.rollback()
            await h.runtime.calls.drain()
            assert await h.runtime.fleet.oncall.deliver() == 2

    asyncio.run(run())
    smtp[0].wait(ONCALL_EMAIL, f"campaign caller {caller} reached 3 tenants")
