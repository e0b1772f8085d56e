"""Where the person asking for protection lives (a region Ethiq serves), on the sign-up request."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-02T03:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sign-up request region"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    table(manager, "SignupRequest", "signup_request").column(
        "region", Varchar, length=8, default=""
    )
    return manager
