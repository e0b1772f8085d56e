"""The tenant's Messaging Service (alerts are sent through it; its Advanced Opt-Out keywords are
what Twilio blocks on)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-01T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant messaging service"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    table(manager, "Tenant", "tenant").column(
        "messaging_service_sid", Varchar, length=34, default=""
    )
    return manager
