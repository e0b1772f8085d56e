"""The on-call operator hears of incidents by email (a real SMTP server) and SMS (the Twilio
sandbox, from the parent account's own number), once per incident, at most N an hour per
channel; what the limit holds back is in the weekly digest, never dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ethiq.sandbox.server import SandboxHandle, running_sandbox
from runtime.fleet.service import ONCALL_JOB
from runtime.settings import OncallSettings, PeopleSettings, Settings, TwilioSettings
from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.web.state import Runtime
from tests.people.conftest import Inbox, parts, smtp  # noqa: F401 - the SMTP server fixture
from tests.runtime.helpers import (
    OPERATOR,
    PUBLIC,
    harness,
    make_settings,
    unique_caller,
)

AUTH = {"Authorization": f"Bearer {OPERATOR}"}
ONCALL_EMAIL = "oncall@ops.example.org"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def settings(
    request: pytest.FixtureRequest,
    sandbox: SandboxHandle,
    smtp: tuple[Inbox, int],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    """The runtime against the sandbox's parent account, which owns the on-call's sender."""
    parent = make_client(
        TwilioCredentials(sandbox.account_sid, sandbox.auth_token, sandbox.base_url)
    )
    [offered] = parent.available_phone_numbers("CA").local.list(limit=1)
    number = str(
        parent.incoming_phone_numbers.create(phone_number=offered.phone_number).phone_number
    )
    base = make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite")
    return base.model_copy(
        update={
            "twilio": TwilioSettings(
                public_url=PUBLIC,
                account_sid=sandbox.account_sid,
                auth_token=sandbox.auth_token,
                api_base_url=sandbox.base_url,
            ),
            "people": PeopleSettings(smtp_port=smtp[1]),
            "oncall": OncallSettings(
                email=ONCALL_EMAIL, sms=unique_caller(), sms_from=number, per_hour=2
            ),
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
