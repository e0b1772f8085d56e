"""Inbound SMS by ``MessageSid``, so that a replayed webhook changes nothing twice."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-01T11:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "inbound messages by MessageSid"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)
    message = new_table(manager, "InboundMessage", "inbound_message")
    message.column("id", Serial, primary_key=True)
    message.column("sid", Varchar, length=34, default="", unique=True)
    message.column("from_number", Varchar, length=32, default="")
    message.column("received_at", Timestamptz, default=TimestamptzNow())
    return manager
