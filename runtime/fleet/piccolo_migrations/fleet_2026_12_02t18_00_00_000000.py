"""When each recorded provisioning time was observed in ethiq_provisioning_seconds."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz

from runtime.storage.migration_ops import table

ID = "2026-12-02T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "provisioning observed"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fleet", description=DESCRIPTION)
    table(manager, "Provisioning", "provisioning").column("observed_at", Timestamptz, null=True)
    return manager
