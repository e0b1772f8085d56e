"""A sign-up's first emergency contact, the stack the request became and its commit."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-02T06:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sign-up request contact and stack"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    table(manager, "SignupRequest", "signup_request").column(
        "tenant", Varchar, length=63, default=""
    ).column("commit", Varchar, length=40, default="").column(
        "contact_name", Varchar, length=100, default=""
    ).column("contact_number", Varchar, length=16, default="")
    return manager
