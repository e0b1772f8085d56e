"""A new contact's language, asked for on the person's page with the contact."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-01T23:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a new contact's language on a contact change"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    table(manager, "ContactChange", "contact_change").column(
        "language", Varchar, length=8, default=""
    )
    return manager
