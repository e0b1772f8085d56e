"""The registry generation each tenant row was last written with, so a process that saw
generation N reads only the tenants registered since (the job worker's look for new contacts)
instead of every tenant. Rows written before read 0: a process's first look reads them all."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt

from runtime.storage.migration_ops import table

ID = "2026-12-03T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant: the registry generation of its last registration"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    table(manager, "Tenant", "tenant").column("written_generation", BigInt, default=0)
    return manager
