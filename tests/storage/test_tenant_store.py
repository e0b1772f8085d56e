"""Tenant stores on SQLite and PostgreSQL: creation, migrations, isolation, removal."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.table import create_table_class

from ethiq.piccolo import conf as piccolo_conf
from ethiq.piccolo.storage import APP_CONFIG
from runtime.alerts.tables import bind_tables
from runtime.calls.tables import Segment
from runtime.storage import (
    TENANT_MIGRATIONS,
    InvalidSlug,
    TenantStore,
    UnsupportedDatabaseURL,
    bind_table,
    sqlite_path,
    store_for_url,
    tenant_namespace,
)
from runtime.storage.names import quote_ident
from runtime.storage.sqlite import SQLiteTenantStore
from tests.servers import Server
from tests.storage.conftest import unique_slug

TENANT_TABLES = [
    "alert",
    "call",
    "consent",
    "contact",
    "erasure_run",
    "inbound_message",
    "invitation",
    "migration",
    "person_notice",
    "tenant_owner",
    "transcript_segment",
    "verdict",
]
DUPLICATE = (asyncpg.UniqueViolationError, sqlite3.IntegrityError)


async def _add_call(store: TenantStore, slug: str, sid: str) -> None:
    call = bind_tables(store.engine(slug)).Call
    await call.insert(
        call(sid=sid, from_number="+15145550100", to_number="+15145550199", started_at=_now())
    )


def _now() -> datetime:
    return datetime.now(UTC)


async def _call_sids(store: TenantStore, slug: str) -> list[str]:
    call = bind_tables(store.engine(slug)).Call
    return [row["sid"] for row in await call.select(call.sid).order_by(call.sid)]


def test_ensure_creates_the_namespace_and_every_table(database_url: str, slug: str) -> None:
    async def scenario() -> None:
        store = store_for_url(database_url)
        assert not await store.exists(slug)
        assert await store.tables(slug) == []
        assert await store.applied_migrations(slug) == []

        applied = await store.ensure(slug)

        assert applied == TENANT_MIGRATIONS.ids()
        assert await store.exists(slug)
        assert await store.tables(slug) == TENANT_TABLES
        assert await store.applied_migrations(slug) == TENANT_MIGRATIONS.ids()
        await store.close()

    asyncio.run(scenario())


def test_ensure_twice_applies_nothing_the_second_time(database_url: str, slug: str) -> None:
    async def scenario() -> None:
        store = store_for_url(database_url)
        assert await store.ensure(slug) != []
        await _add_call(store, slug, "CA-kept")

        assert await store.ensure(slug) == []
        assert await store.applied_migrations(slug) == TENANT_MIGRATIONS.ids()
        assert await _call_sids(store, slug) == ["CA-kept"]  # data untouched

        # A fresh store (another process) finds the same state.
        assert await store_for_url(database_url).ensure(slug) == []

    asyncio.run(scenario())


def test_concurrent_ensures_apply_each_migration_once(database_url: str, slug: str) -> None:
    async def scenario() -> None:
        first, second = store_for_url(database_url), store_for_url(database_url)
        results = await asyncio.gather(first.ensure(slug), second.ensure(slug))
        assert sorted(results, key=len) == [[], TENANT_MIGRATIONS.ids()]
        assert await first.applied_migrations(slug) == TENANT_MIGRATIONS.ids()

    asyncio.run(scenario())


def test_tenants_are_isolated(database_url: str) -> None:
    alpha, beta = unique_slug("alpha"), unique_slug("beta")

    async def scenario() -> None:
        store = store_for_url(database_url)
        await store.ensure(alpha)
        await store.ensure(beta)

        await _add_call(store, alpha, "CA-alpha")

        assert await _call_sids(store, alpha) == ["CA-alpha"]
        assert await _call_sids(store, beta) == []
        assert store.engine(alpha) is not store.engine(beta)

    asyncio.run(scenario())


def test_an_engine_never_falls_back_on_another_namespace(database_url: str) -> None:
    """A tenant without tables errors out instead of reading someone else's (or public's)."""
    present, missing = unique_slug("present"), unique_slug("missing")

    async def scenario() -> None:
        store = store_for_url(database_url)
        await store.ensure(present)
        await _add_call(store, present, "CA-present")
        with pytest.raises((asyncpg.UndefinedTableError, sqlite3.OperationalError)):
            await _call_sids(store, missing)

    asyncio.run(scenario())


def _count_calls(schema: str) -> str:
    return f"SELECT count(*) FROM {quote_ident(schema)}.call"  # noqa: S608 (validated name)


@pytest.mark.services
def test_postgres_tenants_live_in_their_own_schemas(postgres: Server) -> None:
    alpha, beta = unique_slug("alpha"), unique_slug("beta")

    async def scenario() -> None:
        store = store_for_url(postgres.url)
        await store.ensure(alpha)
        await store.ensure(beta)
        await _add_call(store, alpha, "CA-alpha")
        conn = await asyncpg.connect(postgres.url)
        try:
            in_alpha = await conn.fetchval(_count_calls(tenant_namespace(alpha)))
            in_beta = await conn.fetchval(_count_calls(tenant_namespace(beta)))
            bookkeeping = await conn.fetch(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'migration'"
                " AND table_schema IN ($1, $2, 'public') ORDER BY 1",
                tenant_namespace(alpha),
                tenant_namespace(beta),
            )
        finally:
            await conn.close()
        assert (in_alpha, in_beta) == (1, 0)
        assert [r["table_schema"] for r in bookkeeping] == sorted(
            [tenant_namespace(alpha), tenant_namespace(beta)]
        )

    asyncio.run(scenario())


@pytest.mark.services
def test_postgres_engines_never_read_the_public_schema(postgres: Server) -> None:
    missing = unique_slug("missing")

    async def scenario() -> None:
        conn = await asyncpg.connect(postgres.url)
        table = f"call_{missing.replace('-', '_')}"
        try:
            # A decoy: what a tenant engine would read if public were on its search_path.
            await conn.execute(f"CREATE TABLE public.{quote_ident(table)} (sid text)")
            await conn.execute(f"INSERT INTO public.{quote_ident(table)} VALUES ('CA-public')")  # noqa: S608
            store = store_for_url(postgres.url)
            decoy = bind_table(
                create_table_class("Decoy", class_kwargs={"tablename": table}),
                store.engine(missing),
            )
            with pytest.raises(asyncpg.UndefinedTableError):
                await decoy.raw(f"SELECT sid FROM {quote_ident(table)}")  # noqa: S608
        finally:
            await conn.execute(f"DROP TABLE IF EXISTS public.{quote_ident(table)}")
            await conn.close()

    asyncio.run(scenario())


def test_sqlite_tenants_are_files_next_to_the_platform_file(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = store_for_url(f"sqlite:///{tmp_path}/data/ethiq.sqlite")
        await store.ensure("acme-nord")
        assert (tmp_path / "data" / "tenant_acme_nord.sqlite").is_file()
        assert not (tmp_path / "data" / "ethiq.sqlite").exists()  # only the registry makes it

    asyncio.run(scenario())


def test_drop_removes_everything(database_url: str, slug: str) -> None:
    async def scenario() -> None:
        store = store_for_url(database_url)
        await store.ensure(slug)
        await _add_call(store, slug, "CA-gone")

        await store.drop(slug)

        assert not await store.exists(slug)
        assert await store.tables(slug) == []
        assert await store.applied_migrations(slug) == []
        await store.drop(slug)  # dropping nothing is fine
        # Re-creating starts from scratch.
        assert await store.ensure(slug) == TENANT_MIGRATIONS.ids()
        assert await _call_sids(store, slug) == []

    asyncio.run(scenario())


def test_sqlite_drop_deletes_the_file(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = SQLiteTenantStore(tmp_path / "ethiq.sqlite")
        await store.ensure("gone")
        assert store.path("gone").is_file()
        await store.drop("gone")
        assert list(tmp_path.iterdir()) == []

    asyncio.run(scenario())


def test_one_segment_per_sequence_and_one_alert_per_contact(database_url: str, slug: str) -> None:
    async def scenario() -> None:
        store = store_for_url(database_url)
        await store.ensure(slug)
        await _add_call(store, slug, "CA-keys")
        t = bind_tables(store.engine(slug))
        call = await t.Call.objects().get(t.Call.sid == "CA-keys")
        assert call is not None
        contact = t.Contact(number="+15145550111", name="Lise")
        await contact.save()

        def segment(track: str, sequence: int) -> Segment:
            return t.Segment(call=call.id, track=track, sequence=sequence, text="allo")

        await t.Segment.insert(segment("inbound_track", 1), segment("outbound_track", 1))
        with pytest.raises(DUPLICATE):
            await t.Segment.insert(segment("inbound_track", 1))

        await t.Alert.insert(t.Alert(call=call.id, contact=contact.id, kind="scam"))
        with pytest.raises(DUPLICATE):
            await t.Alert.insert(t.Alert(call=call.id, contact=contact.id, kind="scam"))
        assert await t.Alert.count() == 1
        assert await t.Segment.count() == 2

    asyncio.run(scenario())


BAD_SLUGS = [
    "Robert'); DROP TABLE call; --",
    "",
    "Acme",
    "-acme",
    "acme-",
    "acme nord",
    'acme"nord',
    "acme.nord",
    "tenant;",
    "a" * 57,
]


@pytest.mark.parametrize("bad", BAD_SLUGS)
def test_bad_slugs_are_rejected_before_any_sql(database_url: str, bad: str) -> None:
    async def scenario() -> None:
        store = store_for_url(database_url)
        for attempt in (store.ensure, store.drop, store.exists, store.tables):
            with pytest.raises(InvalidSlug):
                await attempt(bad)
        with pytest.raises(InvalidSlug):
            store.engine(bad)

    asyncio.run(scenario())


def test_longest_slug_is_accepted(database_url: str) -> None:
    longest = "a" * 46 + unique_slug("")[1:]  # 56 characters

    async def scenario() -> None:
        store = store_for_url(database_url)
        assert await store.ensure(longest) == TENANT_MIGRATIONS.ids()
        await store.drop(longest)

    assert len(longest) == 56
    asyncio.run(scenario())


@pytest.mark.parametrize(
    "url", ["mysql://db/ethiq", "sqlite://relative.sqlite", "sqlite:///", "sqlite:///:memory:", ""]
)
def test_unsupported_urls_are_rejected(url: str) -> None:
    with pytest.raises(UnsupportedDatabaseURL):
        store_for_url(url)


def test_sqlite_urls_name_a_file() -> None:
    assert sqlite_path("sqlite:///.data/ethiq.sqlite") == Path(".data/ethiq.sqlite")
    assert sqlite_path("sqlite:////srv/ethiq.sqlite") == Path("/srv/ethiq.sqlite")


def test_migration_set_matches_the_piccolo_app() -> None:
    modules = TENANT_MIGRATIONS.modules()
    assert TENANT_MIGRATIONS.app_name == APP_CONFIG.app_name
    folder = Path(APP_CONFIG.resolved_migrations_folder_path)
    assert {Path(m.__file__ or "").parent for m in modules.values()} == {folder}
    assert len(modules) == len(list(folder.glob("storage_*.py")))

    async def app_names() -> set[str]:
        return {(await m.forwards()).app_name for m in modules.values()}

    assert asyncio.run(app_names()) == {"storage"}


def test_engine_lookup_outside_migrations_is_piccolos(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Migrating a tenant leaves piccolo's ``engine_finder()`` to ``PICCOLO_CONF``."""
    monkeypatch.setenv("PICCOLO_CONF", "ethiq.piccolo.conf")
    store = store_for_url(f"sqlite:///{tmp_path}/ethiq.sqlite")

    async def scenario() -> Engine[Any] | None:
        await store.ensure("outside")
        return engine_finder()

    found = asyncio.run(scenario())
    assert found is piccolo_conf.DB
    assert found is not store.engine("outside")
