"""Forwarding test calls: one row per call placed to a person's own number."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-01T17:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "forwarding test calls"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    test = new_table(manager, "ForwardingTest", "forwarding_test")
    test.column("token", Varchar, length=32, default="", unique=True)
    test.column("call_sid", Varchar, length=34, default="")
    test.column("slug", Varchar, length=63, default="", index=True)
    test.column("own_number", Varchar, length=16, default="")
    test.column("status", Varchar, length=16, default="calling")
    test.column("outcome", Varchar, length=32, default="")
    test.column("forwarded_from", Varchar, length=32, default="")
    test.column("started_at", Timestamptz, default=TimestamptzNow())
    test.column("finished_at", Timestamptz, null=True)
    return manager
