"""The person's call preferences: trusted and blocked numbers (one row each), quiet hours."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-01T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "trusted and blocked numbers, quiet hours"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    rule = new_table(manager, "CallerRule", "caller_rule")
    rule.column("key", Varchar, length=96, default="", unique=True)
    rule.column("slug", Varchar, length=63, default="", index=True)
    rule.column("kind", Varchar, length=8, default="")
    rule.column("number", Varchar, length=16, default="")
    rule.column("added_at", Timestamptz, default=TimestamptzNow())

    quiet = new_table(manager, "QuietHoursRow", "quiet_hours")
    quiet.column("slug", Varchar, length=63, default="", unique=True)
    quiet.column("starts", Varchar, length=5, default="")
    quiet.column("ends", Varchar, length=5, default="")
    quiet.column("zone", Varchar, length=64, default="")
    quiet.column("updated_at", Timestamptz, default=TimestamptzNow())
    return manager
