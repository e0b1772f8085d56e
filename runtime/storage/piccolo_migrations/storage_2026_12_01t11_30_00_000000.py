"""How a call ended for the person (answered, no-answer, busy, failed, voicemail) and what was
degraded on it (transcription errors, no conference, …), for the call log."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-01T11:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "call outcome and degradations"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)
    call = table(manager, "Call", "call")
    call.column("outcome", Varchar, length=16, null=True)
    call.column("degraded", Varchar, length=128, null=True)
    return manager
