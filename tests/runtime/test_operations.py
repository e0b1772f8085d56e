"""Health, readiness, metrics, OpenAPI, and the operator API's access rules."""

from __future__ import annotations

import asyncio
from typing import Any

from runtime.settings import SecuritySettings, Settings
from tests.runtime.helpers import OPERATOR, REGISTRY_KEY, harness, unique_caller


async def _until_ready(client: Any) -> Any:
    for _ in range(200):
        ready = await client.get("/health/ready")
        if ready.status_code == 200:
            return ready
        await asyncio.sleep(0.05)
    return ready


def test_liveness_readiness_metrics_and_schema(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            assert (await h.client.get("/health/live")).json() == {"status": "ok"}
            ready = await h.client.get("/health/ready")
            if h.runtime.jobs.durable:
                # No job worker heartbeats on PostgreSQL: alerts would wait, so not ready.
                assert ready.status_code == 503, ready.text
                assert ready.json()["checks"]["worker"]["status"] == "degraded"
            else:  # the embedded default with the worker off: nothing to see, not a fault
                assert ready.json()["checks"]["worker"]["status"] == "off"
                assert ready.status_code == 200, ready.text
        # With a worker in the process (ETHIQ_OUTBOX_WORKER on), ready.
        inline = settings.alerts.model_copy(update={"worker": True})
        async with harness(settings.model_copy(update={"alerts": inline})) as h:
            ready = await _until_ready(h.client)
            assert ready.status_code == 200, ready.text
            checks = ready.json()["checks"]
            assert checks["database"]["status"] == checks["store"]["status"] == "up"
            assert checks["worker"]["status"] == "up"
            assert checks["store"]["backend"] == ("redis" if settings.store.redis_url else "memory")
            tenant = await h.add_tenant()
            await h.call(tenant)
            metrics = await h.client.get("/metrics")
            labels = f'region="{tenant.region}",tenant="{tenant.slug}",verdict="legit"'
            assert f"ethiq_calls_total{{{labels}}} 1.0" in metrics.text
            assert 'ethiq_webhook_seconds_count{endpoint="voice"} 1.0' in metrics.text
            schema = (await h.client.get("/schema/openapi.json")).json()
            assert "/twilio/voice" in schema["paths"]
            assert "/operator/tenants" in schema["paths"]

    asyncio.run(scenario())


def test_metrics_are_refused_to_what_came_through_a_proxy(settings: Settings) -> None:
    """/metrics names tenants: the collector beside the process reads it; a request forwarded
    by a load balancer or proxy gets 404 unless it holds the operator token."""

    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            await h.call(tenant)
            direct = await h.client.get("/metrics")
            assert direct.status_code == 200
            assert f'tenant="{tenant.slug}"' in direct.text
            for forwarded in ({"X-Forwarded-For": "203.0.113.7"}, {"Forwarded": "for=203.0.113.7"}):
                refused = await h.client.get("/metrics", headers=forwarded)
                assert refused.status_code == 404, forwarded
                assert tenant.slug not in refused.text
                wrong = {**forwarded, "Authorization": "Bearer " + OPERATOR[:-1] + "y"}
                assert (await h.client.get("/metrics", headers=wrong)).status_code == 404
                auth = {**forwarded, "Authorization": f"Bearer {OPERATOR}"}
                allowed = await h.client.get("/metrics", headers=auth)
                assert allowed.status_code == 200
                assert f'tenant="{tenant.slug}"' in allowed.text

    asyncio.run(scenario())


def test_operator_api_needs_the_token_and_never_shows_secrets(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            await h.call(tenant)
            assert (await h.client.get("/operator/tenants")).status_code == 401
            wrong = {"Authorization": "Bearer " + OPERATOR[:-1] + "y"}
            assert (await h.client.get("/operator/tenants", headers=wrong)).status_code == 401
            auth = {"Authorization": f"Bearer {OPERATOR}"}
            listed = await h.client.get("/operator/tenants", headers=auth)
            assert listed.status_code == 200
            assert tenant.auth_token not in listed.text
            mine = [t for t in listed.json() if t["slug"] == tenant.slug]
            assert mine
            assert mine[0]["phone_number"] == tenant.phone_number
            calls = await h.client.get(f"/operator/tenants/{tenant.slug}/calls", headers=auth)
            assert [c["to_number"] for c in calls.json()] == [tenant.phone_number]
            alerts = await h.client.get(f"/operator/tenants/{tenant.slug}/alerts", headers=auth)
            assert alerts.json() == []
            missing = await h.client.get("/operator/tenants/nobody-here/calls", headers=auth)
            assert missing.status_code == 404
            bad = await h.client.post(
                f"/operator/tenants/{tenant.slug}/blocklist", json={"number": "12"}, headers=auth
            )
            assert bad.status_code == 400
            caller = unique_caller()
            await h.client.post(
                f"/operator/tenants/{tenant.slug}/blocklist", json={"number": caller}, headers=auth
            )
            listed_block = await h.client.get(
                f"/operator/tenants/{tenant.slug}/blocklist", headers=auth
            )
            assert listed_block.json() == {"slug": tenant.slug, "numbers": [caller]}

    asyncio.run(scenario())


def test_operator_api_is_disabled_without_a_token(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(
        update={"security": SecuritySettings(registry_key=(REGISTRY_KEY,))}
    )

    async def scenario() -> None:
        async with harness(settings) as h:
            response = await h.client.get("/operator/tenants", headers={"Authorization": "Bearer "})
            assert response.status_code == 503

    asyncio.run(scenario())


def test_settings_from_the_environment() -> None:
    env = {
        "DATABASE_URL": "postgresql://db/ethiq",
        "REDIS_URL": "redis://cache:6379/0",
        "ETHIQ_PUBLIC_URL": "https://ethiq.example.org",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "t",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:8765",
        "ETHIQ_REGISTRY_KEY": "k1, k2",
        "ETHIQ_OPERATOR_TOKEN": "op-token-7f3a",
    }
    settings = Settings.from_env(env)
    assert settings.database.url == "postgresql://db/ethiq"
    assert settings.store.redis_url == "redis://cache:6379/0"
    assert settings.twilio.public_url == "https://ethiq.example.org"
    assert settings.twilio.api_base_url == "http://127.0.0.1:8765"
    assert settings.security.registry_key == ("k1", "k2")
    assert settings.security.operator_token == env["ETHIQ_OPERATOR_TOKEN"]
    assert "op-token-7f3a" not in repr(settings.security)
    assert "k1" not in repr(settings)
    defaults = Settings.from_env({})
    assert defaults.database.url == "sqlite:///.data/ethiq.sqlite"
    assert defaults.store.redis_url == ""
    assert defaults.twilio.caller_track == "inbound_track"
