"""The Advanced Opt-Out Console step is tracked, not remembered: each tenant with a Messaging
Service has it due (operator API and operator page) until an operator records the entries its
registration asks for, and due again once its person's name changes or it has a new service.
On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import re
from typing import Any

import pytest

from runtime.alerts.keywords import console_entries, console_fingerprint
from runtime.people.onboarding import BY_OPERATOR, OPERATOR_ACTION
from runtime.people.tables import OnboardingStep
from runtime.settings import Settings
from runtime.storage.bind import bind_table
from tests.runtime.helpers import OPERATOR, Harness, harness, make_settings, make_tenant, sid

AUTH = {"Authorization": f"Bearer {OPERATOR}"}
STEPS = "/operator/opt-out-replies"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if request.param == "postgres":
        base = make_settings(request.getfixturevalue("postgres").url)
    else:
        base = make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite")
    # The test client speaks plain HTTP: the operator page's cookie without ``Secure``.
    twilio = base.twilio.model_copy(update={"public_url": "http://internal.test:8000"})
    return base.model_copy(update={"twilio": twilio})


async def _due(h: Harness) -> dict[str, dict[str, Any]]:
    answer = await h.client.get(f"{STEPS}?due=true", headers=AUTH)
    assert answer.status_code == 200, answer.text
    return {step["slug"]: step for step in answer.json()}


async def _page_due(h: Harness) -> str:
    """The operator page's "Console steps due" section, as text."""
    page = (await h.client.get("/ops/")).text
    if 'id="console-steps"' not in page:  # the sign-in form: sign in first
        form = {"name": "dana", "token": OPERATOR, "_csrf_token": h.client.cookies["csrftoken"]}
        assert (await h.client.post("/ops/login", data=form)).status_code in {200, 303}
        page = (await h.client.get("/ops/")).text
    section = page.split('id="console-steps"', 1)[1].split("<h2", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


async def _enter(h: Harness, slug: str, fingerprint: str, by: str = "dana") -> Any:
    return await h.client.post(
        f"/operator/tenants/{slug}/opt-out-replies",
        json={"fingerprint": fingerprint, "by": by},
        headers=AUTH,
    )


def test_the_console_step_is_due_until_entered_and_again_when_the_name_changes(
    settings: Settings,
) -> None:
    async def run() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant(
                make_tenant(person_name="Lucie", messaging_service_sid=sid("MG"))
            )
            command = f"ethiq tenant opt-out-replies {tenant.slug} --entered"
            step = (await _due(h))[tenant.slug]
            assert step["why_due"] == "never entered"
            assert step["command"] == command
            assert step["expected"] == console_fingerprint("Lucie")
            assert step["entered"] == ""
            shown = await _page_due(h)
            assert f"{tenant.slug} Advanced Opt-Out of {tenant.messaging_service_sid}" in shown
            assert f"never entered {command}" in shown

            entered = await _enter(h, tenant.slug, console_fingerprint("Lucie"))
            assert entered.status_code == 200, entered.text
            assert entered.json()["due"] is False
            assert entered.json()["entered_by"] == "dana"
            assert entered.json()["entered_service_sid"] == tenant.messaging_service_sid
            assert tenant.slug not in await _due(h)
            assert tenant.slug not in await _page_due(h)
            everyone = (await h.client.get(STEPS, headers=AUTH)).json()
            [listed] = [s for s in everyone if s["slug"] == tenant.slug]
            assert listed["entered"] == console_fingerprint("Lucie")
            assert listed["entered_at"] is not None
            # The operator's hand, as the manual-step KPI counts it.
            step_table = bind_table(OnboardingStep, h.runtime.storage.platform_engine())
            [row] = await step_table.select().where(
                step_table.key == f"{tenant.slug}:{OPERATOR_ACTION}opt_out_replies"
            )
            assert row["how"].startswith(BY_OPERATOR)

            # The stack's personName changed: its registration asks for other replies.
            renamed = dataclasses.replace(tenant, person_name="Lucille")
            await h.runtime.registry.upsert(renamed)
            again = (await _due(h))[tenant.slug]
            assert again["why_due"].startswith("the replies changed since ")
            assert again["expected"] == console_fingerprint("Lucille")
            assert again["entered"] == console_fingerprint("Lucie")  # kept by the registration
            assert again["command"] == command
            assert tenant.slug in await _page_due(h)
            assert (await _enter(h, tenant.slug, console_fingerprint("Lucille"))).json()["due"] is (
                False
            )
            assert tenant.slug not in await _due(h)

            # A new Messaging Service (the tenant's stack made it again) holds nothing yet.
            await h.runtime.registry.upsert(
                dataclasses.replace(renamed, messaging_service_sid=sid("MG"))
            )
            assert (await _due(h))[tenant.slug]["why_due"].startswith(
                "entered on another Messaging Service"
            )

    asyncio.run(run())


def test_recording_the_console_step_refuses_what_it_cannot_record(settings: Settings) -> None:
    async def run() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant(make_tenant(messaging_service_sid=sid("MG")))
            bare = await h.add_tenant(make_tenant())  # sends from its number: nothing to enter
            good = console_fingerprint()
            assert (await h.client.get(STEPS)).status_code == 401
            missing = await _enter(h, "rt-nobody", good)
            assert missing.status_code == 404
            assert "no tenant 'rt-nobody'" in missing.json()["detail"]
            assert (await _enter(h, tenant.slug, "abc")).status_code == 400
            assert (await _enter(h, tenant.slug, good.upper())).status_code == 400
            assert (await _enter(h, tenant.slug, good, by=" ")).status_code == 400
            assert tenant.slug in await _due(h)  # nothing recorded by the refusals
            refused = await _enter(h, bare.slug, good)
            assert refused.status_code == 409
            assert "no Messaging Service" in refused.json()["detail"]
            assert bare.slug not in await _due(h)

    asyncio.run(run())


def test_the_fingerprint_is_the_sha256_of_the_printed_entries() -> None:
    assert (
        console_fingerprint("Lucie")
        == hashlib.sha256(console_entries("Lucie").encode("utf-8")).hexdigest()
    )
    assert console_fingerprint("Lucie") != console_fingerprint("Lucille")
    assert console_fingerprint() != console_fingerprint("Lucie")
