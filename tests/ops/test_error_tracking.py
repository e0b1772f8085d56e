"""Sentry receives failures of the runtime, never phone numbers, speech or credentials.

A local event sink stands in for Sentry's ingest endpoint (real HTTP on loopback): the official
SDK sends it the envelopes it would send to sentry.io, and the test reads what would have left
the platform.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sentry_sdk
from litestar import Litestar, Request, post
from litestar.testing import TestClient

from runtime.observability import init_error_tracking, scrub_event
from runtime.observability.errors import FILTERED, PHONE
from runtime.settings import Settings
from runtime.web.app import create_app

CALLER = "+15145550123"
CONTACT = "514-555-0199"
TOKEN = "tok_" + "9f" * 16
SPEECH = "give me the code we sent you"


class _Sink(ThreadingHTTPServer):
    envelopes: list[bytes]


class _Handler(BaseHTTPRequestHandler):
    server: _Sink

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        elif encoding:
            raise AssertionError(f"unexpected Content-Encoding {encoding}")
        self.server.envelopes.append(raw)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        return


@pytest.fixture
def sink() -> Iterator[_Sink]:
    server = _Sink(("127.0.0.1", 0), _Handler)
    server.envelopes = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.init()  # no DSN: later tests run without error tracking
        server.shutdown()
        server.server_close()


def _dsn(sink: _Sink) -> str:
    return f"http://publickey@127.0.0.1:{sink.server_address[1]}/7"


def _events(sink: _Sink) -> list[dict[str, Any]]:
    sentry_sdk.flush(timeout=5)
    events = []
    for envelope in sink.envelopes:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def test_failures_reach_the_sink_scrubbed(sink: _Sink) -> None:
    @post("/twilio/transcription")
    async def failing(request: Request[Any, Any, Any]) -> None:
        data = await request.json()
        caller = CALLER  # local variables Sentry captures with the frame
        auth_token = TOKEN
        text = data["Body"]
        logging.getLogger("runtime.test").error("alert to %s failed for caller %s", CONTACT, caller)
        raise RuntimeError(f"segment of {caller} ({len(text)} chars) with token {auth_token}")

    assert init_error_tracking(_dsn(sink), environment="test", release="ethiq@test")
    with TestClient(Litestar([failing])) as client:
        response = client.post(
            f"/twilio/transcription?From={CALLER}",
            json={"Body": SPEECH, "From": CALLER},
            headers={"X-Twilio-Signature": TOKEN, "Authorization": f"Bearer {TOKEN}"},
        )
    assert response.status_code == 500

    events = _events(sink)
    messages = [e.get("logentry", {}).get("formatted", "") for e in events]
    exceptions = [v["type"] for e in events for v in e.get("exception", {}).get("values", [])]
    assert any("alert to" in m for m in messages), messages  # the log line arrived...
    assert "RuntimeError" in exceptions  # ...and so did the exception
    dumped = json.dumps(events)
    for secret in (CALLER, CALLER[1:], CONTACT, TOKEN, SPEECH):
        where = dumped.find(secret)
        context = dumped[max(0, where - 300) : where + 50]
        assert where < 0, f"{secret!r} reached Sentry: ...{context}"
    assert PHONE in dumped
    assert FILTERED in dumped


def test_scrubbing_keeps_what_operators_need() -> None:
    event = {
        "message": "call CA123 from +33612345678 to (514) 555-0100 escalated",
        "extra": {"tenant": "acme", "AccountSid": "AC" + "0" * 32, "TranscriptionData": "x"},
        "request": {
            "url": "https://user:pass@ethiq.example/twilio/voice",
            "headers": [["X-Twilio-Signature", "abc"], ["Content-Type", "form"]],
        },
    }
    scrubbed: dict[str, Any] = dict(scrub_event(event))  # type: ignore[arg-type]
    assert scrubbed["message"] == f"call CA123 from {PHONE} to {PHONE} escalated"
    assert scrubbed["extra"]["tenant"] == "acme"
    assert scrubbed["extra"]["AccountSid"] == "AC" + "0" * 32
    assert scrubbed["extra"]["TranscriptionData"] == FILTERED
    assert scrubbed["request"]["url"] == f"https://{FILTERED}@ethiq.example/twilio/voice"
    assert scrubbed["request"]["headers"] == [
        ["X-Twilio-Signature", FILTERED],
        ["Content-Type", "form"],
    ]


@pytest.mark.parametrize(
    "written",
    [
        "+33 6 12 34 56 78",
        "+44 20 7946 0958",
        "+33612345678",
        "(514) 555-0123",
        "514.555.0123",
        "+1 514 555 0123",
    ],
)
def test_numbers_are_hidden_however_they_are_written(written: str) -> None:
    scrubbed: dict[str, Any] = dict(scrub_event({"message": f"call from {written} escalated"}))
    assert scrubbed["message"] == f"call from {PHONE} escalated"


def test_identifiers_and_times_are_not_taken_for_numbers() -> None:
    message = "call CA" + "1" * 32 + " of acme-2 at 2026-12-02 13:45:07 took 1200 ms"
    scrubbed: dict[str, Any] = dict(scrub_event({"message": message}))
    assert scrubbed["message"] == message


def test_what_was_said_never_leaves_as_a_log_parameter(sink: _Sink) -> None:
    assert init_error_tracking(_dsn(sink), environment="test", release="ethiq@test")
    log = logging.getLogger("runtime.test")
    log.warning("segment of %s: %s", "acme", SPEECH)  # a breadcrumb of the event below
    log.error(
        "transcription of %s failed: %r", "acme", SPEECH, extra={"said": SPEECH, "tenant": "acme"}
    )
    [event] = _events(sink)
    assert SPEECH not in json.dumps(event)
    assert event["logentry"]["formatted"] == f"transcription of acme failed: {FILTERED!r}"
    assert event["extra"]["said"] == FILTERED
    assert event["extra"]["tenant"] == "acme"
    [crumb] = [c for c in event["breadcrumbs"]["values"] if c.get("category") == "runtime.test"]
    assert crumb["message"] == f"segment of acme: {FILTERED}"


def test_the_runtime_turns_error_tracking_on_from_its_settings(sink: _Sink, tmp_path: Any) -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/ethiq.sqlite",
            "ETHIQ_REGISTRY_KEY": "m9S0yYpVXy8mY0oQ8Jp0yA1b2c3d4e5f6g7h8i9j0kA=",
            "SENTRY_DSN": _dsn(sink),
            "ETHIQ_ENVIRONMENT": "staging",
        }
    )
    create_app(settings)
    client = sentry_sdk.get_client()
    assert client.is_active()
    assert client.options["environment"] == "staging"
    assert client.options["data_collection"]["http_bodies"] == []
    sentry_sdk.capture_message(f"probe from {CALLER}")
    [event] = _events(sink)
    assert event["message"] == f"probe from {PHONE}"
