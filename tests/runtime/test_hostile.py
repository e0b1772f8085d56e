"""Hostile traffic is bounded: body size, slow bodies, huge transcript segments, log forging."""

from __future__ import annotations

import asyncio
import io
import logging
import logging.config
from typing import Any

import httpx

from ethiq.runtime_cli import _logging
from runtime.calls.preferences import ListKind
from runtime.calls.tables import bind_tables
from runtime.settings import ServerSettings, Settings
from runtime.telephony import paths
from runtime.telephony.signatures import SIGNATURE_HEADER, public_url, sign
from runtime.web.app import create_app
from runtime.web.limits import client_source
from tests.runtime.helpers import (
    PUBLIC,
    FakeSender,
    FakeUpdater,
    harness,
    parse_twiml,
    unique_caller,
)


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


def _limited(settings: Settings, **server: object) -> Settings:
    return settings.model_copy(update={"server": settings.server.model_copy(update=server)})


def test_a_flood_of_calls_to_one_tenant_gets_a_busy_tone_but_its_contacts_ring(
    settings: Settings,
) -> None:
    """On PostgreSQL + Redis the count is Redis's (every worker of every task shares it).
    The person's trusted numbers ring too, unless STIR/SHAKEN refutes the caller ID."""

    async def scenario() -> None:
        async with harness(_limited(settings, calls_per_tenant=3)) as h:
            flooded, quiet = await h.add_tenant(), await h.add_tenant()
            for _ in range(3):
                _, answer = await h.call(flooded)
                assert "busy" not in answer.text
            refused = unique_caller()
            _, stranger = await h.call(flooded, caller=refused)
            assert parse_twiml(stranger.text).find("Reject").get("reason") == "busy"  # type: ignore[union-attr]
            _, contact = await h.call(flooded, caller=flooded.contacts[0].number)
            assert parse_twiml(contact.text).find("Reject") is None
            # The caller velocity counts the calls screened, not those refused or trusted
            # (on Redis, recorded with the call count in one round trip).
            velocity = h.runtime.calls._velocity
            assert await velocity.count(refused) == 0
            assert await velocity.count(flooded.contacts[0].number) == 1
            friend = "+15145550177"
            await h.runtime.blocklist.preferences.add(flooded.slug, ListKind.TRUSTED, friend)
            _, trusted = await h.call(flooded, caller=friend)
            assert parse_twiml(trusted.text).find("Reject") is None
            _, forged = await h.call(flooded, caller=friend, StirVerstat="TN-Validation-Failed-A")
            assert parse_twiml(forged.text).find("Reject").get("reason") == "busy"  # type: ignore[union-attr]
            assert await velocity.count(friend) == 0
            _, other = await h.call(quiet)  # another tenant keeps its own budget
            assert parse_twiml(other.text).find("Reject") is None
            metrics = h.runtime.metrics.render().decode()
            assert 'ethiq_rate_limited_total{limit="tenant_calls"} 2.0' in metrics

    asyncio.run(scenario())


def test_a_source_of_refused_webhooks_gets_429_and_others_do_not(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(_limited(settings, rejects_per_source=3, trusted_proxies=1)) as h:
            tenant = await h.add_tenant()
            params = {"AccountSid": tenant.subaccount_sid, "From": "+15145550199", "Body": "OUI"}
            params["To"] = tenant.phone_number

            async def post(source: str, token: str) -> int:
                url = public_url(PUBLIC, paths.SMS)
                headers = {SIGNATURE_HEADER: sign(token, url, params)}
                # A client's own X-Forwarded-For entries are not trusted: the load balancer's is.
                headers["X-Forwarded-For"] = f"10.9.9.9, {source}"
                response = await h.client.post(paths.SMS, data=params, headers=headers)
                return int(response.status_code)

            assert [await post("198.51.100.7", "forged") for _ in range(4)] == [403] * 4
            # Past the limit: 429 before any check, a good signature included.
            assert await post("198.51.100.7", tenant.auth_token) == 429
            assert await post("198.51.100.8", tenant.auth_token) == 200
            metrics = h.runtime.metrics.render().decode()
            assert 'ethiq_rate_limited_total{limit="source"} 1.0' in metrics

    asyncio.run(scenario())


def test_the_client_address_is_the_one_the_trusted_proxies_saw() -> None:
    scope: Any = {
        "client": ("10.0.0.5", 5000),
        "headers": [(b"x-forwarded-for", b"1.1.1.1, 2.2.2.2")],
    }
    assert client_source(scope, 0) == "10.0.0.5"
    assert client_source(scope, 1) == "2.2.2.2"
    assert client_source(scope, 2) == "1.1.1.1"
    assert client_source(scope, 3) == "10.0.0.5"  # fewer entries than proxies: the peer
    assert all(p.startswith(paths.TWILIO_PREFIX) for p in paths.TWILIO_PATHS)
