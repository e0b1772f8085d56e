"""An alert's ``suspended`` status: not sent, the tenant's subscription did not cover alerts.

Choices are not a database constraint in piccolo: this runs no SQL. It keeps piccolo's record
of the schema level with the table, so that ``migrations new --auto`` finds nothing to do.
"""

from __future__ import annotations

from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-02T03:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "alert status suspended"

_BEFORE = {
    "PENDING": "pending",
    "SENDING": "sending",
    "SENT": "sent",
    "DELIVERED": "delivered",
    "ACKNOWLEDGED": "acknowledged",
    "FAILED": "failed",
    "OPTED_OUT": "opted_out",
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)
    manager.alter_column(
        table_class_name="Alert",
        tablename="alert",
        column_name="status",
        db_column_name="status",
        params={"choices": Enum("AlertStatus", {**_BEFORE, "SUSPENDED": "suspended"})},
        old_params={"choices": Enum("AlertStatus", _BEFORE)},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )
    return manager
