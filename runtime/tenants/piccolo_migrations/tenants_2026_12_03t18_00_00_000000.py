"""The household's other phones forwarding to the tenant's Ethiq number
(``ethiq:monitoredNumbers``)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON

from runtime.storage.migration_ops import table

ID = "2026-12-03T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant monitored numbers"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    tenant = table(manager, "Tenant", "tenant")
    tenant.column("monitored_numbers", JSON, default="[]")
    return manager
