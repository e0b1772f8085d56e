"""Messages to the on-call operator (operator alerts and the digest)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-02T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "operator alerts"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fleet", description=DESCRIPTION)
    alert = new_table(manager, "OperatorAlert", "operator_alert")
    alert.column("key", Varchar, length=200, default="", unique=True)
    alert.column("channel", Varchar, length=8, default="")
    alert.column("recipient", Varchar, length=254, default="")
    alert.column("subject", Varchar, length=200, default="")
    alert.column("body", Text, default="")
    alert.column("status", Varchar, length=16, default="pending")
    alert.column("attempts", SmallInt, default=0)
    alert.column("next_attempt_at", Timestamptz, null=True, index=True)
    alert.column("message_sid", Varchar, length=200, null=True)
    alert.column("error_code", Integer, null=True)
    alert.column("created_at", Timestamptz, default=TimestamptzNow(), index=True)
    alert.column("updated_at", Timestamptz, default=TimestamptzNow())
    return manager
