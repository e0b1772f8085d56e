"""Platform-wide blocks (with their audit trail) and incident records."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-01T20:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "platform blocks and incidents"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fleet", description=DESCRIPTION)
    block = new_table(manager, "PlatformBlock", "platform_block")
    block.column("number", Varchar, length=16, default="", index=True)
    block.column("blocked_at", Timestamptz, default=TimestamptzNow())
    block.column("blocked_by", Varchar, length=64, default="")
    block.column("reason", Text, default="")
    block.column("unblocked_at", Timestamptz, null=True)
    block.column("unblocked_by", Varchar, length=64, default="")
    block.column("unblock_reason", Text, default="")

    incident = new_table(manager, "Incident", "incident")
    incident.column("fingerprint", Varchar, length=128, default="", index=True)
    incident.column("source", Varchar, length=16, default="")
    incident.column("title", Varchar, length=200, default="")
    incident.column("severity", Varchar, length=16, default="")
    incident.column("detail", Text, default="")
    incident.column("opened_at", Timestamptz, default=TimestamptzNow())
    incident.column("last_seen_at", Timestamptz, default=TimestamptzNow())
    incident.column("alert_resolved_at", Timestamptz, null=True)
    incident.column("closed_at", Timestamptz, null=True)
    incident.column("closed_by", Varchar, length=64, default="")
    incident.column("resolution", Text, default="")
    return manager
