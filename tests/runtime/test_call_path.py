"""The call path as Twilio runs it: the sandbox plays whole calls against the served runtime.

The sandbox executes the TwiML the runtime answers (checked against Twilio's TwiML reference),
keeps every call leg, conference and participant, and posts what Twilio posts (transcription
events, participant and ``<Dial>`` callbacks, ``<Record>`` actions), signed. These tests read
what each party heard from the sandbox's report, never from the runtime's own word.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller as SmtpController

from ethiq.local import advanced_opt_out
from ethiq.sandbox.caller import send_sms
from ethiq.sandbox.server import SandboxHandle, free_port, running_sandbox
from runtime.alerts.messages import sms_segments
from runtime.alerts.tables import bind_tables
from runtime.billing import Accounts
from runtime.billing.quotas import SUSPENDED
from runtime.billing.tables import BillingAccount, QuotaNotice
from runtime.calls.preferences import CallerPreferences, ListKind, QuietHours
from runtime.settings import TwilioSettings
from runtime.storage import bind_table, store_for_url
from runtime.telephony import paths
from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.tenants import MonitoredNumber, Registry, TenantContact, TenantRecord
from runtime.web.app import create_app
from runtime.web.state import Runtime
from tests.people.conftest import Inbox, parts
from tests.runtime.helpers import (
    PUBLIC,
    REGISTRY_KEY,
    add_person,
    make_settings,
    parse_twiml,
    unique_caller,
)

READY_TIMEOUT_S = 120.0  # a loaded machine starts Granian workers slowly
SCAM = [
    ("caller", "Bonjour, ici le service de fraude de votre banque, votre compte est compromis."),
    ("callee", "Ah bon? Qu'est-ce qui se passe?"),
    ("caller", "Il faut agir tout de suite, ne raccrochez pas et ne le dites à personne."),
    ("caller", "Donnez-moi votre NIP et achetez des cartes-cadeaux pour protéger votre argent."),
    ("callee", "Je ne sais pas trop."),
    ("caller", "Allez au dépanneur maintenant, je reste en ligne avec vous."),
]
LEGIT = [
    ("caller", "Salut maman, c'est Julie, je voulais juste prendre de tes nouvelles."),
    ("callee", "Bonjour ma belle, ça va bien, merci."),
]


def _segments(lines: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"t": 2.0 + 4 * i, "speaker": who, "text": text} for i, (who, text) in enumerate(lines)]


def _until(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {READY_TIMEOUT_S}s")


@dataclass
class World:
    sandbox: SandboxHandle
    tenant: TenantRecord
    database_url: str
    runtime_url: str
    log: Path
    inbox: Inbox

    def call(self, lines: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
        return self.sandbox.control.inbound_call(
            self.tenant.phone_number,
            extra.pop("caller", unique_caller()),
            _segments(lines),
            **extra,
        )

    def person(self, behaviour: str, *, secure_only: bool = True) -> None:
        self.sandbox.control.sip_endpoint(
            self.tenant.sip_address, behaviour, secure_only=secure_only
        )

    def row(self, call_sid: str) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            store = store_for_url(self.database_url)
            tables = bind_tables(store.engine(self.tenant.slug))
            row = await tables.Call.select().where(tables.Call.sid == call_sid).first().run()
            await store.close()
            assert row is not None
            return dict(row)

        return asyncio.run(read())

    def alerts(self, call_id: int) -> list[dict[str, Any]]:
        async def read() -> list[dict[str, Any]]:
            store = store_for_url(self.database_url)
            tables = bind_tables(store.engine(self.tenant.slug))
            rows = await tables.Alert.select().where(tables.Alert.call == call_id).run()
            await store.close()
            return [dict(r) for r in rows]

        return asyncio.run(read())

    def segments(self, call_id: int) -> list[str]:
        async def read() -> list[str]:
            store = store_for_url(self.database_url)
            tables = bind_tables(store.engine(self.tenant.slug))
            segment = tables.Segment
            rows = (
                await segment.select(segment.text)
                .where(segment.call == call_id)
                .order_by(segment.t_seconds)
                .run()
            )
            await store.close()
            return [str(r["text"]) for r in rows]

        return asyncio.run(read())

    def metrics(self) -> str:
        return httpx.get(f"{self.runtime_url}/metrics", timeout=5.0).text


def _provision(sandbox: SandboxHandle, public: str) -> TenantRecord:
    credentials = TwilioCredentials(sandbox.account_sid, sandbox.auth_token, sandbox.base_url)
    sub = make_client(credentials).api.v2010.accounts.create(friendly_name="call-path")
    client = make_client(credentials, account_sid=sub.sid)
    [available] = client.available_phone_numbers("CA").local.list(
        in_region="QC", voice_enabled=True, sms_enabled=True, limit=1
    )
    urls = paths.webhook_urls(public)
    number = client.incoming_phone_numbers.create(
        phone_number=available.phone_number,
        voice_url=urls["voice_url"],
        voice_fallback_url=urls["voice_fallback_url"],
        sms_url=urls["sms_url"],
        status_callback=urls["status_callback"],
    )
    # Texts go through a Messaging Service with Advanced Opt-Out, as the tenant stack declares
    # it (the service is the subaccount's own: made with its credentials), Console step done.
    own = make_client(TwilioCredentials(sub.sid, sub.auth_token, sandbox.base_url))
    service = own.messaging.v1.services.create(
        friendly_name="call-path", inbound_request_url=urls["sms_url"]
    )
    own.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    advanced_opt_out(sandbox, service.sid)
    slug = "path-" + sub.sid[-8:].lower()
    domain = client.sip.domains.create(
        domain_name=f"{slug}.sip.twilio.com",
        voice_url=urls["sip_voice_url"],
        sip_registration=True,
        secure=True,
    )
    return TenantRecord(
        slug=slug,
        phone_number=number.phone_number,
        sip_address=f"sip:user_{slug}@{domain.domain_name}",
        sip_username=f"user_{slug}",
        subaccount_sid=sub.sid,
        auth_token=sub.auth_token,
        contacts=(TenantContact(unique_caller(), "Marie", 1, "fr-CA"),),
        messaging_service_sid=service.sid,
        # A spouse's phone forwarding to the same Ethiq number (ethiq:monitoredNumbers).
        monitored_numbers=(MonitoredNumber(unique_caller(), "Paul", "bell"),),
    )


async def _register(database_url: str, tenant: TenantRecord) -> None:
    registry = Registry(store_for_url(database_url), REGISTRY_KEY)
    await registry.migrate()
    await registry.upsert(tenant)
    await store_for_url(database_url).ensure(tenant.slug)
    await registry.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("call-path")
    port = free_port()
    runtime_url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{tmp}/ethiq.sqlite"
    inbox = Inbox()
    smtp = SmtpController(inbox, hostname="127.0.0.1", port=free_port())  # people's emails
    smtp.start()
    with running_sandbox() as sandbox:
        tenant = _provision(sandbox, runtime_url)
        asyncio.run(_register(database_url, tenant))
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ETHIQ_PUBLIC_URL": runtime_url,  # Twilio (the sandbox) reaches it on loopback
            "ETHIQ_REGISTRY_KEY": REGISTRY_KEY,
            "ETHIQ_OPERATOR_TOKEN": "op-token",
            "TWILIO_ACCOUNT_SID": sandbox.account_sid,
            "TWILIO_AUTH_TOKEN": sandbox.auth_token,
            "TWILIO_API_BASE_URL": sandbox.base_url,
            "ETHIQ_OUTBOX_POLL_S": "0.1",
            "ETHIQ_SMTP_PORT": str(smtp.port),
        }
        env.pop("REDIS_URL", None)
        log_path = tmp / "runtime.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from ethiq.cli import app; app()",
                    "serve",
                    "--port",
                    str(port),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=tmp,
            )
        try:

            def live() -> bool:
                if server.poll() is not None:
                    raise AssertionError(log_path.read_text())
                try:
                    return httpx.get(f"{runtime_url}/health/live").status_code == 200
                except httpx.TransportError:
                    return False

            _until(live, "runtime listening")
            yield World(sandbox, tenant, database_url, runtime_url, log_path, inbox)
        finally:
            server.terminate()
            server.wait(timeout=15)
            smtp.stop()


@pytest.fixture
def fresh(world: World) -> Iterator[World]:
    world.person("answer")
    yield world
    assert world.sandbox.control.violations() == []  # REST and TwiML met Twilio's contract


def _leg(report: dict[str, Any], label: str) -> dict[str, Any]:
    [leg] = [leg for leg in report["legs"] if leg["label"] == label]
    return dict(leg)


def _seq(event: str) -> int:
    return int(event.split(" ", 1)[0])


def test_warning_reaches_the_person_only_and_the_call_goes_on(fresh: World) -> None:
    contact = fresh.tenant.contacts[0]
    assert "Merci" in send_sms(
        fresh.sandbox.control, contact.number, fresh.tenant.phone_number, "Oui j'accepte"
    )
    report = fresh.call(SCAM)
    caller, person = _leg(report, "caller"), _leg(report, "person")
    # The runtime answered with the call's own conference, transcription pinned and voiced.
    answer = parse_twiml(report["twiml"][0])
    transcription = answer.find("Start/Transcription")
    assert transcription is not None
    assert transcription.get("transcriptionEngine") == "google"
    assert transcription.get("speechModel") == "telephony"
    assert answer.findtext("Dial/Conference") == f"ethiq-{report['call_sid']}"
    assert report["updates"] == []  # the call's TwiML was never replaced: nobody re-dialled
    # The person heard the warning, in French, from their own participant; the caller nothing.
    assert any("fraude" in said for said in person["heard"])
    assert caller["heard"] == []
    [conference] = report["conferences"]
    by_label = {p["label"]: p for p in conference["participants"]}
    assert by_label["person"]["announcements"]
    assert not by_label["caller"]["announcements"]
    # The person stayed connected until the caller hung up; nobody rang twice.
    assert person["to"].endswith(";secure=true")
    assert len([e for e in person["events"] if "dialling" in e]) == 1
    assert not any("redirected" in e for e in person["events"] + caller["events"])
    assert any("hung up: conference ended" in e for e in person["events"])
    # Transcription went on after the warning.
    warned_at = next(_seq(e) for e in person["events"] if "announcement played" in e)
    after = [e for e in caller["events"] if "transcribed " in e and _seq(e) > warned_at]
    assert len(after) >= 2
    # The later scam verdict alerted the consenting contact, once.
    row = fresh.row(report["call_sid"])
    assert (row["verdict"], row["outcome"]) == ("scam", "answered")

    def alerts() -> list[dict[str, Any]]:
        return [m for m in fresh.sandbox.control.messages() if m["to"] == contact.number]

    [alert] = _until(lambda: [m for m in alerts() if "ALERTE" in m["body"]], "alert sent")
    assert alert["from"] == fresh.tenant.phone_number


def test_a_safe_call_is_just_connected(fresh: World) -> None:
    report = fresh.call(LEGIT)
    person = _leg(report, "person")
    assert person["heard"] == []
    assert person["status"] == "completed"
    transcribed = [e for e in _leg(report, "caller")["events"] if "transcribed " in e]
    assert len(transcribed) == 2  # both sides, once connected
    row = fresh.row(report["call_sid"])
    assert row["verdict"] == "legit"
    # Its transcription stopped with the call: no gap in the screening to report.
    assert not row["degraded"]


def test_in_an_all_party_consent_region_the_caller_is_told_before_transcription(
    world: World,
) -> None:
    """California: the sandbox plays the runtime's TwiML; the caller hears the notice in both
    languages (English first, the tenant's), and only then does the transcription start."""
    tenant = replace(_provision(world.sandbox, world.runtime_url), region="US-CA")
    tenant = replace(tenant, language="en-US")
    asyncio.run(_register(world.database_url, tenant))
    world.sandbox.control.sip_endpoint(tenant.sip_address, "answer")
    report = world.sandbox.control.inbound_call(
        tenant.phone_number, unique_caller(), _segments(LEGIT)
    )
    caller = _leg(report, "caller")
    english, french = caller["heard"][:2]
    assert [english[:30], french[:30]] == [
        "This call is screened by Ethiq",
        "Cet appel est filtré par Ethiq",
    ]
    assert "transcribed" in english
    assert "transcrites" in french
    said = [_seq(e) for e in caller["events"] if e.split(" ", 2)[1] == "say"]
    started = next(_seq(e) for e in caller["events"] if "transcription started" in e)
    assert len(said) == 2
    assert max(said) < started
    assert [e for e in caller["events"] if "transcribed " in e]  # screened as any call
    assert world.sandbox.control.violations() == []


@pytest.mark.parametrize("behaviour", ["no-answer", "busy", "offline"])
def test_unanswered_call_goes_to_voicemail_screened_like_a_call(
    fresh: World, behaviour: str
) -> None:
    own = unique_caller()  # the person's own mobile number, where the missed-call text goes
    body = {
        "slug": fresh.tenant.slug,
        "email": f"{fresh.tenant.slug}@example.org",
        "own_number": own,
    }
    enrolled = httpx.post(
        f"{fresh.runtime_url}/operator/people/",
        json=body,
        headers={"Authorization": "Bearer op-token"},
        timeout=10.0,
    )
    assert enrolled.status_code == 201, enrolled.text
    fresh.person(behaviour)
    report = fresh.call(SCAM)
    caller, person = _leg(report, "caller"), _leg(report, "person")
    assert (
        person["status"]
        == {"no-answer": "no-answer", "busy": "busy", "offline": "failed"}[behaviour]
    )
    # The caller, alone in the conference, was sent to voicemail: a beep, then the message.
    voicemail = parse_twiml(report["twiml"][-1])
    assert voicemail.find("Record") is not None
    assert any("message" in said for said in caller["heard"])
    assert "[beep]" in caller["heard"]
    # The message was transcribed and scored like a conversation (the caller's lines only).
    spoken = [e for e in caller["events"] if "transcribed " in e]
    assert len(spoken) == 4
    row = fresh.row(report["call_sid"])
    assert row["outcome"] == "voicemail"
    assert row["verdict"] == "scam"
    status = {"offline": "failed"}.get(behaviour, behaviour)
    assert f'ethiq_calls_unanswered_total{{status="{status}"}}' in fresh.metrics()

    # The person learns of it by text, once, from Twilio's point of view (the sandbox's log).
    def missed() -> list[dict[str, Any]]:
        texts = [m for m in fresh.sandbox.control.messages() if m["to"] == own]
        return [m for m in texts if "appel manqué" in m["body"]]

    texts = _until(missed, "missed-call text sent")
    assert len(texts) == 1
    assert "fraude probable" in texts[0]["body"]
    assert "message vocal" in texts[0]["body"]


async def _alerts_suspended(database_url: str, slug: str) -> None:
    """The tenant's payment failed 30 days ago and the person was told at once: past the grace,
    its standing suspends alerts (what Stripe's webhooks and the metering job would record)."""
    store = store_for_url(database_url)
    await Accounts(store).open(slug, f"cus_{slug}", "solo")
    since = datetime.now(UTC) - timedelta(days=30)
    account = bind_table(BillingAccount, store.platform_engine())
    await account.update(
        {account.past_due_since: since, account.subscription_status: "past_due"}
    ).where(account.tenant == slug)
    notice = bind_table(QuotaNotice, store.platform_engine())
    day = since.date().isoformat()
    await notice.insert(
        notice(
            key=f"{slug}:{day}:payment:0",
            tenant=slug,
            period=day,
            metric="payment",
            threshold=0,
            used=0,
            allowed=14,
            source="stripe",
            channel="sms",
            status="delivered",
            created_at=since,
            updated_at=since,
            sent_at=since,
        )
    )
    await store.close()


def test_a_suspended_subscription_texts_the_person_only_a_scam_missed_call(
    world: World,
) -> None:
    """Alerts suspended for a failed payment: a missed call Ethiq did not find risky is not
    texted to the person, one screened a scam still is (Twilio's log, the sandbox's)."""
    tenant = _provision(world.sandbox, world.runtime_url)
    asyncio.run(_register(world.database_url, tenant))
    asyncio.run(_alerts_suspended(world.database_url, tenant.slug))
    own = unique_caller()
    enrolled = httpx.post(
        f"{world.runtime_url}/operator/people/",
        json={"slug": tenant.slug, "email": f"{tenant.slug}@example.org", "own_number": own},
        headers={"Authorization": "Bearer op-token"},
        timeout=10.0,
    )
    assert enrolled.status_code == 201, enrolled.text
    world.sandbox.control.sip_endpoint(tenant.sip_address, "no-answer")

    def notices() -> list[dict[str, Any]]:
        async def read() -> list[dict[str, Any]]:
            store = store_for_url(world.database_url)
            tables = bind_tables(store.engine(tenant.slug))
            rows = await tables.Notice.select().order_by(tables.Notice.id).run()
            await store.close()
            return [dict(r) for r in rows]

        return asyncio.run(read())

    def texts() -> list[str]:
        return [m["body"] for m in world.sandbox.control.messages() if m["to"] == own]

    world.sandbox.control.inbound_call(tenant.phone_number, unique_caller(), _segments(LEGIT))
    _until(lambda: [n for n in notices() if n["status"] == "skipped"], "missed call suspended")
    assert [t for t in texts() if "appel manqué" in t] == []
    world.sandbox.control.inbound_call(tenant.phone_number, unique_caller(), _segments(SCAM))
    [warned] = _until(lambda: [t for t in texts() if "appel manqué" in t], "scam missed call")
    assert "fraude probable" in warned
    first, scam = notices()  # the legit call's stays unsent; the scam's went
    assert first["status"] == "skipped"
    assert first["message_sid"] is None
    assert scam["id"] > first["id"]
    assert 'ethiq_person_notices_total{outcome="suspended"} 1.0' in world.metrics()
    assert world.sandbox.control.violations() == []


def test_the_person_is_texted_once_when_their_alerts_are_suspended(
    world: World, tmp_path: Path
) -> None:
    """A failed payment's grace over: the metering job (here run in process, against the
    sandbox) texts the person, in their language, through the tenant's Messaging Service,
    that their contacts are no longer alerted; once per suspension, whatever the passes."""
    sandbox = world.sandbox
    twilio = TwilioSettings(
        public_url=PUBLIC,
        account_sid=sandbox.account_sid,
        auth_token=sandbox.auth_token,
        api_base_url=sandbox.base_url,
    )
    settings = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite", twilio=twilio)
    grace = timedelta(days=settings.billing.payment_grace_days)

    async def scenario() -> None:
        app = create_app(settings)
        async with app.lifespan():
            runtime: Runtime = app.state.runtime
            for language, said in (
                ("fr-CA", "ils ne seront plus prévenus d'un appel frauduleux"),
                ("en-US", "they will not be told of a scam call"),
            ):
                tenant = _provision(sandbox, PUBLIC)  # a fr-CA tenant: the person's language
                await runtime.registry.upsert(tenant)
                await runtime.storage.ensure(tenant.slug)
                own, now = unique_caller(), datetime.now(UTC)
                await add_person(runtime, tenant, language=language, own_number=own)
                await runtime.accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
                await runtime.accounts._lifecycle(tenant.slug, "past_due", now)

                def texts(own: str = own) -> list[dict[str, Any]]:
                    return [m for m in sandbox.control.messages() if m["to"] == own]

                await runtime.quotas.meter(now)  # the payment notice, at once
                assert len(texts()) == 1
                await runtime.quotas.meter(now + grace - timedelta(minutes=15))
                assert len(texts()) == 1  # still in the grace: nothing more
                # Every pass of the job (every 15 minutes) past the grace: one text.
                for minutes in (1, 16, 31, 60 * 24):
                    await runtime.quotas.meter(now + grace + timedelta(minutes=minutes))
                payment, suspended = texts()
                assert said in suspended["body"]
                assert suspended["messaging_service_sid"] == tenant.messaging_service_sid
                assert suspended["from"] == tenant.phone_number
                assert sms_segments(suspended["body"]) == ("GSM-7", 2)
                [notice] = [
                    n for n in await runtime.quotas.notices(tenant.slug) if n.metric == SUSPENDED
                ]
                assert suspended["body"].endswith(f"Ref #q{notice.id}")
                assert payment["sid"] != suspended["sid"]
                incidents = await runtime.fleet.incidents.recent()
                [told] = [
                    i for i in incidents if tenant.slug in i.title and "suspended," in i.title
                ]
                assert told.source == "billing"

    asyncio.run(scenario())
    assert sandbox.control.violations() == []


def test_insecure_sip_uri_is_refused_by_an_encrypted_app(world: World) -> None:
    """What the issue saw: an app set to "encryption mandatory" refuses a URI without
    ``;secure=true``. The sandbox models it; the runtime's URI passes."""
    world.person("answer", secure_only=True)
    control = world.sandbox.control
    # Through Twilio's own API, a participant to the plain URI fails; the secure one answers.
    credentials = TwilioCredentials(
        world.sandbox.account_sid, world.sandbox.auth_token, world.sandbox.base_url
    )
    client = make_client(credentials, account_sid=world.tenant.subaccount_sid)
    plain = client.conferences("probe-plain").participants.create(
        from_=world.tenant.phone_number, to=world.tenant.sip_address, label="p"
    )
    secure = client.conferences("probe-secure").participants.create(
        from_=world.tenant.phone_number, to=world.tenant.sip_address + ";secure=true", label="p"
    )

    def status(sid: str) -> str:
        return str(next(c for c in control.state()["calls"] if c["sid"] == sid)["status"])

    assert _until(lambda: status(plain.call_sid) == "failed", "plain URI refused")
    assert _until(lambda: status(secure.call_sid) == "in-progress", "secure URI answered")


def test_transcription_error_is_counted_logged_and_marked(world: World) -> None:
    """A language the pinned model refuses: Twilio sends transcription-error; the runtime
    must not stay silent about a call it no longer screens."""
    sandbox, tenant = world.sandbox, world.tenant
    world.person("answer")
    # The sandbox refuses what Twilio refuses; here the call's params come from a signed post
    # the runtime receives exactly as it would from Twilio.
    from runtime.telephony.signatures import sign  # noqa: PLC0415

    call = sandbox.control.register_call(tenant.phone_number, unique_caller())
    voice = {
        "CallSid": call["sid"],
        "AccountSid": tenant.subaccount_sid,
        "From": call["from"],
        "To": tenant.phone_number,
        "CallStatus": "ringing",
    }
    url = world.runtime_url + paths.VOICE
    answered = httpx.post(
        url, data=voice, headers={"X-Twilio-Signature": sign(tenant.auth_token, url, voice)}
    )
    assert answered.status_code == 200
    event = {
        "AccountSid": tenant.subaccount_sid,
        "CallSid": call["sid"],
        "TranscriptionEvent": "transcription-error",
        "TranscriptionErrorCode": "32650",
        "TranscriptionError": "language fr-CA is not supported by google long",
        "SequenceId": "1",
    }
    query = f"tenant={tenant.slug}"
    url = f"{world.runtime_url}{paths.TRANSCRIPTION}?{query}"
    response = httpx.post(
        url, data=event, headers={"X-Twilio-Signature": sign(tenant.auth_token, url, event)}
    )
    assert response.status_code == 204
    assert 'ethiq_transcription_errors_total{code="32650"} 1.0' in world.metrics()
    assert "is NOT being screened" in world.log.read_text()
    assert world.row(call["sid"])["degraded"] == "transcription-error"


def _counter(metrics: str, sample: str) -> float:
    line = next((m for m in metrics.splitlines() if m.startswith(sample + " ")), None)
    return 0.0 if line is None else float(line.rsplit(" ", 1)[1])


def test_a_transcription_twilio_stops_mid_call_is_restarted_marked_and_counted(
    fresh: World,
) -> None:
    """Twilio stops the call's transcription on its own while the call goes on: the runtime
    tells that from the call's end by the call's status (the event does not say), counts it,
    logs what to check, marks the call, and starts a new transcription through the REST API,
    without touching the call's TwiML: the person stays on the line and the rest of the call
    is screened (a restarted transcription numbers its events from 1 again)."""
    stopped = 'ethiq_transcription_errors_total{code="stopped"}'
    before = _counter(fresh.metrics(), stopped)
    report = fresh.call(SCAM, transcription_fails_at=10.0)  # before the third line
    caller, person = _leg(report, "caller"), _leg(report, "person")
    failed = next(_seq(e) for e in caller["events"] if "transcription stopped by Twilio" in e)
    restarted = [_seq(e) for e in caller["events"] if "transcription started" in e]
    assert len(restarted) == 2
    assert restarted[0] < failed < restarted[1]
    assert [e for e in caller["events"] if "transcribed " in e and _seq(e) > restarted[1]]
    # Nobody was re-dialled or dropped: the call's TwiML was never replaced.
    assert report["updates"] == []
    assert len([e for e in person["events"] if "dialling" in e]) == 1
    assert not any("redirected" in e for e in person["events"] + caller["events"])
    # Every line was stored, those after the restart too, and the scam was still caught.
    row = fresh.row(report["call_sid"])
    assert fresh.segments(int(row["id"])) == [text for _, text in SCAM]
    assert row["verdict"] == "scam"
    assert row["degraded"] == "transcription-stopped"
    assert _counter(fresh.metrics(), stopped) == before + 1
    log = fresh.log.read_text()
    assert f"call {report['call_sid']} of {fresh.tenant.slug}: Twilio stopped" in log
    assert "restarted it" in log
    # The restart went through Twilio's Transcriptions resource of that call.
    [create] = fresh.sandbox.control.writes(f"*/Calls/{report['call_sid']}/Transcriptions.json")
    assert create.status == 200
    assert create.form["SpeechModel"] == "telephony"  # the same pinned settings as the TwiML


@pytest.mark.parametrize(
    ("behaviour", "dial_status"),
    [("answer", "completed"), ("no-answer", "no-answer"), ("busy", "busy"), ("offline", "failed")],
)
def test_without_a_conference_the_dial_outcome_decides(
    fresh: World, behaviour: str, dial_status: str
) -> None:
    """Twilio refuses to create the person's participant (a 500): the runtime rings the app
    with ``<Dial timeout action><Sip>``; Twilio posts ``DialCallStatus`` to the action."""
    control = fresh.sandbox.control
    control.fail(500, code=20500, method="POST", path="*/Participants.json")
    fresh.person(behaviour)
    report = fresh.call(LEGIT)
    control.clear_faults()
    answer = parse_twiml(report["twiml"][0])
    dial = answer.find("Dial")
    assert dial is not None
    assert dial.get("timeout") == "25"
    assert answer.findtext("Dial/Sip") == fresh.tenant.sip_address + ";secure=true"
    caller = _leg(report, "caller")
    assert any(f"dial ended: {dial_status}" in e for e in caller["events"])
    row = fresh.row(report["call_sid"])
    assert row["degraded"] == "conference"
    if dial_status == "completed":
        assert row["outcome"] == "answered"
        assert "[beep]" not in caller["heard"]
    else:
        assert parse_twiml(report["twiml"][1]).find("Record") is not None  # the action's answer
        assert "[beep]" in caller["heard"]
        assert row["outcome"] == "voicemail"


def test_an_undelivered_alert_is_recorded_and_reported(fresh: World) -> None:
    """The carrier could not deliver (Twilio's status callback says undelivered, 30003)."""
    contact = fresh.tenant.contacts[0]
    send_sms(fresh.sandbox.control, contact.number, fresh.tenant.phone_number, "OUI")
    fresh.sandbox.control.sms_outcome(contact.number, "undelivered", 30003)
    try:
        report = fresh.call(SCAM)
        call_id = fresh.row(report["call_sid"])["id"]

        def failed() -> dict[str, Any] | None:
            async def read() -> dict[str, Any] | None:
                store = store_for_url(fresh.database_url)
                tables = bind_tables(store.engine(fresh.tenant.slug))
                row = await tables.Alert.select().where(tables.Alert.call == call_id).first()
                await store.close()
                return row if row and row["status"] == "failed" else None

            return asyncio.run(read())

        alert = _until(failed, "alert marked failed by the status callback")
        assert alert["error_code"] == 30003
        metrics = fresh.metrics()
        assert 'ethiq_alerts_total{outcome="undelivered"}' in metrics
        assert 'ethiq_alerts_total{outcome="unreached"}' in metrics  # the only consenting one
        log = fresh.log.read_text()
        assert "was NOT reached" in log
        assert "NO emergency contact could be reached" in log
        marks = (fresh.row(report["call_sid"])["degraded"] or "").split(",")
        assert {"alert-undelivered", "alert-unreached"} <= set(marks)
    finally:
        fresh.sandbox.control.sms_outcome(contact.number, "delivered")


def test_an_undelivered_alert_goes_to_the_next_contact_in_priority_order(world: World) -> None:
    """The first contact's carrier cannot deliver (Twilio's status callback: undelivered,
    30003): the next contact by priority is alerted, in their own language, through the
    tenant's Messaging Service; each got one text (Twilio's log, the sandbox's)."""
    control = world.sandbox.control
    first = TenantContact(unique_caller(), "Marie", 1, "fr-CA")
    second = TenantContact(unique_caller(), "John", 2, "en-US")
    tenant = replace(_provision(world.sandbox, world.runtime_url), contacts=(first, second))
    asyncio.run(_register(world.database_url, tenant))
    control.sip_endpoint(tenant.sip_address, "answer")
    assert "Merci" in send_sms(control, first.number, tenant.phone_number, "Oui j'accepte")
    assert "Thank you" in send_sms(control, second.number, tenant.phone_number, "Yes I agree")
    control.sms_outcome(first.number, "undelivered", 30003)
    try:
        report = control.inbound_call(tenant.phone_number, unique_caller(), _segments(SCAM))

        def alerted(to: str) -> list[dict[str, Any]]:
            return [
                m
                for m in control.messages()
                if m["to"] == to and report["call_sid"][-6:] in m["body"]
            ]

        [to_second] = _until(lambda: alerted(second.number), "the next contact alerted")
        [to_first] = alerted(first.number)
        assert "ALERTE FRAUDE" in to_first["body"]
        assert "FRAUD ALERT" in to_second["body"]  # John's own language, not the tenant's
        assert to_second["messaging_service_sid"] == tenant.messaging_service_sid
        sids = [m["sid"] for m in control.messages()]  # oldest first
        assert sids.index(to_first["sid"]) < sids.index(to_second["sid"])
    finally:
        control.sms_outcome(first.number, "delivered")
    assert control.violations() == []


def test_keywords_twilio_handles_are_not_answered_twice_and_stay_consistent(
    fresh: World,
) -> None:
    """ARRÊT: the Messaging Service's Advanced Opt-Out blocks and answers in French; the runtime
    records it from ``OptOutType`` and stays silent. "Oui merci" cannot lift Twilio's block (not
    the whole body), so the contact is told what to send instead of being recorded as
    consenting while every alert would fail with 21610; "OUI" alone does lift it."""
    control, tenant = fresh.sandbox.control, fresh.tenant
    contact = tenant.contacts[0].number
    assert "confirmé" in send_sms(control, contact, tenant.phone_number, "Oui j'accepte")
    stop = control.inbound_sms(contact, tenant.phone_number, "ARRÊT")
    assert stop["opt_out_type"] == "STOP"
    assert "ne recevrez plus" in stop["twilio_reply"]
    assert parse_twiml(stop["reply_twiml"]).find("Message") is None  # no second reply
    again = control.inbound_sms(contact, tenant.phone_number, "Oui merci")
    assert again["opt_out_type"] is None  # not a keyword alone: forwarded only
    assert "START" in again["reply_twiml"]
    report = fresh.call(SCAM)  # a scam now alerts nobody: no consent, no 21610 attempt
    row = fresh.row(report["call_sid"])
    assert row["verdict"] == "scam"
    assert fresh.alerts(row["id"]) == []  # written with the verdict, in the same transaction
    start = control.inbound_sms(contact, tenant.phone_number, "oui")
    assert start["opt_out_type"] == "START"
    assert parse_twiml(start["reply_twiml"]).find("Message") is None
    before = {m["sid"] for m in control.messages()}
    fresh.call(SCAM)
    sent = _until(
        lambda: [m for m in control.messages() if m["sid"] not in before and m["to"] == contact],
        "alert after OUI",
    )
    assert sent[0]["messaging_service_sid"] == tenant.messaging_service_sid
    assert "ALERTE" in sent[0]["body"]


def test_911_from_the_sip_app_reaches_a_dispatcher_only_with_the_persons_address(
    fresh: World,
) -> None:
    """The SIP app dials 933 (Twilio's address test) through the runtime's ``/twilio/sip``:
    without an emergency address the call goes to a national centre; once the stack's address
    is on the number and emergency calling on the domain, 933 reads that address back."""
    control, tenant = fresh.sandbox.control, fresh.tenant
    domain_name = tenant.sip_address.partition("@")[2]
    dial = f"sip:933@{domain_name}"
    before = control.sip_call(tenant.sip_address, dial)
    assert _leg(before, "emergency-national-centre")["from"] == tenant.phone_number

    credentials = TwilioCredentials(
        fresh.sandbox.account_sid, fresh.sandbox.auth_token, fresh.sandbox.base_url
    )
    client = make_client(credentials, account_sid=tenant.subaccount_sid)
    address = client.addresses.create(
        customer_name="Lucie",
        street="1234 rue Sainte-Catherine O",
        city="Montréal",
        region="QC",
        postal_code="H3B 1A1",
        iso_country="CA",
        emergency_enabled=True,
    )
    [number] = client.incoming_phone_numbers.list(phone_number=tenant.phone_number)
    client.incoming_phone_numbers(number.sid).update(emergency_address_sid=address.sid)
    [domain] = [d for d in client.sip.domains.list() if d.domain_name == domain_name]
    client.sip.domains(domain.sid).update(
        emergency_calling_enabled=True, emergency_caller_sid=number.sid
    )
    after = control.sip_call(tenant.sip_address, dial)
    assert _leg(after, "emergency-test")["heard"] == [
        "[933] 1234 rue Sainte-Catherine O, Montréal, QC H3B 1A1"
    ]


def test_the_forwarding_test_call_proves_forwarding_or_says_what_to_check(world: World) -> None:
    """The platform calls the person's own number (a handset the sandbox models, with its
    carrier's forwarding): it comes back to the Ethiq number only when the phone forwards."""
    control, tenant = world.sandbox.control, world.tenant
    own = unique_caller()
    auth = {"Authorization": "Bearer op-token"}
    with httpx.Client(base_url=world.runtime_url, headers=auth, timeout=10.0) as http:
        body = {"slug": tenant.slug, "email": f"{tenant.slug}@example.org", "own_number": own}
        assert http.post("/operator/people/", json=body).status_code == 201
        url = f"/operator/people/{tenant.slug}/onboarding"

        def placed(path: str, key: str) -> dict[str, Any]:
            """Start a test call through the operator route; the view once it ended."""
            started = http.post(f"/operator/people/{tenant.slug}/{path}")
            assert started.status_code == 201, started.text
            sid = started.json()["call_sid"]

            def ended() -> dict[str, Any] | None:
                out: dict[str, Any] = http.get(url).json()
                test = out[key]
                return out if test["call_sid"] == sid and test["status"] != "calling" else None

            done: dict[str, Any] = _until(ended, f"{path} call ended")
            return done

        def app_test() -> dict[str, Any]:
            return placed("app-test", "app_test")

        # The SIP app first: Twilio rings it; an app not signed in cannot be reached.
        control.sip_endpoint(tenant.sip_address, "offline")
        offline = app_test()
        assert (offline["app_test"]["status"], offline["app_test"]["outcome"]) == (
            "failed",
            "failed",
        )
        assert offline["current"] == "sip_app_configured"
        control.sip_endpoint(tenant.sip_address, "answer")
        answered_app = app_test()
        assert answered_app["app_test"]["status"] == "passed"
        step = next(s for s in answered_app["steps"] if s["step"] == "sip_app_configured")
        assert "answered by the SIP app" in step["how"], step
        assert not step["how"].startswith("by an operator")
        assert answered_app["current"] == "forwarding_verified"
        [ring] = [c for c in control.state()["calls"] if c["to"].startswith("sip:")][-1:]
        assert ring["to"].endswith(";secure=true")
        assert ring["from"] == tenant.phone_number

        def test_call() -> dict[str, Any]:
            return placed("forwarding-test", "forwarding_test")

        control.handset(own, "off")
        failed = test_call()["forwarding_test"]
        assert (failed["status"], failed["outcome"]) == ("failed", "no-answer")
        # Forwarded only when unanswered, and the person picked up: they heard why.
        control.handset(own, "no-answer", tenant.phone_number, answers=True)
        answered = test_call()
        assert answered["forwarding_test"]["outcome"] == "completed"
        assert answered["current"] == "forwarding_verified"
        [leg] = [c for c in control.state()["calls"] if c["to"] == own][-1:]
        assert leg["from"] == tenant.phone_number  # the Ethiq number is the caller ID
        # Unanswered, the carrier forwards it after ringing: it comes back with ForwardedFrom.
        before = {c["sid"] for c in control.state()["calls"]}
        control.handset(own, "no-answer", tenant.phone_number, ring_s=25)
        passed = test_call()
        assert passed["forwarding_test"]["status"] == "passed"
        assert passed["forwarding_test"]["forwarded_from"] == own
        step = next(s for s in passed["steps"] if s["step"] == "forwarding_verified")
        assert step["done"], passed
        assert f"ForwardedFrom {own}" in step["how"]
        assert passed["current"] != "forwarding_verified"  # on to the contacts' consent
        # The arrival was answered with words and <Hangup/>: nothing was dialled, no loop.
        new = [c for c in control.state()["calls"] if c["sid"] not in before]
        assert sorted(c["direction"] for c in new) == ["inbound", "outbound-api"]
        [arrival] = [c for c in new if c["direction"] == "inbound"]
        assert (arrival["from"], arrival["to"]) == (tenant.phone_number, tenant.phone_number)

        # The full test: forwarded back, the call rings the app; answering there ends it.
        send_sms(control, tenant.contacts[0].number, tenant.phone_number, "Oui")
        consented = _until(
            lambda: (o := http.get(url).json())["current"] == "test_call_passed" and o,
            "contact consented",
        )
        assert consented["test_call"] is None

        def full_test() -> dict[str, Any]:
            return placed("test-call", "test_call")

        control.sip_endpoint(tenant.sip_address, "no-answer")
        missed = full_test()
        assert (missed["test_call"]["status"], missed["test_call"]["outcome"]) == (
            "failed",
            "app-no-answer",
        )
        assert missed["test_call"]["forwarded_from"] == own  # it did come back
        control.sip_endpoint(tenant.sip_address, "answer")
        before = {c["sid"] for c in control.state()["calls"]}
        full = full_test()
        assert full["test_call"]["status"] == "passed", full
        step = next(s for s in full["steps"] if s["step"] == "test_call_passed")
        assert f"forwarded from {own}, answered in the SIP app" in step["how"]
        assert full["active"]
        # Three legs: the test call, its arrival, and the arrival ringing the app, only.
        new = [c for c in control.state()["calls"] if c["sid"] not in before]
        assert sorted(c["to"].split(";")[0] for c in new) == sorted(
            [own, tenant.phone_number, tenant.sip_address]
        ), new
    assert control.violations() == []


def test_quiet_hours_and_trusted_numbers_as_twilio_runs_them(fresh: World) -> None:
    """Quiet hours all day: a stranger's scam never rings the person, goes to a voicemail that
    is transcribed, and still alerts the consenting contact; a trusted number rings through,
    unscreened; a blocked number is refused (the preferences the person's page writes)."""
    tenant, contact = fresh.tenant, fresh.tenant.contacts[0]
    send_sms(fresh.sandbox.control, contact.number, tenant.phone_number, "Oui")
    daughter, pest = unique_caller(), unique_caller()

    async def prefer(hours: QuietHours | None) -> None:
        store = store_for_url(fresh.database_url)
        prefs = CallerPreferences(store.platform_engine())
        await prefs.add(tenant.slug, ListKind.TRUSTED, daughter)
        await prefs.add(tenant.slug, ListKind.BLOCKED, pest)
        await prefs.set_quiet_hours(tenant.slug, hours)
        await store.close()

    asyncio.run(prefer(QuietHours(dt_time(0, 0), dt_time(23, 59, 59), "America/Toronto")))
    try:
        report = fresh.call(SCAM)
        caller = _leg(report, "caller")
        assert [leg["label"] for leg in report["legs"]] == ["caller"]  # nobody else was rung
        assert "[beep]" in caller["heard"]
        assert len([e for e in caller["events"] if "transcribed " in e]) == 4  # caller only
        row = fresh.row(report["call_sid"])
        assert (row["verdict"], row["outcome"]) == ("scam", "voicemail")

        def alerted() -> list[dict[str, Any]]:
            return [
                m
                for m in fresh.sandbox.control.messages()
                if m["to"] == contact.number and report["call_sid"][-6:] in m["body"]
            ]

        _until(alerted, "the scam in quiet hours alerted the contact")
        trusted = fresh.call(LEGIT, caller=daughter)
        assert _leg(trusted, "person")["status"] == "completed"  # rang and answered
        assert parse_twiml(trusted["twiml"][0]).find("Start/Transcription") is None
        assert not [e for e in _leg(trusted, "caller")["events"] if "transcribed " in e]
        refused = fresh.call(LEGIT, caller=pest)
        assert parse_twiml(refused["twiml"][0]).find("Reject") is not None
    finally:
        asyncio.run(prefer(None))


def test_a_new_sip_password_from_the_page_replaces_the_old_one(world: World) -> None:
    """The person, freshly signed in, asks for a new SIP password: the page shows it once (not
    cached) with its QR code; Twilio now accepts only it for the app's REGISTER; it is in no
    log and no database (Twilio keeps the only other copy)."""
    control, tenant = world.sandbox.control, world.tenant
    credentials = TwilioCredentials(
        world.sandbox.account_sid, world.sandbox.auth_token, world.sandbox.base_url
    )
    client = make_client(credentials, account_sid=tenant.subaccount_sid)
    # What the stack made: the credential (first password), its list mapped for registrations.
    [domain] = client.sip.domains.list()
    first = "Stack1stPassword2026xyz"
    cl = client.sip.credential_lists.create(friendly_name="call-path")
    cl_creds = client.sip.credential_lists(cl.sid).credentials
    cl_creds.create(username=tenant.sip_username, password=first)
    mappings = client.sip.domains(domain.sid).auth.registrations.credential_list_mappings
    mappings.create(credential_list_sid=cl.sid)
    assert control.sip_register(domain.domain_name, tenant.sip_username, first) == 200

    email = f"{tenant.slug}@example.org"
    auth = {"Authorization": "Bearer op-token"}
    with httpx.Client(base_url=world.runtime_url, timeout=15.0) as http:
        body = {"slug": tenant.slug, "email": email}
        assert http.post("/operator/people/", json=body, headers=auth).status_code == 201
        http.get("/")
        csrf = http.cookies["csrftoken"]
        assert http.post("/login", data={"email": email, "_csrf_token": csrf}).status_code == 200
        text, _ = parts(world.inbox.wait(email, "lien de connexion"))
        path = re.search(r"https?://[^/]+(/login/\S+)", text).group(1)  # type: ignore[union-attr]
        assert http.post(path, data={"_csrf_token": csrf}).status_code == 303  # signed in
        assert "Nouveau mot de passe SIP" in http.get(f"/people/{tenant.slug}/sip").text
        forged = http.post(f"/people/{tenant.slug}/sip/password")  # no CSRF token
        assert forged.status_code == 403
        shown = http.post(f"/people/{tenant.slug}/sip/password", data={"_csrf_token": csrf})
    assert shown.status_code == 200, shown.text
    assert shown.headers["cache-control"] == "no-store"
    password = re.search(r'id="sip-password">([A-Za-z0-9]+)<', shown.text).group(1)  # type: ignore[union-attr]
    assert password != first
    assert "<svg" in shown.text  # the QR code, inline
    assert control.sip_register(domain.domain_name, tenant.sip_username, first) == 401
    assert control.sip_register(domain.domain_name, tenant.sip_username, password) == 200
    # An operator can do the same (a person without a browser at hand): the page's one is void.
    rotated = httpx.post(
        f"{world.runtime_url}/operator/people/{tenant.slug}/sip-password", headers=auth
    )
    assert rotated.status_code == 201, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    by_operator = rotated.json()["password"]
    assert control.sip_register(domain.domain_name, tenant.sip_username, password) == 401
    assert control.sip_register(domain.domain_name, tenant.sip_username, by_operator) == 200
    assert "SIP password of" in world.log.read_text()
    data = Path(world.database_url.removeprefix("sqlite:///")).parent
    for secret in (password, by_operator):
        assert secret not in world.log.read_text()
        for stored in data.rglob("*.sqlite*"):
            assert secret.encode() not in stored.read_bytes(), stored
    assert control.violations() == []


def test_each_monitored_number_has_its_codes_its_test_call_and_its_verified_state(
    world: World,
) -> None:
    """The spouse's phone the stack monitors (ethiq:monitoredNumbers): the person's page gives
    its carrier's codes with the Ethiq number filled in and places its own test call; the
    call comes back forwarded from that phone and the page says its forwarding is verified,
    the person's own forwarding test and onboarding step untouched."""
    control, tenant = world.sandbox.control, world.tenant
    [spouse] = tenant.monitored_numbers
    email = f"{tenant.slug}@example.org"
    auth = {"Authorization": "Bearer op-token"}
    with httpx.Client(base_url=world.runtime_url, timeout=15.0) as http:
        body = {"slug": tenant.slug, "email": email, "own_number": unique_caller()}
        assert http.post("/operator/people/", json=body, headers=auth).status_code == 201
        onboarding = f"/operator/people/{tenant.slug}/onboarding"
        own_test = http.get(onboarding, headers=auth).json()["forwarding_test"]
        http.get("/")
        csrf = http.cookies["csrftoken"]
        sent = len([m for m in world.inbox.messages(email) if "lien" in str(m["Subject"])])
        assert http.post("/login", data={"email": email, "_csrf_token": csrf}).status_code == 200
        text, _ = parts(world.inbox.wait(email, "lien de connexion", sent + 1))
        path = re.search(r"https?://[^/]+(/login/\S+)", text).group(1)  # type: ignore[union-attr]
        assert http.post(path, data={"_csrf_token": csrf}).status_code == 303  # signed in

        def section() -> str:
            page = http.get(f"/people/{tenant.slug}").text
            return page.split('id="monitored"', 1)[1].split("<h2", 1)[0]

        shown = section()
        assert f'Paul · <span class="number">{spouse.number}</span>' in shown
        assert f"**21*{tenant.phone_number}#" in shown  # Bell's code, the Ethiq number in it
        assert 'data-verified="no"' in shown
        # Another number than the stack's is no test call the page may place.
        before = len(control.state()["calls"])
        stranger = http.post(
            f"/people/{tenant.slug}/monitored/test",
            data={"number": unique_caller(), "_csrf_token": csrf},
        )
        assert stranger.status_code == 303
        assert stranger.headers["location"].endswith("?error=monitored#monitored")
        assert len(control.state()["calls"]) == before
        # Its phone forwards everything to the Ethiq number: the test call comes back.
        control.handset(spouse.number, "unconditional", tenant.phone_number)
        started = http.post(
            f"/people/{tenant.slug}/monitored/test",
            data={"number": spouse.number, "_csrf_token": csrf},
            follow_redirects=False,
        )
        assert started.status_code == 303, started.text

        def verified() -> dict[str, Any] | None:
            out: dict[str, Any] = http.get(onboarding, headers=auth).json()
            [m] = out["monitored"]
            test = m["forwarding_test"]
            return out if test is not None and test["status"] != "calling" else None

        out = _until(verified, "the monitored number's test call ended")
        [m] = out["monitored"]
        assert m["verified"], m
        assert m["forwarding_test"]["forwarded_from"] == spouse.number
        assert out["forwarding_test"] == own_test  # the person's own test is another one
        step = next(s for s in out["steps"] if s["step"] == "forwarding_verified")
        assert spouse.number not in (step["how"] or "")
        assert 'data-verified="yes"' in section()
    [leg] = [c for c in control.state()["calls"] if c["to"] == spouse.number][-1:]
    assert leg["from"] == tenant.phone_number  # from the Ethiq number, as every test call
    assert control.violations() == []
