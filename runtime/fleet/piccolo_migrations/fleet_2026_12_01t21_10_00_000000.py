"""Provisioning times of tenants' stacks, recorded from reconcile reports."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Float, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-01T21:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "provisioning times"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fleet", description=DESCRIPTION)
    provisioning = new_table(manager, "Provisioning", "provisioning")
    provisioning.column("key", Varchar, length=128, default="", unique=True)
    provisioning.column("stack", Varchar, length=63, default="", index=True)
    provisioning.column("head", Varchar, length=64, default="")
    provisioning.column("duration_s", Float, default=0.0)
    provisioning.column("recorded_at", Timestamptz, default=TimestamptzNow())
    return manager
