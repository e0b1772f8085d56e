"""Requests for protection from the sign-up page."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-02T00:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sign-up requests"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    request = new_table(manager, "SignupRequest", "signup_request")
    request.column("name", Varchar, length=100, default="")
    request.column("email", Varchar, length=254, default="", index=True)
    request.column("phone", Varchar, length=16, default="")
    request.column("language", Varchar, length=5, default="")
    request.column("state", Varchar, length=8, default="pending")
    request.column("requested_at", Timestamptz, default=TimestamptzNow())
    request.column("done_at", Timestamptz, null=True)
    return manager
