"""The runtime served by Granian (``ethiq serve``) against the Twilio sandbox, end to end.

A signed voice webhook over real HTTP is answered with TwiML (the call's conference); the person
is rung into it through the tenant's subaccount; transcription events of a scam announce the
warning to the person's participant; the outbox worker started with the app sends the alert SMS
from the tenant's number to the consenting contact.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ethiq.sandbox.server import SandboxHandle, free_port, running_sandbox
from runtime.storage import store_for_url
from runtime.telephony import paths
from runtime.telephony.signatures import SIGNATURE_HEADER, public_url, sign
from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.tenants import Registry, TenantContact, TenantRecord
from tests.runtime.helpers import REGISTRY_KEY, SCAM_LINES_FR, parse_twiml, unique_caller

READY_TIMEOUT_S = 30.0


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


def _until(check: Callable[[], Any], what: str) -> Any:
    """Poll ``check`` until it returns something truthy (readiness, not timing)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {READY_TIMEOUT_S}s")


def _tenant_in_sandbox(sandbox: SandboxHandle, public: str) -> TenantRecord:
    credentials = TwilioCredentials(sandbox.account_sid, sandbox.auth_token, sandbox.base_url)
    sub = make_client(credentials).api.v2010.accounts.create(friendly_name="served")
    client = make_client(credentials, account_sid=sub.sid)
    [available] = client.available_phone_numbers("CA").local.list(
        in_region="QC", voice_enabled=True, sms_enabled=True, limit=1
    )
    urls = paths.webhook_urls(public)
    number = client.incoming_phone_numbers.create(
        phone_number=available.phone_number,
        voice_url=urls["voice_url"],
        sms_url=urls["sms_url"],
        status_callback=urls["status_callback"],
    )
    slug = "served-" + sub.sid[-8:].lower()
    return TenantRecord(
        slug=slug,
        phone_number=number.phone_number,
        sip_address=f"sip:{slug}@x.sip.twilio.com",
        sip_username=slug,
        subaccount_sid=sub.sid,
        auth_token=sub.auth_token,
        contacts=(TenantContact(unique_caller(), "Marie", 1, "fr-CA"),),
    )


async def _register(database_url: str, tenant: TenantRecord) -> None:
    registry = Registry(store_for_url(database_url), REGISTRY_KEY)
    await registry.migrate()
    await registry.upsert(tenant)
    await store_for_url(database_url).ensure(tenant.slug)
    await registry.close()


def test_served_by_granian_end_to_end(sandbox: SandboxHandle, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    public = "https://ethiq.example.org"
    database_url = f"sqlite:///{tmp_path}/ethiq.sqlite"
    tenant = _tenant_in_sandbox(sandbox, public)
    asyncio.run(_register(database_url, tenant))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ETHIQ_PUBLIC_URL": public,
        "ETHIQ_REGISTRY_KEY": REGISTRY_KEY,
        "ETHIQ_OPERATOR_TOKEN": "op-token",
        "TWILIO_ACCOUNT_SID": sandbox.account_sid,
        "TWILIO_AUTH_TOKEN": sandbox.auth_token,
        "TWILIO_API_BASE_URL": sandbox.base_url,
        "ETHIQ_OUTBOX_POLL_S": "0.1",
    }
    env.pop("REDIS_URL", None)
    log = (tmp_path / "runtime.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-c", "from ethiq.cli import app; app()", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        with httpx.Client(base_url=base, timeout=10.0) as http:

            def live() -> bool:
                if server.poll() is not None:
                    raise AssertionError((tmp_path / "runtime.log").read_text())
                try:
                    return http.get("/health/live").status_code == 200
                except httpx.TransportError:
                    return False

            _until(live, "runtime listening")

            def post(path: str, params: dict[str, str], query: str = "") -> httpx.Response:
                url = public_url(public, path, query)
                headers = {SIGNATURE_HEADER: sign(tenant.auth_token, url, params)}
                return http.post(f"{path}?{query}" if query else path, data=params, headers=headers)

            contact = tenant.contacts[0]
            consent = post(
                paths.SMS,
                {
                    "MessageSid": "SM" + "1" * 32,
                    "AccountSid": tenant.subaccount_sid,
                    "From": contact.number,
                    "To": tenant.phone_number,
                    "Body": "OUI",
                },
            )
            assert consent.status_code == 200
            assert "Merci" in consent.text

            caller = unique_caller()
            call = sandbox.control.register_call(tenant.phone_number, caller)
            voice = post(
                paths.VOICE,
                {
                    "CallSid": call["sid"],
                    "AccountSid": tenant.subaccount_sid,
                    "From": caller,
                    "To": tenant.phone_number,
                    "CallStatus": "ringing",
                },
            )
            assert voice.status_code == 200
            conference = f"ethiq-{call['sid']}"
            assert parse_twiml(voice.text).findtext("Dial/Conference") == conference
            unsigned = http.post(
                paths.VOICE, data={"To": tenant.phone_number, "AccountSid": tenant.subaccount_sid}
            )
            assert unsigned.status_code == 403

            for n, line in enumerate(SCAM_LINES_FR, 1):
                event = {
                    "AccountSid": tenant.subaccount_sid,
                    "CallSid": call["sid"],
                    "TranscriptionEvent": "transcription-content",
                    "Track": "inbound_track",
                    "SequenceId": str(n),
                    "Final": "true",
                    "TranscriptionData": json.dumps({"transcript": line, "confidence": 0.9}),
                }
                assert post(paths.TRANSCRIPTION, event, f"tenant={tenant.slug}").status_code == 204

            state = sandbox.control.state()
            [live_call] = [c for c in state["calls"] if c["sid"] == call["sid"]]
            assert live_call["twiml"] == []  # the call itself is never updated: nobody re-rung
            # The person was rung into the call's conference, and the live warning was
            # announced to their participant (its URL is the runtime's public one).
            [room] = [c for c in state["conferences"] if c["friendly_name"] == conference]
            [person] = [p for p in room["participants"] if p["label"] == "person"]
            [leg] = [c for c in state["calls"] if c["sid"] == person["call_sid"]]
            assert leg["to"] == tenant.sip_address + ";secure=true"
            announced = [
                e
                for e in sandbox.control.requests(method="POST", path="*/Participants/person.json")
                if e.form.get("AnnounceUrl")
            ]
            assert len(announced) == 1
            assert announced[0].form["AnnounceUrl"] == (
                f"{public}{paths.WHISPER}?tenant={tenant.slug}&kind=live"
            )
            said = post(
                paths.WHISPER,
                {"AccountSid": tenant.subaccount_sid, "CallSid": "CA" + "0" * 32},
                f"tenant={tenant.slug}&kind=live",
            )
            assert "fraude" in said.text

            def alert_sent() -> list[dict[str, Any]]:
                # The contact may have been invited first (the invitation worker runs too).
                return [
                    m
                    for m in sandbox.control.messages()
                    if m["to"] == contact.number and "ALERTE" in m["body"]
                ]

            [message] = _until(alert_sent, "alert SMS sent by the outbox worker")
            assert message["from"] == tenant.phone_number
            assert message["account_sid"] == tenant.subaccount_sid
            assert "ALERTE FRAUDE" in message["body"]
            assert caller in message["body"]
            assert sandbox.control.violations() == []  # every request met Twilio's contract

        # Clients that drop their requests halfway through the body, then SIGTERM (as ECS
        # stops a task): the runtime still stops, cleanly.
        for _ in range(5):
            with socket.create_connection(("127.0.0.1", port)) as dropped:
                dropped.sendall(
                    b"POST /twilio/voice HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n\r\nTo=%2B1"
                )
        server.terminate()
        assert server.wait(timeout=30) == 0, (tmp_path / "runtime.log").read_text()[-3000:]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=15)
        log.close()
