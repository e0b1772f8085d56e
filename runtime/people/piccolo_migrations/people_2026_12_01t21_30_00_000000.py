"""Changes to the emergency contacts asked for on the person's page (become stack commits)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-01T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contact changes asked for on the person's page"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    change = new_table(manager, "ContactChange", "contact_change")
    change.column("slug", Varchar, length=63, default="", index=True)
    change.column("op", Varchar, length=8, default="")
    change.column("number", Varchar, length=16, default="")
    change.column("name", Varchar, length=100, default="")
    change.column("state", Varchar, length=12, default="pending")
    change.column("commit", Varchar, length=40, default="")
    change.column("expect", Text, default="")
    change.column("detail", Text, default="")
    change.column("requested_at", Timestamptz, default=TimestamptzNow())
    change.column("done_at", Timestamptz, null=True)
    return manager
