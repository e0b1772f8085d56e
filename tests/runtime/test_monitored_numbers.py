"""The household's other phones (``ethiq:monitoredNumbers``), stack file key → registration
provider → registry row → the runtime's routing: declared as the stack says, read back without
drift, found again through the shared routing cache."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from infra.providers.database import RegistrationProvider
from infra.tenant_config import MONITORED_NAME_MAX, validate_tenant
from runtime.routing.directory import TenantDirectory
from runtime.settings import Settings
from runtime.tenants import InvalidTenant, MonitoredNumber
from runtime.tenants.crypto import TokenCipher
from runtime.tenants.records import MONITORED_NAME_MAX as RECORD_NAME_MAX
from tests.runtime.helpers import REGISTRY_KEY, harness, make_tenant

SPOUSE, SON = "+15145550122", "+15145550133"
VALUES: dict[str, Any] = {
    "email": "famille@example.org",
    "region": "CA-QC",
    "language": "fr-CA",
    "contacts": [{"number": "+15145550111", "name": "Marie"}],
    "plan": "family",
    "monitoredNumbers": [{"number": SPOUSE, "name": "Paul", "carrier": "bell"}, SON],
}


def test_monitored_numbers_reach_the_registry_and_read_back_without_drift(
    settings: Settings,
) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            template = make_tenant()
            config = validate_tenant(template.slug, VALUES)
            monitored = [m.as_config() for m in config.monitored_numbers]
            props = {
                "slug": template.slug,
                "phone_number": template.phone_number,
                "sip_address": template.sip_address,
                "sip_username": template.sip_username,
                "subaccount_sid": template.subaccount_sid,
                "auth_token": template.auth_token,
                "language": config.language,
                "region": config.region,
                "contacts": [c.as_config() for c in config.contacts],
                "sensitivity": None,
                "us_texting": "",
                "database_url": settings.database.url,
                "registry_key": REGISTRY_KEY,
            }
            provider = RegistrationProvider()
            # A state written before the field existed: no change for a stack without it.
            before = await asyncio.to_thread(provider.create, props)
            olds = dict(before.outs or {})
            assert "monitored_numbers" not in olds
            none = {**props, "monitored_numbers": None}
            assert not provider.diff(before.id, olds, none).changes
            read = await asyncio.to_thread(provider.read, before.id, olds)
            assert (read.outs or {})["monitored_numbers"] is None  # no drift either
            # The stack declares them: an update, then the row holds them.
            declared = {**props, "monitored_numbers": monitored}
            assert provider.diff(before.id, olds, declared).changes
            await asyncio.to_thread(provider.update, before.id, olds, declared)
            record = await h.runtime.registry.get(template.slug)
            assert record is not None
            assert record.monitored_numbers == (
                MonitoredNumber(SPOUSE, "Paul", "bell"),
                MonitoredNumber(SON),
            )
            read = await asyncio.to_thread(provider.read, before.id, declared)
            assert (read.outs or {})["monitored_numbers"] == monitored  # as declared: no drift
            # What the call path routes on, through the routing cache: another worker finds
            # the tenant in the shared store (Redis or in process), monitored numbers included.
            found = await h.runtime.directory.by_number(template.phone_number)
            assert found.tenant is not None
            assert found.tenant.monitored_numbers == record.monitored_numbers
            cipher = TokenCipher(settings.security.registry_key)
            other = TenantDirectory(h.runtime.registry, h.runtime.store, cipher)
            reads = other.registry_reads
            cached = await other.by_number(template.phone_number)
            assert other.registry_reads == reads  # from the store, not the registry
            assert cached.tenant is not None
            assert cached.tenant.monitored_numbers == record.monitored_numbers

    asyncio.run(scenario())


def test_a_record_refuses_a_monitored_number_twice_or_the_ethiq_number_itself() -> None:
    tenant = make_tenant()
    with pytest.raises(InvalidTenant, match="listed twice or is the Ethiq number"):
        replace(tenant, monitored_numbers=(MonitoredNumber(SPOUSE), MonitoredNumber(SPOUSE)))
    with pytest.raises(InvalidTenant, match="listed twice or is the Ethiq number"):
        replace(tenant, monitored_numbers=(MonitoredNumber(tenant.phone_number),))
    with pytest.raises(InvalidTenant, match=r"not an E\.164 phone number"):
        MonitoredNumber("514-555-0122")
    assert MONITORED_NAME_MAX == RECORD_NAME_MAX  # what the stack accepts, the row takes
