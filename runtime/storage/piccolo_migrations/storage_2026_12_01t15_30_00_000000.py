"""Which subaccount's tenant a schema's data belongs to (``tenant_owner``)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-01T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant owner"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)
    owner = new_table(manager, "Owner", "tenant_owner")
    owner.column("id", Serial, primary_key=True)
    owner.column("subaccount_sid", Varchar, length=34, default="", unique=True)
    owner.column("claimed_at", Timestamptz, default=TimestamptzNow())
    return manager
