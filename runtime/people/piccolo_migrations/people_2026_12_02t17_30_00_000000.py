"""Why a sign-up's enrolment was refused, for the operator to act on."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text

from runtime.storage.migration_ops import table

ID = "2026-12-02T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sign-up refusal reason"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    table(manager, "SignupRequest", "signup_request").column("reason", Text, default="")
    return manager
