"""The registry's generation: one counter every registry write bumps in its own transaction.

Runtime processes cache routing in memory and in the shared store under the current generation
and read this one row (by primary key) at most once per check interval, so a stack that changes
a tenant invalidates every cache within that interval, at no cost per webhook.
"""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import create_table_class

ID = "2026-12-01T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registry generation counter"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "registry_generation" '
    '("id" INTEGER PRIMARY KEY, "generation" BIGINT NOT NULL)',
    'INSERT INTO "registry_generation" ("id", "generation") VALUES (1, 0) ON CONFLICT DO NOTHING',
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)

    async def run() -> None:
        raw = create_table_class(class_name="RawTenants")
        for statement in STATEMENTS:
            await raw.raw(statement).run()

    manager.add_raw(run)
    return manager
