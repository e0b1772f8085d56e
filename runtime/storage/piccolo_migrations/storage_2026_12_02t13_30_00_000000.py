"""What each run of an erasure request deleted in the tenant's store, written in the deletes'
own transaction (``runtime.privacy.tables.ErasureRun``)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Integer, Serial, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-02T13:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "erasure runs"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)
    run = new_table(manager, "ErasureRun", "erasure_run")
    run.column("id", Serial, primary_key=True)
    run.column("request", Integer, default=0, index=True)
    run.column("at", Timestamptz, default=TimestamptzNow())
    run.column("counts", JSON, default="{}")
    return manager
