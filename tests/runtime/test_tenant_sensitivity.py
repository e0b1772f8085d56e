"""Per-tenant sensitivity, end to end: stack file key → registration provider → registry row →
the runtime's scorer. Two tenants hear the same call and reach different verdicts."""

from __future__ import annotations

import asyncio
from typing import Any

from infra.providers.database import RegistrationProvider
from infra.tenant_config import TenantConfig, validate_tenant
from runtime.calls.tables import bind_tables
from runtime.settings import Settings
from runtime.tenants import TenantRecord
from tests.runtime.helpers import REGISTRY_KEY, SCAM_LINES_FR, Harness, harness, make_tenant

# A bank "fraud department" with pressure but no ask yet: a warning at normal sensitivity,
# an alert for a tenant who asked for high sensitivity, a warning only for low.
LINES = SCAM_LINES_FR[:2]


def _stack_values(sensitivity: str) -> dict[str, Any]:
    return {
        "email": "famille@example.org",
        "region": "CA-QC",
        "language": "fr-CA",
        "contacts": [{"number": "+15145550111", "name": "Marie"}],
        "sensitivity": sensitivity,
    }


def _props(template: TenantRecord, config: TenantConfig, settings: Settings) -> dict[str, Any]:
    """The registration's inputs as the program gives them for ``config``."""
    return {
        "slug": template.slug,
        "phone_number": template.phone_number,
        "sip_address": template.sip_address,
        "sip_username": template.sip_username,
        "subaccount_sid": template.subaccount_sid,
        "auth_token": template.auth_token,
        "language": config.language,
        "region": config.region,
        "contacts": [c.as_config() for c in config.contacts],
        "sensitivity": config.sensitivity,
        "database_url": settings.database.url,
        "registry_key": REGISTRY_KEY,
    }


async def _register(h: Harness, settings: Settings, sensitivity: str) -> TenantRecord:
    """Register a tenant the way `up` does: its stack values through the provider."""
    template = make_tenant()
    config = validate_tenant(template.slug, _stack_values(sensitivity))
    props = _props(template, config, settings)
    # The provider runs its own event loop (as in the engine's provider process).
    await asyncio.to_thread(RegistrationProvider().create, props)
    record = await h.runtime.registry.get(template.slug)
    assert record is not None
    await h.runtime.storage.ensure(record.slug)
    return record


async def _verdict(h: Harness, tenant: TenantRecord) -> str:
    call_sid, _ = await h.call(tenant)
    for sequence, line in enumerate(LINES, start=1):
        assert (await h.say(tenant, call_sid, sequence, line)).status_code == 204
    t = bind_tables(h.runtime.storage.engine(tenant.slug))
    [call] = await t.Call.select(t.Call.verdict)
    return str(call["verdict"])


def test_two_tenants_with_different_sensitivity_judge_the_same_call_differently(
    settings: Settings,
) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            cautious = await _register(h, settings, "high")
            relaxed = await _register(h, settings, "low")
            assert (cautious.sensitivity, relaxed.sensitivity) == ("high", "low")
            assert await _verdict(h, cautious) == "scam"
            assert await _verdict(h, relaxed) == "suspicious"

    asyncio.run(scenario())


def test_a_tenant_without_the_key_follows_the_platform_default(settings: Settings) -> None:
    async def scenario() -> None:
        high = settings.model_copy(
            update={"screening": settings.screening.model_copy(update={"sensitivity": "high"})}
        )
        async with harness(high) as h:
            tenant = await h.add_tenant(make_tenant())
            stored = await h.runtime.registry.get(tenant.slug)
            assert stored is not None
            assert stored.sensitivity is None
            assert await _verdict(h, tenant) == "scam"

    asyncio.run(scenario())


def test_a_contacts_own_language_reaches_the_registry_and_reads_back_unchanged(
    settings: Settings,
) -> None:
    """A French tenant's son who reads English: his texts are in English, hers in French."""

    async def scenario() -> None:
        async with harness(settings) as h:
            template = make_tenant()
            values = _stack_values("normal") | {
                "contacts": [
                    {"number": "+15145550111", "name": "Marie", "language": "fr-CA"},
                    {"number": "+15145550122", "name": "John", "language": "en-US"},
                ]
            }
            config = validate_tenant(template.slug, values)
            contacts = [c.as_config() for c in config.contacts]
            # The tenant's language is no contact's own: one spelling in the state.
            assert contacts == [
                {"number": "+15145550111", "name": "Marie"},
                {"number": "+15145550122", "name": "John", "language": "en-US"},
            ]
            props = _props(template, config, settings)
            provider = RegistrationProvider()
            created = await asyncio.to_thread(provider.create, props)
            record = await h.runtime.registry.get(template.slug)
            assert record is not None
            assert [c.language for c in record.contacts] == ["fr-CA", "en-US"]
            read = await asyncio.to_thread(provider.read, created.id, dict(created.outs or {}))
            assert read.outs is not None
            assert read.outs["contacts"] == contacts  # no drift
            # US texting's state reaches the registry (the person's page reads it); a state
            # written before the field existed is no change for a tenant without US texting.
            olds = dict(created.outs or {})
            assert "us_texting" not in olds
            assert not provider.diff(created.id, olds, {**props, "us_texting": ""}).changes
            before = await asyncio.to_thread(provider.read, created.id, olds)
            assert "us_texting" not in (before.outs or {})  # no drift either
            pending = {**props, "us_texting": "pending"}
            assert provider.diff(created.id, olds, pending).changes
            await asyncio.to_thread(provider.update, created.id, olds, pending)
            stored = await h.runtime.registry.get(template.slug)
            assert stored is not None
            assert stored.us_texting == "pending"
            live = await asyncio.to_thread(provider.read, created.id, pending)
            assert (live.outs or {})["us_texting"] == "pending"

    asyncio.run(scenario())
