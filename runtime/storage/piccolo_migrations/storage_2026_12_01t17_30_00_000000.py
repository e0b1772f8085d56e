"""Contacts' invitations (double opt-in): one outbox row per contact and message kind."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Serial, SmallInt, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-01T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contacts' invitations"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)
    invitation = new_table(manager, "Invitation", "invitation")
    invitation.column("id", Serial, primary_key=True)
    invitation.column("key", Varchar, length=48, default="", unique=True)
    invitation.column("contact", Integer, default=0, index=True)
    invitation.column("kind", Varchar, length=16, default="")
    invitation.column("status", Varchar, length=16, default="pending")
    invitation.column("attempts", SmallInt, default=0)
    invitation.column("next_attempt_at", Timestamptz, null=True, index=True)
    invitation.column("message_sid", Varchar, length=34, null=True)
    invitation.column("error_code", Integer, null=True)
    invitation.column("sent_at", Timestamptz, null=True)
    invitation.column("created_at", Timestamptz, default=TimestamptzNow())
    invitation.column("updated_at", Timestamptz, default=TimestamptzNow())
    return manager
