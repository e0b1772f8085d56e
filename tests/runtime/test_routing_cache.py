"""The routing cache in the shared store: a number no tenant has is remembered for 30 s only,
a found tenant for the routing TTL (runtime.routing.directory)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from runtime.routing.directory import TenantDirectory
from runtime.settings import Settings
from runtime.tenants.crypto import TokenCipher
from tests.runtime.helpers import harness, make_tenant, unique_number

NEGATIVE_TTL_S = 30


def test_an_unknown_number_is_cached_briefly_and_a_tenant_for_the_routing_ttl(
    settings: Settings,
) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            directory, store = h.runtime.directory, h.runtime.store
            tenant = await h.add_tenant(
                replace(make_tenant(), messaging_service_sid="MG" + "1" * 32, us_texting="pending")
            )
            generation = await directory.generation()

            unknown = unique_number()
            assert (await directory.by_number(unknown)).tenant is None
            negative = await store.expires_in(f"routing:{generation}:number:{unknown}")
            assert negative is not None
            assert NEGATIVE_TTL_S - 2 <= negative <= NEGATIVE_TTL_S

            found = await directory.by_number(tenant.phone_number)
            assert found.tenant is not None
            assert found.tenant.slug == tenant.slug
            # Another worker finds it in the shared store, whole: its texts still leave through
            # its Messaging Service.
            other = TenantDirectory(
                h.runtime.registry, store, TokenCipher(settings.security.registry_key)
            )
            reads = other.registry_reads
            cached = await other.by_number(tenant.phone_number)
            assert other.registry_reads == reads  # from the store, not the registry
            assert cached.tenant is not None
            assert cached.tenant.messaging_service_sid == tenant.messaging_service_sid
            assert cached.tenant.us_texting == "pending"
            positive = await store.expires_in(f"routing:{generation}:number:{tenant.phone_number}")
            ttl = settings.store.routing_ttl_s
            assert positive is not None
            assert ttl - 2 <= positive <= ttl
            assert ttl > NEGATIVE_TTL_S

            # The negative entry answers without the registry while it lives.
            reads = directory.registry_reads
            assert (await directory.by_number(unknown)).tenant is None
            assert directory.registry_reads == reads

    asyncio.run(scenario())
