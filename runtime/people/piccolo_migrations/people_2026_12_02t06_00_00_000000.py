"""The kind of an onboarding test call: to the person's own number (forwarding) or their app."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-02T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "test call kind"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    table(manager, "ForwardingTest", "forwarding_test").column(
        "kind", Varchar, length=16, default="forwarding"
    )
    return manager
