"""Hostile traffic is bounded: body size, slow bodies, huge transcript segments, log forging."""

from __future__ import annotations

import asyncio
import io
import logging
import logging.config

import httpx

from ethiq.runtime_cli import _logging
from runtime.settings import ServerSettings, Settings
from runtime.storage import bind_tables
from runtime.telephony import paths
from runtime.web.app import create_app
from tests.runtime.helpers import FakeSender, FakeUpdater, harness


def test_a_body_over_the_limit_is_refused(sqlite_settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(sqlite_settings) as h:
            big = {"Body": "x" * (sqlite_settings.server.max_body_bytes + 1)}
            response = await h.client.post(paths.SMS, data=big)
            assert response.status_code == 413

    asyncio.run(scenario())


def test_a_slow_body_is_cut_off(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(update={"server": ServerSettings(body_timeout_s=0.5)})
    app = create_app(settings, sender=FakeSender(), updater=FakeUpdater())

    async def trickle() -> object:
        yield b"From=%2B1514"
        await asyncio.sleep(30)  # the attacker's pause (cut off long before)
        yield b"5550111"

    async def scenario() -> int:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with (
            app.lifespan(),
            httpx.AsyncClient(transport=transport, base_url="http://internal.test") as client,
        ):
            response = await asyncio.wait_for(
                client.post(
                    paths.SMS,
                    content=trickle(),  # type: ignore[arg-type]
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                ),
                10,
            )
            return int(response.status_code)

    assert asyncio.run(scenario()) == 408


def test_a_huge_transcript_segment_is_cut(sqlite_settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(sqlite_settings) as h:
            tenant = await h.add_tenant()
            call_sid, _ = await h.call(tenant)
            limit = sqlite_settings.screening.max_segment_chars
            text = "bonjour " * 5000  # 40,000 characters, within the body limit
            response = await h.say(tenant, call_sid, 1, text)
            assert response.status_code == 204
            t = bind_tables(h.runtime.storage.engine(tenant.slug))
            rows = await t.Segment.select(t.Segment.text)
            assert len(rows[0]["text"]) == limit

    asyncio.run(scenario())


def test_log_lines_cannot_be_forged() -> None:
    """The logging config of ``ethiq serve``, applied as Granian applies it."""
    config = _logging()
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    try:
        logging.getLogger("runtime.web.twilio_webhooks").warning(
            "voice: call to unknown number %s", "+1\nINFO fake: admin logged in"
        )
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    written = stream.getvalue()
    assert written.count("\n") == 1
    assert "+1\\nINFO fake: admin logged in" in written
