"""Where the tenant's US texting registration stands (A2P 10DLC or Toll-Free Verification), for
the person's page."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-02T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant US texting registration"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    table(manager, "Tenant", "tenant").column("us_texting", Varchar, length=8, default="")
    return manager
