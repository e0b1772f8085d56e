"""The migrations build exactly the tables the code declares.

Migrations are applied in production; the table classes are what queries compile from. A column
declared but never migrated (or migrated with another width, default or index) fails only when a
query reaches it, so each group of piccolo apps is built both ways on PostgreSQL, and on SQLite
(the embedded default), and the two catalogues must be identical, but for what only raw SQL in a
migration can say. The tables compared are the piccolo apps' (``ethiq.piccolo``), so an app that
misses a table fails here rather than have ``piccolo migrations new --auto`` drop it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from ethiq.piccolo.fleet import APP_CONFIG as FLEET_APP
from ethiq.piccolo.people import APP_CONFIG as PEOPLE_APP
from ethiq.piccolo.storage import APP_CONFIG as STORAGE_APP
from ethiq.piccolo.tenants import APP_CONFIG as TENANTS_APP
from runtime.fleet.service import FLEET_MIGRATIONS
from runtime.people.service import PEOPLE_MIGRATIONS
from runtime.storage import PLATFORM_MIGRATIONS, TENANT_MIGRATIONS
from runtime.storage.bind import bind_table
from runtime.storage.migrations import MigrationSet, apply_migrations
from tests.servers import Server, create_database

GROUPS: dict[str, list[tuple[MigrationSet, list[type[Table]]]]] = {
    "tenant": [(TENANT_MIGRATIONS, STORAGE_APP.table_classes)],
    "platform": [
        (PLATFORM_MIGRATIONS, TENANTS_APP.table_classes),
        (PEOPLE_MIGRATIONS, PEOPLE_APP.table_classes),
        (FLEET_MIGRATIONS, FLEET_APP.table_classes),
    ],
}
# Written in raw SQL by a migration: indexes over several columns, and the registry's
# one-row generation counter (no table class: two raw statements read and bump it).
RAW_INDEXES = {
    "transcript_segment_one_per_sequence",
    "alert_one_per_contact",
    "transcript_segment_final_by_call",
}
RAW_TABLES = {"registry_generation"}

_COLUMNS = """
SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
FROM information_schema.columns
WHERE table_schema = 'public' AND table_name <> 'migration' AND table_name <> ALL($1::text[])
"""
# Index definitions without their schema-qualified table (the same in both databases).
_INDEXES = """
SELECT indexname, replace(indexdef, 'public.', '') AS indexdef FROM pg_indexes
WHERE schemaname = 'public' AND tablename <> 'migration' AND tablename <> ALL($1::text[])
AND indexname <> ALL($2::text[])
"""


async def _migrate(engine: Engine[Any], group: str) -> None:
    for migrations, _ in GROUPS[group]:
        await apply_migrations(engine, migrations)


async def _declare(engine: Engine[Any], group: str) -> None:
    for _, declared in GROUPS[group]:
        for table in declared:
            await bind_table(table, engine).create_table().run()  # type: ignore[no-untyped-call]


def _pg_engine(url: str) -> PostgresEngine:
    return PostgresEngine(config={"dsn": url})


async def _pg_catalogue(url: str) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    connection = await asyncpg.connect(url)
    try:
        columns = {tuple(row) for row in await connection.fetch(_COLUMNS, sorted(RAW_TABLES))}
        indexes = {
            tuple(row)
            for row in await connection.fetch(_INDEXES, sorted(RAW_TABLES), sorted(RAW_INDEXES))
        }
    finally:
        await connection.close()
    return columns, indexes


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_postgres_migrations_build_the_declared_tables(
    postgres_cluster: Server, group: str
) -> None:
    migrated = create_database(postgres_cluster, f"mig_{uuid.uuid4().hex[:10]}")
    declared = create_database(postgres_cluster, f"decl_{uuid.uuid4().hex[:10]}")

    async def build() -> tuple[Any, Any]:
        for url, build in ((migrated.url, _migrate), (declared.url, _declare)):
            engine = _pg_engine(url)
            await engine.start_connection_pool()
            try:
                await build(engine, group)
            finally:
                await engine.close_connection_pool()
        return await _pg_catalogue(migrated.url), await _pg_catalogue(declared.url)

    (columns, indexes), (want_columns, want_indexes) = asyncio.run(build())
    assert {c[0] for c in columns} == {c[0] for c in want_columns}, "tables"
    assert sorted(columns - want_columns, key=str) == [], "migrated, not declared"
    assert sorted(want_columns - columns, key=str) == [], "declared, not migrated"
    assert indexes == want_indexes, "indexes"


def _sqlite_catalogue(path: Path) -> set[tuple[Any, ...]]:
    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'migration'"
                " AND name NOT LIKE 'sqlite_%'"
            )
            if row[0] not in RAW_TABLES
        ]
        found: set[tuple[Any, ...]] = set()
        for table in tables:
            for cid, name, kind, notnull, default, pk in connection.execute(
                f'PRAGMA table_info("{table}")'
            ):
                del cid
                found.add((table, name, kind, notnull, default, pk))
            for row in connection.execute(f'PRAGMA index_list("{table}")'):
                if row[1] in RAW_INDEXES:
                    continue
                columns = [c[2] for c in connection.execute(f'PRAGMA index_info("{row[1]}")')]
                found.add((table, "index", tuple(columns), row[2]))
    return found


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_sqlite_migrations_build_the_declared_tables(tmp_path: Path, group: str) -> None:
    async def build() -> None:
        await _migrate(SQLiteEngine(path=str(tmp_path / "migrated.sqlite")), group)
        await _declare(SQLiteEngine(path=str(tmp_path / "declared.sqlite")), group)

    asyncio.run(build())
    migrated = _sqlite_catalogue(tmp_path / "migrated.sqlite")
    declared = _sqlite_catalogue(tmp_path / "declared.sqlite")
    assert sorted(migrated - declared, key=str) == [], "migrated, not declared"
    assert sorted(declared - migrated, key=str) == [], "declared, not migrated"


@pytest.mark.parametrize(
    "app", [STORAGE_APP, TENANTS_APP, PEOPLE_APP, FLEET_APP], ids=lambda app: app.app_name
)
def test_auto_migration_finds_nothing_to_do(monkeypatch: pytest.MonkeyPatch, app: Any) -> None:
    """What ``PICCOLO_CONF=ethiq.piccolo.conf piccolo migrations new APP --auto`` would write
    (docs/architecture.md): nothing, so the next table change yields only that change."""
    monkeypatch.setenv("PICCOLO_CONF", "ethiq.piccolo.conf")
    changes = asyncio.run(AutoMigrationManager().get_alter_statements(app_config=app))
    assert [statement for change in changes for statement in change.statements] == []
