"""Texts to the person themself (a missed call): one outbox row per call and kind."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Serial, SmallInt, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-01T23:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notices to the person"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)
    notice = new_table(manager, "Notice", "person_notice")
    notice.column("id", Serial, primary_key=True)
    notice.column("key", Varchar, length=48, default="", unique=True)
    notice.column("call", Integer, default=0, index=True)
    notice.column("kind", Varchar, length=16, default="")
    notice.column("status", Varchar, length=16, default="pending")
    notice.column("attempts", SmallInt, default=0)
    notice.column("next_attempt_at", Timestamptz, null=True, index=True)
    notice.column("message_sid", Varchar, length=34, null=True)
    notice.column("error_code", Integer, null=True)
    notice.column("created_at", Timestamptz, default=TimestamptzNow())
    notice.column("updated_at", Timestamptz, default=TimestamptzNow())
    return manager
