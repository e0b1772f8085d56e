"""The alert manager's SNS notifications already applied (by MessageId)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-02T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "alert notifications"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fleet", description=DESCRIPTION)
    notification = new_table(manager, "AlertNotification", "alert_notification")
    notification.column("message_id", Varchar, length=100, default="", unique=True)
    notification.column("received_at", Timestamptz, default=TimestamptzNow())
    return manager
