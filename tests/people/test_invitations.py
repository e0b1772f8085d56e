"""Contacts' double opt-in: invited once in their language, reminded once, confirmed once; the
person's onboarding and the operator view follow each contact's answer. Over HTTP (Litestar's
test client) with signed SMS webhooks, on SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ethiq.sandbox.server import SandboxHandle, running_sandbox
from runtime.alerts.jobs import SWEEP
from runtime.alerts.sender import OPTED_OUT, SendError
from runtime.people.i18n import TEXTS
from runtime.settings import PeopleSettings, Settings
from runtime.storage import store_for_url
from runtime.telephony import paths
from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.tenants import Registry, TenantContact, TenantRecord
from tests.people.conftest import Inbox
from tests.runtime.helpers import (
    OPERATOR,
    PUBLIC,
    REGISTRY_KEY,
    SCAM_LINES_FR,
    Harness,
    harness,
    make_settings,
    make_tenant,
    parse_twiml,
    sid,
    unique_caller,
)

AUTH = {"Authorization": f"Bearer {OPERATOR}"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def settings(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    smtp: tuple[Inbox, int],
) -> Settings:
    _, port = smtp
    if request.param == "postgres":
        base = make_settings(
            request.getfixturevalue("postgres").url, request.getfixturevalue("redis").url
        )
    else:
        base = make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite")
    return base.model_copy(update={"people": PeopleSettings(smtp_port=port)})


async def _text(
    h: Harness, tenant: TenantRecord, sender: str, body: str, opt_out_type: str = ""
) -> str:
    """A contact's SMS as Twilio forwards it (signed); the runtime's reply, if any.
    ``opt_out_type``: Twilio's Advanced Opt-Out handled (and answered) the keyword."""
    params = {
        "MessageSid": sid("SM"),
        "AccountSid": tenant.subaccount_sid,
        "From": sender,
        "To": tenant.phone_number,
        "Body": body,
    }
    if opt_out_type:
        params["OptOutType"] = opt_out_type
    response = await h.webhook(paths.SMS, params, tenant.auth_token)
    assert response.status_code == 200
    return parse_twiml(response.text).findtext("Message") or ""


async def _enrol(h: Harness, tenant: TenantRecord) -> str:
    body = {"slug": tenant.slug, "email": f"{tenant.slug}@example.org"}
    assert (await h.client.post("/operator/people/", json=body, headers=AUTH)).status_code == 201
    url = f"/operator/people/{tenant.slug}/onboarding"
    for step in ("sip_app_configured", "forwarding_verified"):
        done = await h.client.post(f"{url}/{step}", json={"how": "test"}, headers=AUTH)
        assert done.status_code == 201
    return url


async def _view(h: Harness, url: str) -> dict[str, Any]:
    response = await h.client.get(url, headers=AUTH)
    assert response.status_code == 200
    out: dict[str, Any] = response.json()
    return out


def _to(h: Harness, number: str) -> list[str]:
    return [m["body"] for m in h.sender.sent if m["to"] == number]


async def _scam_alerts(h: Harness, tenant: TenantRecord) -> list[str]:
    """Numbers alerted for a new scam call (the alert rows written with its verdict)."""
    call_sid, _ = await h.call(tenant)
    for n, line in enumerate(SCAM_LINES_FR, 1):
        await h.say(tenant, call_sid, n, line)
    t = h.runtime.invitations.tables(tenant)
    call = await t.Call.select(t.Call.id).where(t.Call.sid == call_sid).first()
    assert call is not None
    rows = await t.Alert.select(t.Alert.contact.number).where(t.Alert.call == call["id"])
    return [str(r["contact.number"]) for r in rows]


def test_contacts_are_invited_reminded_and_confirmed_once_each(settings: Settings) -> None:
    async def run() -> None:
        async with harness(settings) as h:
            lea = TenantContact(unique_caller(), "Lea", priority=3, language="fr-CA")
            tenant = await h.add_tenant(
                make_tenant(person_name="Jeanne", contacts=(*make_tenant().contacts, lea))
            )
            marie, john, lea = tenant.contacts  # fr-CA (priority 2), en-US (1), fr-CA (3)
            url = await _enrol(h, tenant)
            invitations, now = h.runtime.invitations, datetime.now(UTC)
            assert (await invitations.run_once(now)).sent >= 3
            [fr] = _to(h, marie.number)
            [en] = _to(h, john.number)
            assert fr.startswith("Ethiq: Jeanne vous a choisi comme proche")
            assert "Répondez OUI pour accepter, ARRET pour refuser" in fr
            assert en.startswith("Ethiq: Jeanne chose you as an emergency contact")
            assert "Reply YES to accept, STOP to refuse" in en
            await invitations.run_once(now + timedelta(hours=1))  # sent once, never again
            assert (len(_to(h, marie.number)), len(_to(h, john.number))) == (1, 1)
            view = await _view(h, url)
            assert [(c["name"], c["state"]) for c in view["contacts"]] == [
                ("John", "invited"),
                ("Marie", "invited"),
                ("Lea", "invited"),
            ]
            assert view["current"] == "contacts_consented"
            # Nobody said yes yet: a scam call alerts nobody.
            assert await _scam_alerts(h, tenant) == []

            # One reminder after ETHIQ_INVITE_REMINDER_S, once.
            later = now + timedelta(seconds=settings.alerts.invite_reminder_s + 1)
            await invitations.run_once(later)
            await invitations.run_once(later + timedelta(days=3))
            assert _to(h, marie.number)[1].startswith("Ethiq, rappel: Jeanne")
            assert (len(_to(h, marie.number)), len(_to(h, john.number))) == (2, 2)
            assert len(_to(h, lea.number)) == 2
            assert {c["state"] for c in (await _view(h, url))["contacts"]} == {"no_answer"}

            # OUI is not a Twilio keyword: the webhook's reply is the confirmation.
            reply = await _text(h, tenant, marie.number, "Oui")
            assert reply == (
                "Ethiq: Merci, c'est confirmé. Vous recevrez une alerte de fraude par texto "
                "seulement si un appel frauduleux vise Jeanne. Frais de messagerie possibles. "
                "Répondez ARRET pour ne plus en recevoir, AIDE pour de l'aide."
            )
            # What was agreed to, how often, the cost, how to stop (Twilio's error 30540).
            assert "seulement si" in reply
            assert "Frais de messagerie" in reply
            assert "ARRET" in reply
            view = await _view(h, url)
            assert view["current"] == "test_call_passed"  # the step turned green
            step = next(s for s in view["steps"] if s["step"] == "contacts_consented")
            assert step["how"].startswith("Marie replied 'Oui' by SMS at ")
            # YES is Twilio's: it already auto-replied, so ours goes through the outbox, once.
            assert await _text(h, tenant, john.number, "YES") == ""
            await invitations.run_once(later + timedelta(days=4))
            await invitations.run_once(later + timedelta(days=5))
            confirmations = [b for b in _to(h, john.number) if "confirmed" in b]
            assert len(confirmations) == 1
            assert "scam call targets Jeanne" in confirmations[0]
            assert "Msg&data rates may apply" in confirmations[0]
            # OUI through Advanced Opt-Out: Twilio's configured reply (our words) was the
            # confirmation; nothing more is sent.
            assert await _text(h, tenant, lea.number, "OUI", opt_out_type="START") == ""
            await invitations.run_once(later + timedelta(days=6))
            assert len(_to(h, lea.number)) == 2  # invitation and reminder only
            # A second yes changes nothing: not confirmed again, the first answer stays.
            again = await _text(h, tenant, marie.number, "OUI")
            assert again == (
                "Ethiq: c'est déjà confirmé, vous recevez les alertes de fraude pour Jeanne. "
                "Répondez ARRET pour ne plus en recevoir."
            )
            assert (await _text(h, tenant, marie.number, "AIDE")).startswith(
                "Ethiq protège Jeanne contre la fraude"
            )
            assert await _text(h, tenant, john.number, "YES") == ""  # Twilio answered
            await invitations.run_once(later + timedelta(days=7))
            assert len([b for b in _to(h, john.number) if "confirmed" in b]) == 1
            assert len([b for b in _to(h, marie.number) if "confirm" in b]) == 0
            states = {c["name"]: (c["state"], c["how"]) for c in (await _view(h, url))["contacts"]}
            assert states == {
                "John": ("accepted", "YES"),
                "Marie": ("accepted", "Oui"),
                "Lea": ("accepted", "OUI"),
            }
            assert sorted(await _scam_alerts(h, tenant)) == [john.number]  # priority 1 first

    asyncio.run(run())


def test_refusals_failures_and_lost_answers(settings: Settings) -> None:
    async def run() -> None:
        contacts = tuple(
            TenantContact(unique_caller(), name, priority=i, language="en-US")
            for i, name in enumerate(("Stopped", "Lost", "Wrong", "Arret"))
        )
        async with harness(settings) as h:
            tenant = await h.add_tenant(make_tenant(contacts=contacts))
            stopped, lost, wrong, arret = contacts
            url = await _enrol(h, tenant)
            invitations, now = h.runtime.invitations, datetime.now(UTC)
            send, lost_answers = h.sender.send, [SendError("read timeout")]

            async def twilio(tenant: TenantRecord, to: str, body: str, callback: str) -> str:
                if to == stopped.number:  # had texted STOP to this number before
                    raise SendError("unsubscribed recipient", status=400, code=OPTED_OUT)
                if to == wrong.number:
                    raise SendError("invalid To", status=400, code=21211)
                message_sid = await send(tenant, to, body, callback)
                if to == lost.number and lost_answers:  # Twilio took it, the answer was lost
                    raise lost_answers.pop()
                return message_sid

            h.sender.send = twilio  # type: ignore[method-assign,assignment]
            first = await invitations.run_once(now)
            assert (first.failed, first.retried) == (2, 1)
            # Due again after the backoff: found at Twilio by its reference, not sent twice.
            assert (await invitations.run_once(now + timedelta(minutes=10))).sent >= 1
            assert len(_to(h, lost.number)) == 1
            assert _to(h, stopped.number) == []
            assert "no" in (await _text(h, tenant, arret.number, "NO")).lower()
            states = {c["name"]: c["state"] for c in (await _view(h, url))["contacts"]}
            assert states == {
                "Stopped": "refused",
                "Lost": "invited",
                "Wrong": "unreachable",
                "Arret": "refused",
            }
            view = await _view(h, url)
            assert view["current"] == "contacts_consented"  # nobody accepted: still to do
            assert await _scam_alerts(h, tenant) == []

    asyncio.run(run())


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


def _in_sandbox(sandbox: SandboxHandle, contacts: tuple[TenantContact, ...]) -> TenantRecord:
    """A tenant whose subaccount and number are the sandbox's (Twilio's view of its texts)."""
    credentials = TwilioCredentials(sandbox.account_sid, sandbox.auth_token, sandbox.base_url)
    sub = make_client(credentials).api.v2010.accounts.create(friendly_name="invitations")
    client = make_client(credentials, account_sid=sub.sid)
    [available] = client.available_phone_numbers("CA").local.list(
        in_region="QC", sms_enabled=True, limit=1
    )
    number = client.incoming_phone_numbers.create(
        phone_number=available.phone_number, sms_url=paths.webhook_urls(PUBLIC)["sms_url"]
    )
    return make_tenant(
        phone_number=number.phone_number,
        subaccount_sid=sub.sid,
        auth_token=sub.auth_token,
        contacts=contacts,
        person_name="Jeanne",
    )


async def _stack_registers(settings: Settings, tenant: TenantRecord) -> None:
    """What ``pulumi up`` does with the tenant's stack: its registration provider writes the
    registry from the engine's own process (``infra/providers/database.py``)."""
    registry = Registry(store_for_url(settings.database.url), REGISTRY_KEY)
    try:
        await registry.upsert(tenant)
    finally:
        await registry.close()


def _no_sweep(settings: Settings) -> Settings:
    """A worker defers the periodic jobs due in the last 10 minutes (procrastinate's max_delay):
    a sweep due on 29 February only is never one of them, so no sweep runs unless called."""
    worker = settings.worker.model_copy(update={"sweep": "0 0 29 2 *"})
    return settings.model_copy(update={"worker": worker})


async def _work(h: Harness) -> None:
    """A worker runs what is queued now (nothing scheduled later, no periodic sweep), then stops."""
    jobs = h.runtime.jobs
    await jobs.app.run_worker_async(queues=jobs.queues, wait=False, install_signal_handlers=False)


def test_a_contact_a_stack_adds_is_invited_at_once_not_at_the_next_sweep(
    settings: Settings, sandbox: SandboxHandle
) -> None:
    """The person's page added a contact, the stack change was merged and ``pulumi up``
    registered it: the worker's next look at the registry queues the tenant's job, whose one run
    texts the new contact their invitation (the sandbox's log: what Twilio sent). No sweep runs
    and no clock moves. The contact who said yes, now second, is not invited again; a new order
    queues nothing; a contact removed before the worker looked is never invited."""
    twilio = settings.twilio.model_copy(
        update={
            "account_sid": sandbox.account_sid,
            "auth_token": sandbox.auth_token,
            "api_base_url": sandbox.base_url,
        }
    )
    settings = _no_sweep(settings.model_copy(update={"twilio": twilio}))
    marie = TenantContact(unique_caller(), "Marie", 1, "fr-CA")
    paul = TenantContact(unique_caller(), "Paul", 1, "en-US")
    julie = TenantContact(unique_caller(), "Julie", 3, "fr-CA")
    tenant = _in_sandbox(sandbox, (marie,))

    def invitations(contact: TenantContact) -> list[str]:
        """The invitation texts the contact received, as Twilio (the sandbox) sent them."""
        return [
            m["body"]
            for m in sandbox.control.messages()
            if m["to"] == contact.number
            and m["from"] == tenant.phone_number
            and "Ref #i" in m["body"]
        ]

    async def run() -> None:
        async with harness(settings, real_sms=True) as h:
            jobs = h.runtime.jobs
            await jobs.open()
            sweeps = len(list(await jobs.app.job_manager.list_jobs_async(task=SWEEP)))
            assert await jobs.registry_changes() == []  # the worker's first look remembers
            await _stack_registers(settings, tenant)
            await h.runtime.storage.ensure(tenant.slug)
            assert await jobs.registry_changes() == [tenant.slug]
            await _work(h)
            [invited] = invitations(marie)
            assert invited.startswith("Ethiq: Jeanne vous a choisi comme proche")
            assert "confirmé" in await _text(h, tenant, marie.number, "OUI")  # her yes
            await _work(h)  # the job her answer queued

            # Paul added first (Marie second): nothing is queued until the worker looks.
            await _stack_registers(
                settings, replace(tenant, contacts=(paul, replace(marie, priority=2)))
            )
            await _work(h)
            assert invitations(paul) == []  # the wait this removes: until the next sweep
            assert await jobs.registry_changes() == [tenant.slug]
            await _work(h)
            [invited] = invitations(paul)
            assert invited.startswith("Ethiq: Jeanne chose you as an emergency contact")
            assert len(invitations(marie)) == 1  # said yes: not invited again

            # Back to Marie first: a new order gains no number, so nothing is queued.
            await _stack_registers(
                settings, replace(tenant, contacts=(marie, replace(paul, priority=2)))
            )
            assert await jobs.registry_changes() == []
            # Julie added, then removed before the worker looked: never invited, even by a sweep.
            await _stack_registers(settings, replace(tenant, contacts=(marie, paul, julie)))
            await _stack_registers(settings, replace(tenant, contacts=(marie, paul)))
            assert await jobs.registry_changes() == []
            assert len(list(await jobs.app.job_manager.list_jobs_async(task=SWEEP))) == sweeps
            await jobs.sweep()
            await _work(h)
            assert invitations(julie) == []
            assert (len(invitations(marie)), len(invitations(paul))) == (1, 1)

    asyncio.run(run())


def test_a_running_worker_looks_at_the_registry_every_poll(tmp_path: Any) -> None:
    """The look runs inside the worker (``ethiq worker``, or the one in ``ethiq serve``), every
    ``ETHIQ_OUTBOX_POLL_S``: a contact registered while it runs is invited without a sweep."""
    base = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    alerts = base.alerts.model_copy(update={"poll_interval_s": 0.05})
    settings = _no_sweep(base.model_copy(update={"alerts": alerts}))
    marie = TenantContact(unique_caller(), "Marie", 1, "fr-CA")
    paul = TenantContact(unique_caller(), "Paul", 2, "en-US")

    async def until(check: Callable[[], bool], what: str) -> None:
        """Readiness, not timing: the worker runs in this event loop, beside this wait."""
        deadline = time.monotonic() + 20.0
        while not check():
            assert time.monotonic() < deadline, f"{what}: not within 20 s"
            await asyncio.sleep(0.02)

    async def run() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant(make_tenant(contacts=(marie,)))
            h.runtime.jobs.start_inline()
            try:
                await until(lambda: len(_to(h, marie.number)) == 1, "Marie's invitation (start)")
                await _stack_registers(settings, replace(tenant, contacts=(marie, paul)))
                await until(lambda: len(_to(h, paul.number)) == 1, "Paul's invitation")
            finally:
                await h.runtime.jobs.stop_inline()
            assert len(_to(h, marie.number)) == 1

    asyncio.run(run())


def test_every_way_a_test_call_can_fail_is_explained_in_both_languages() -> None:
    """Twilio's final call statuses (and a forward from another number) each say what to check."""
    outcomes = ("completed", "no-answer", "busy", "failed", "canceled", "forwarded-elsewhere")
    for language in ("fr-CA", "en-US"):
        for outcome in outcomes:
            assert TEXTS[language][f"test_failed_{outcome}"], (language, outcome)
