"""Building blocks of the runtime tests: tenants, signed webhooks, fakes for Twilio's REST API."""

from __future__ import annotations

import itertools
import json
import secrets
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from litestar import Litestar

from runtime.alerts import SendError
from runtime.email import Mailer
from runtime.people.tables import Person
from runtime.settings import (
    AlertSettings,
    DatabaseSettings,
    SecuritySettings,
    Settings,
    StoreSettings,
    TwilioSettings,
)
from runtime.storage import bind_table
from runtime.telephony import paths
from runtime.telephony.signatures import SIGNATURE_HEADER, public_url, sign
from runtime.tenants import TenantContact, TenantRecord, generate_key
from runtime.web.app import create_app
from runtime.web.state import Runtime

PUBLIC = "https://ethiq.example.org"
OPERATOR = "operator-" + "x" * 24
PARENT_TOKEN = "parent-" + "y" * 24

# One key for the whole session: the PostgreSQL registry is shared by every test.
REGISTRY_KEY = generate_key()

_counter = itertools.count(1000)


def _valid(area: str) -> str:
    # Exchanges 200-999 (NANP: never 0 or 1 first); 555 would be fictional.
    exchange = 200 + next(_counter) % 800
    if exchange == 555:
        exchange = 556
    return f"+1{area}{exchange:03d}{uuid.uuid4().int % 10000:04d}"


def unique_number() -> str:
    """A fresh, valid Montreal number for a tenant."""
    return _valid("514")


def unique_caller() -> str:
    """A fresh, valid caller number (another area code than tenants')."""
    return _valid("438")


def sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def make_settings(database_url: str, redis_url: str = "", **overrides: Any) -> Settings:
    settings = Settings(
        database=DatabaseSettings(url=database_url, timeout_s=3.0),
        store=StoreSettings(redis_url=redis_url, timeout_s=1.0),
        twilio=TwilioSettings(public_url=PUBLIC, account_sid=sid("AC"), auth_token=PARENT_TOKEN),
        security=SecuritySettings(registry_key=(REGISTRY_KEY,), operator_token=OPERATOR),
        # Tests share a database: an acknowledgement deadline that real time (or a test's jump
        # two hours ahead) reaches would pass other tests' sent alerts on. The chain's tests set it.
        alerts=AlertSettings(worker=False, lease_s=60.0, backoff_base_s=5.0, ack_s=86_400.0),
    )
    return settings.model_copy(update=overrides)


def make_tenant(
    language: str = "fr-CA",
    contacts: tuple[TenantContact, ...] | None = None,
    **overrides: Any,
) -> TenantRecord:
    slug = f"rt-{uuid.uuid4().hex[:10]}"
    if contacts is None:
        contacts = (
            TenantContact(unique_caller(), "Marie", priority=2, language="fr-CA"),
            TenantContact(unique_caller(), "John", priority=1, language="en-US"),
        )
    values: dict[str, Any] = {
        "slug": slug,
        "phone_number": unique_number(),
        "sip_address": f"sip:{slug}@{slug}.sip.twilio.com",
        "sip_username": slug,
        "subaccount_sid": sid("AC"),
        "auth_token": secrets.token_hex(16),
        "language": language,
        "region": "QC",
        "contacts": contacts,
        **overrides,
    }
    return TenantRecord(**values)


@dataclass
class FakeSender:
    """Twilio's Messages API as the outbox sees it; ``failures`` are raised first, in order."""

    sent: list[dict[str, str]] = field(default_factory=list)
    failures: list[SendError] = field(default_factory=list)
    delivered_without_answer: int = 0  # next N sends reach Twilio, then the answer is lost

    async def send(self, tenant: TenantRecord, to: str, body: str, status_callback: str) -> str:
        if self.failures:
            raise self.failures.pop(0)
        message_sid = sid("SM")
        self.sent.append(
            {
                "sid": message_sid,
                "from": tenant.phone_number,
                "to": to,
                "body": body,
                "account": tenant.subaccount_sid,
                "callback": status_callback,
            }
        )
        if self.delivered_without_answer:
            self.delivered_without_answer -= 1
            raise SendError("read timeout")
        return message_sid

    async def find(self, tenant: TenantRecord, to: str, marker: str) -> str | None:
        for message in self.sent:
            if message["to"] == to and marker in message["body"]:
                return message["sid"]
        return None


@dataclass
class FakeUpdater:
    """Twilio's live-call API as the call path sees it; ``fail_participants``: creating the
    person's participant fails (Twilio unreachable); ``status``: every call's status as Twilio
    answers it; ``fail_transcriptions``: starting a transcription fails."""

    updates: list[tuple[str, str, str]] = field(default_factory=list)
    participants: list[dict[str, Any]] = field(default_factory=list)
    announcements: list[tuple[str, str, str, str]] = field(default_factory=list)
    transcriptions: list[dict[str, Any]] = field(default_factory=list)
    fail_participants: bool = False
    status: str = "completed"
    fail_transcriptions: bool = False

    async def update(self, tenant: TenantRecord, call_sid: str, twiml: str) -> None:
        self.updates.append((tenant.slug, call_sid, twiml))

    async def add_participant(self, tenant: TenantRecord, conference: str, **options: Any) -> str:
        if self.fail_participants:
            raise SendError("connection refused")
        self.participants.append({"tenant": tenant.slug, "conference": conference, **options})
        return sid("CA")

    async def announce(self, tenant: TenantRecord, conference: str, label: str, url: str) -> None:
        self.announcements.append((tenant.slug, conference, label, url))

    async def call_status(self, tenant: TenantRecord, call_sid: str) -> str:
        return self.status

    async def start_transcription(
        self, tenant: TenantRecord, call_sid: str, options: Mapping[str, Any]
    ) -> str:
        if self.fail_transcriptions:
            raise SendError("connection refused")
        self.transcriptions.append({"tenant": tenant.slug, "call": call_sid, **options})
        return sid("GT")


async def add_person(
    runtime: Runtime, tenant: TenantRecord, *, language: str = "fr-CA", own_number: str = ""
) -> None:
    """The tenant's person as enrolment records them (``own_number`` "": none given)."""
    person = bind_table(Person, runtime.storage.platform_engine())
    now = datetime.now(UTC)
    await person.insert(
        person(
            slug=tenant.slug,
            email=f"{tenant.slug}@example.org",
            language=language,
            own_number=own_number,
            created_at=now,
            updated_at=now,
        )
    )


@dataclass
class Harness:
    app: Litestar
    client: httpx.AsyncClient
    sender: FakeSender
    updater: FakeUpdater

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def add_tenant(self, tenant: TenantRecord | None = None) -> TenantRecord:
        tenant = tenant or make_tenant()
        await self.runtime.registry.upsert(tenant)
        await self.runtime.storage.ensure(tenant.slug)
        return tenant

    async def add_person(
        self, tenant: TenantRecord, *, language: str = "fr-CA", own_number: str = ""
    ) -> None:
        """The tenant's person as enrolment records them (``own_number`` "": none given)."""
        await add_person(self.runtime, tenant, language=language, own_number=own_number)

    async def webhook(
        self,
        path: str,
        params: Mapping[str, str],
        token: str | None,
        *,
        query: str = "",
        signed_url: str | None = None,
    ) -> Any:
        headers = {}
        if token is not None:
            url = signed_url or public_url(PUBLIC, path, query)
            headers[SIGNATURE_HEADER] = sign(token, url, params)
        target = f"{path}?{query}" if query else path
        return await self.client.post(target, data=dict(params), headers=headers)

    async def call(
        self, tenant: TenantRecord, caller: str | None = None, **extra: str
    ) -> tuple[str, Any]:
        call_sid = sid("CA")
        params = {
            "CallSid": call_sid,
            "AccountSid": tenant.subaccount_sid,
            "From": caller or unique_caller(),
            "To": tenant.phone_number,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            **extra,
        }
        return call_sid, await self.webhook(paths.VOICE, params, tenant.auth_token)

    async def stopped(self, tenant: TenantRecord, call_sid: str, restart: int = 0) -> Any:
        """Twilio's ``transcription-stopped`` (of the ``restart``-th restarted one)."""
        params = {
            "AccountSid": tenant.subaccount_sid,
            "CallSid": call_sid,
            "TranscriptionSid": sid("GT"),
            "TranscriptionEvent": "transcription-stopped",
            "SequenceId": "9",
        }
        query = f"tenant={tenant.slug}" + (f"&restart={restart}" if restart else "")
        return await self.webhook(paths.TRANSCRIPTION, params, tenant.auth_token, query=query)

    async def say(
        self,
        tenant: TenantRecord,
        call_sid: str,
        sequence: int,
        text: str,
        track: str = "inbound_track",
        final: bool = True,
    ) -> Any:
        params = {
            "AccountSid": tenant.subaccount_sid,
            "CallSid": call_sid,
            "TranscriptionSid": "GT" + call_sid[2:],
            "TranscriptionEvent": "transcription-content",
            "Track": track,
            "SequenceId": str(sequence),
            "Final": "true" if final else "false",
            "LanguageCode": tenant.language,
            "TranscriptionData": json.dumps({"transcript": text, "confidence": 0.9}),
        }
        return await self.webhook(
            paths.TRANSCRIPTION, params, tenant.auth_token, query=f"tenant={tenant.slug}"
        )


def parse_twiml(text: str) -> ET.Element:
    """Our own server's TwiML (trusted test data)."""
    return ET.fromstring(text)  # noqa: S314


@asynccontextmanager
async def harness(
    settings: Settings,
    *,
    mailer: Mailer | None = None,
    real_sms: bool = False,
    clock: Callable[[], float] = time.time,
) -> AsyncIterator[Harness]:
    """``real_sms``: texts go to ``settings.twilio``'s API (the sandbox), not to ``sender``;
    ``clock``: the runtime's now."""
    sender, updater = FakeSender(), FakeUpdater()
    app = create_app(
        settings,
        sender=None if real_sms else sender,
        updater=updater,
        mailer=mailer,
        clock=clock,
    )
    # Twilio's Usage Records are read only where a test points them at the sandbox.
    app.state.runtime.quotas.usage_records = None
    # The app's start-up runs in this event loop (Litestar's AsyncTestClient would run it in a
    # portal thread's loop, and a Redis connection opened there fails in this one).
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://internal.test:8000") as client,
    ):
        yield Harness(app, client, sender, updater)


SCAM_LINES_FR = (
    "Bonjour, ici le service de fraude de votre banque, votre compte est compromis.",
    "Il faut agir tout de suite, ne raccrochez pas et ne le dites à personne.",
    "Donnez-moi votre NIP et achetez des cartes-cadeaux pour protéger votre argent.",
)


def count_statements(h: Harness) -> list[str]:
    """Log every statement run on a connection of the runtime's pool from now on."""
    seen: list[str] = []
    connections: Any = h.runtime.storage._connections  # type: ignore[attr-defined]
    acquire = connections.acquire

    def logged(record: Any) -> None:
        seen.append(record.query)

    async def acquire_logged() -> Any:
        connection = await acquire()
        connection.add_query_logger(logged)  # a set: added once per connection
        return connection

    connections.acquire = acquire_logged
    return seen
