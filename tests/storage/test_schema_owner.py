"""A tenant's schema records whose data it holds: a removed tenant's retained data is never
handed to a new tenant of the same name, and never dropped by one (the schema provider, on
SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from infra.providers.database import TenantSchemaProvider
from infra.providers.retry import ProvisioningError
from runtime.calls.tables import bind_tables
from runtime.storage import TENANT_MIGRATIONS, store_for_url
from runtime.storage.bind import bind_table
from runtime.tenants.crypto import generate_key
from runtime.tenants.schema_tables import Owner

OLD, NEW = "AC" + "a" * 32, "AC" + "b" * 32


def _props(database_url: str, slug: str, subaccount: str, retain: bool = True) -> dict[str, Any]:
    return {
        "slug": slug,
        "subaccount_sid": subaccount,
        "database_url": database_url,
        "registry_key": generate_key(),
        "retain_data": retain,
        "migrations": TENANT_MIGRATIONS.ids(),
        "schema": None,
    }


def _owners_and_contacts(database_url: str, slug: str) -> tuple[set[str], int]:
    async def read() -> tuple[set[str], int]:
        store = store_for_url(database_url)
        try:
            if not await store.exists(slug):
                return set(), -1
            owner = bind_table(Owner, store.engine(slug))
            held = {str(r["subaccount_sid"]) for r in await owner.select()}
            return held, await bind_tables(store.engine(slug)).Contact.count()
        finally:
            await store.close()

    return asyncio.run(read())


def _add_contact(database_url: str, slug: str) -> None:
    async def add() -> None:
        store = store_for_url(database_url)
        try:
            contact = bind_tables(store.engine(slug)).Contact
            await contact.insert(contact(number="+15145550111", name="Marie"))
        finally:
            await store.close()

    asyncio.run(add())


def test_retained_data_is_not_handed_to_a_new_tenant_of_the_same_name(
    database_url: str, slug: str
) -> None:
    provider = TenantSchemaProvider()
    provider.create(_props(database_url, slug, OLD))
    _add_contact(database_url, slug)
    assert _owners_and_contacts(database_url, slug) == ({OLD}, 1)
    # The tenant is removed with retainData (the schema stays), a new one takes the name.
    with pytest.raises(ProvisioningError) as refused:
        provider.create(_props(database_url, slug, NEW))
    message = str(refused.value)
    assert f"holds the data of subaccount {OLD}" in message
    assert "ethiq:adoptStackId" in message
    # Nor can the new stack's delete drop the old tenant's data.
    provider.delete(slug, _props(database_url, slug, NEW, retain=False))
    assert _owners_and_contacts(database_url, slug) == ({OLD}, 1)


def test_the_stack_whose_subaccount_was_made_again_keeps_its_data(
    database_url: str, slug: str
) -> None:
    provider = TenantSchemaProvider()
    old = provider.create(_props(database_url, slug, OLD)).outs
    assert old is not None
    _add_contact(database_url, slug)
    provider.update(slug, old, _props(database_url, slug, NEW))  # its state recorded OLD
    assert _owners_and_contacts(database_url, slug) == ({NEW}, 1)
    provider.delete(slug, _props(database_url, slug, NEW, retain=False))
    assert _owners_and_contacts(database_url, slug) == (set(), -1)  # its own: dropped
