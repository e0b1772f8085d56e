"""The platform registry on SQLite and PostgreSQL: round trip, encryption, uniqueness."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import asyncpg
import pytest
from cryptography.fernet import Fernet
from piccolo.querystring import QueryString

from runtime.storage import PLATFORM_MIGRATIONS, store_for_url
from runtime.storage.names import quote_ident
from runtime.tenants import (
    DuplicateTenant,
    InvalidTenant,
    Registry,
    RegistryKeyError,
    TenantContact,
    TenantRecord,
    generate_key,
    key_from_env,
)
from tests.servers import Server
from tests.storage.conftest import unique_number, unique_slug

TOKEN = "0123456789abcdef0123456789abcdef"  # noqa: S105 (a made-up token)


def _record(slug: str | None = None, number: str | None = None) -> TenantRecord:
    slug = slug or unique_slug()
    return TenantRecord(
        slug=slug,
        phone_number=number or unique_number(),
        sip_address=f"sip:{slug}@{slug}.sip.twilio.com",
        sip_username=slug[:32],
        subaccount_sid="AC" + slug.replace("-", "").ljust(32, "0")[:32],
        auth_token=TOKEN,
        language="fr-CA",
        region="QC",
        contacts=(
            TenantContact(number=unique_number(), name="Lise", priority=1),
            TenantContact(number=unique_number(), name="Marc", priority=2, language="en-US"),
        ),
        messaging_service_sid="MG" + "0" * 32,
        us_texting="pending",
    )


def _same(stored: TenantRecord | None, record: TenantRecord) -> bool:
    assert stored is not None
    return dataclasses.replace(stored, created_at=None, updated_at=None) == record


async def _migrated(url: str, key: str) -> Registry:
    registry = Registry.for_url(url, key)
    await registry.migrate()
    return registry


def test_migrate_is_rerunnable(database_url: str) -> None:
    async def scenario() -> None:
        registry = Registry.for_url(database_url, generate_key())
        first = await registry.migrate()
        assert first in ([], PLATFORM_MIGRATIONS.ids())  # PostgreSQL's registry is shared
        assert await registry.migrate() == []

    asyncio.run(scenario())


def test_round_trip(database_url: str) -> None:
    record = _record()

    async def scenario() -> None:
        registry = await _migrated(database_url, generate_key())
        stored = await registry.upsert(record)
        assert _same(stored, record)
        assert stored.created_at is not None
        assert _same(await registry.get(record.slug), record)
        assert _same(await registry.by_number(record.phone_number), record)
        assert record.slug in [r.slug for r in await registry.list()]

        assert await registry.remove(record.slug)
        assert await registry.get(record.slug) is None
        assert await registry.by_number(record.phone_number) is None
        assert not await registry.remove(record.slug)

    asyncio.run(scenario())


def test_upsert_updates_in_place(database_url: str) -> None:
    record = _record()

    async def scenario() -> None:
        registry = await _migrated(database_url, generate_key())
        first = await registry.upsert(record)
        changed = dataclasses.replace(record, region="ON", auth_token=TOKEN[::-1], contacts=())
        second = await registry.upsert(changed)
        assert _same(second, changed)
        assert second.created_at == first.created_at
        assert second.updated_at is not None
        assert first.updated_at is not None
        assert second.updated_at >= first.updated_at
        assert [r.slug for r in await registry.list()].count(record.slug) == 1

    asyncio.run(scenario())


def test_a_look_since_a_generation_reads_only_the_tenants_registered_after_it(
    database_url: str,
) -> None:
    """The job worker's look for new contacts after a stack's ``pulumi up``: one changed
    tenant among many is one row read, not the fleet."""
    quiet, changed = _record(), _record()

    async def scenario() -> None:
        registry = await _migrated(database_url, generate_key())
        await registry.upsert(quiet)
        await registry.upsert(changed)
        seen = await registry.generation()
        assert await registry.contact_numbers(seen) == {}
        everyone = await registry.contact_numbers()
        assert everyone[quiet.slug] == {c.number for c in quiet.contacts}
        assert everyone[changed.slug] == {c.number for c in changed.contacts}

        added = TenantContact(number=unique_number(), name="Julie", priority=3)
        await registry.upsert(dataclasses.replace(changed, contacts=(*changed.contacts, added)))
        since = await registry.contact_numbers(seen)
        assert since == {changed.slug: {c.number for c in (*changed.contacts, added)}}
        assert await registry.contact_numbers(await registry.generation()) == {}
        # Not a registration: the Console step's record is not a change to look at.
        await registry.record_opt_out_entered(quiet.slug, "a" * 64, "MG1", "dana")
        assert quiet.slug not in await registry.contact_numbers(seen)

    asyncio.run(scenario())


def test_the_console_step_record_outlives_registrations_not_the_tenant(
    database_url: str,
) -> None:
    record = _record()
    fingerprint = "a" * 64

    async def scenario() -> None:
        registry = await _migrated(database_url, generate_key())
        assert (
            await registry.record_opt_out_entered(record.slug, fingerprint, "MG1", "dana") is None
        )
        await registry.upsert(record)
        generation = await registry.generation()
        entered = await registry.record_opt_out_entered(
            record.slug, fingerprint, record.messaging_service_sid, "dana"
        )
        assert entered is not None
        assert await registry.generation() == generation  # no routing cache goes stale
        await registry.upsert(dataclasses.replace(record, person_name="Lucille"))
        kept = (await registry.opt_out_entered())[record.slug]
        assert kept == entered
        assert kept.at.tzinfo is not None
        # A tenant removed and made again (a new Messaging Service) starts with nothing entered.
        assert await registry.remove(record.slug)
        await registry.upsert(record)
        assert record.slug not in await registry.opt_out_entered()

    asyncio.run(scenario())


def test_by_number_finds_only_the_called_tenant(database_url: str) -> None:
    a, b = _record(), _record()

    async def scenario() -> None:
        registry = await _migrated(database_url, generate_key())
        await registry.upsert(a)
        await registry.upsert(b)
        found = await registry.by_number(b.phone_number)
        assert found is not None
        assert found.slug == b.slug
        assert await registry.by_number(unique_number()) is None

    asyncio.run(scenario())


def test_the_token_is_stored_encrypted(database_url: str) -> None:
    key = generate_key()
    record = _record()

    async def scenario() -> str:
        registry = await _migrated(database_url, key)
        await registry.upsert(record)
        engine = store_for_url(database_url).platform_engine()
        rows = await engine.run_querystring(
            QueryString("SELECT auth_token FROM tenant WHERE slug = {}", record.slug)
        )
        raw: str = rows[0]["auth_token"]
        return raw

    raw = asyncio.run(scenario())
    assert TOKEN not in raw
    assert Fernet(key.encode()).decrypt(raw.encode()).decode() == TOKEN
    assert TOKEN not in repr(record)


def test_a_wrong_key_is_a_clear_error(database_url: str) -> None:
    record = _record()

    async def scenario() -> None:
        await (await _migrated(database_url, generate_key())).upsert(record)
        other = Registry.for_url(database_url, generate_key())
        with pytest.raises(RegistryKeyError, match=r"ETHIQ_REGISTRY_KEY"):
            await other.get(record.slug)

    asyncio.run(scenario())


def test_listing_leaves_out_only_the_tenant_it_cannot_decrypt(database_url: str) -> None:
    key = generate_key()
    readable, unreadable = _record(), _record()

    async def scenario() -> list[str]:
        registry = await _migrated(database_url, key)
        await registry.upsert(readable)
        await (await _migrated(database_url, generate_key())).upsert(unreadable)
        return [r.slug for r in await registry.list()]

    slugs = asyncio.run(scenario())
    assert readable.slug in slugs
    assert unreadable.slug not in slugs


def test_an_old_key_still_decrypts_after_rotation(database_url: str) -> None:
    old, new = generate_key(), generate_key()
    record = _record()

    async def scenario() -> None:
        await (await _migrated(database_url, old)).upsert(record)
        rotated = Registry.for_url(database_url, [new, old])
        assert _same(await rotated.get(record.slug), record)

    asyncio.run(scenario())


@pytest.mark.parametrize("key", ["", "not-a-key", "x" * 44, []])
def test_a_malformed_key_is_a_clear_error(key: str | list[str], tmp_path: Path) -> None:
    with pytest.raises(RegistryKeyError):
        Registry.for_url(f"sqlite:///{tmp_path}/ethiq.sqlite", key)


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ETHIQ_REGISTRY_KEY", raising=False)
    with pytest.raises(RegistryKeyError, match="ETHIQ_REGISTRY_KEY"):
        key_from_env()
    first, second = generate_key(), generate_key()
    monkeypatch.setenv("ETHIQ_REGISTRY_KEY", f"{first}, {second}")
    assert key_from_env() == [first, second]


def test_a_phone_number_belongs_to_one_tenant(database_url: str) -> None:
    owner = _record()
    intruder = _record(number=owner.phone_number)

    async def scenario() -> None:
        registry = await _migrated(database_url, generate_key())
        await registry.upsert(owner)
        with pytest.raises(DuplicateTenant, match=rf"\{owner.phone_number}.*{owner.slug}"):
            await registry.upsert(intruder)
        assert await registry.get(intruder.slug) is None
        found = await registry.by_number(owner.phone_number)
        assert found is not None
        assert found.slug == owner.slug

    asyncio.run(scenario())


def test_slugs_sharing_a_data_key_are_refused(database_url: str) -> None:
    base = unique_slug("twin")  # "twin-…"
    hyphen, underscore = _record(slug=base), _record(slug=base.replace("-", "_"))

    async def scenario() -> None:
        registry = await _migrated(database_url, generate_key())
        await registry.upsert(hyphen)
        with pytest.raises(DuplicateTenant, match="data key"):
            await registry.upsert(underscore)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "change",
    [
        {"slug": "Robert'); DROP TABLE tenant; --"},
        {"phone_number": "5145550100"},
        {"phone_number": "+0145550100"},
        {"language": "de-DE"},
        {"auth_token": ""},
    ],
)
def test_invalid_records_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(InvalidTenant):
        dataclasses.replace(_record(), **change)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "contact",
    [
        {"number": "514-555-0100", "name": "x"},
        {"number": "+15145550100", "name": "x", "language": "xx"},
    ],
)
def test_invalid_contacts_are_refused(contact: dict[str, str]) -> None:
    with pytest.raises(InvalidTenant):
        TenantContact(**contact)  # type: ignore[arg-type]


def test_invalid_lookups_are_refused(tmp_path: Path) -> None:
    async def scenario() -> None:
        registry = await _migrated(f"sqlite:///{tmp_path}/ethiq.sqlite", generate_key())
        with pytest.raises(InvalidTenant):
            await registry.by_number("+1 514 555 0100")
        with pytest.raises(ValueError, match="slug"):
            await registry.get("Robert'); DROP TABLE tenant; --")

    asyncio.run(scenario())


@pytest.mark.services
def test_postgres_registry_lives_in_the_platform_schema(postgres: Server) -> None:
    async def scenario() -> list[str]:
        await _migrated(postgres.url, generate_key())
        conn = await asyncpg.connect(postgres.url)
        try:
            rows = await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 "
                "ORDER BY 1",
                "platform",
            )
        finally:
            await conn.close()
        return [row["table_name"] for row in rows]

    assert asyncio.run(scenario()) == [
        "billing_account",
        "kyc_session",
        "migration",
        "quota_notice",
        "registry_generation",
        "stripe_event",
        "tenant",
        "usage_period",
    ]


def test_sqlite_registry_lives_in_the_platform_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ethiq.sqlite"

    async def scenario() -> list[str]:
        await _migrated(url, generate_key())
        engine = store_for_url(url).platform_engine()
        rows = await engine.run_querystring(
            QueryString("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        )
        return [row["name"] for row in rows]

    assert asyncio.run(scenario()) == [
        "billing_account",
        "kyc_session",
        "migration",
        "quota_notice",
        "registry_generation",
        "stripe_event",
        "tenant",
        "usage_period",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["ethiq.sqlite"]


def test_quote_ident_refuses_what_it_did_not_build() -> None:
    assert quote_ident("tenant_acme") == '"tenant_acme"'
    for bad in ['x"; DROP', "Tenant", "a b", ""]:
        with pytest.raises(ValueError, match="identifier"):
            quote_ident(bad)
