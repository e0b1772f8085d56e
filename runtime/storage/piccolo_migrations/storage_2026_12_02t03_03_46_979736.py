"""The status choices of alerts, invitations and notices, as the table classes declare them.

Choices are not a database constraint in piccolo: this runs no SQL. It brings piccolo's record
of the schema level with the tables, so that ``migrations new --auto`` finds nothing to do.
"""

from __future__ import annotations

from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-02T03:03:46:979736"
VERSION = "1.38.0"
DESCRIPTION = "status choices of alerts, invitations and notices"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)

    manager.alter_column(
        table_class_name="Alert",
        tablename="alert",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "AlertStatus",
                {
                    "PENDING": "pending",
                    "SENDING": "sending",
                    "SENT": "sent",
                    "DELIVERED": "delivered",
                    "ACKNOWLEDGED": "acknowledged",
                    "FAILED": "failed",
                    "OPTED_OUT": "opted_out",
                },
            )
        },
        old_params={
            "choices": Enum(
                "AlertStatus",
                {
                    "PENDING": "pending",
                    "SENDING": "sending",
                    "SENT": "sent",
                    "FAILED": "failed",
                    "OPTED_OUT": "opted_out",
                    "DELIVERED": "delivered",
                    "ACKNOWLEDGED": "acknowledged",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Invitation",
        tablename="invitation",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "InvitationStatus",
                {
                    "PENDING": "pending",
                    "SENDING": "sending",
                    "SENT": "sent",
                    "DELIVERED": "delivered",
                    "FAILED": "failed",
                    "OPTED_OUT": "opted_out",
                    "SKIPPED": "skipped",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Notice",
        tablename="person_notice",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "NoticeStatus",
                {
                    "PENDING": "pending",
                    "SENDING": "sending",
                    "SENT": "sent",
                    "DELIVERED": "delivered",
                    "FAILED": "failed",
                    "OPTED_OUT": "opted_out",
                    "SKIPPED": "skipped",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
