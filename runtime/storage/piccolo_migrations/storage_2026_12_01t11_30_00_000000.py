"""How a call ended for the person (answered, no-answer, busy, failed, voicemail) and what was
degraded on it (transcription errors, no conference, …), for the call log."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T11:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "call outcome and degradations"


def _params(length: int) -> dict[str, object]:
    return {
        "length": length,
        "default": None,
        "null": True,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)
    for name, length in (("outcome", 16), ("degraded", 128)):
        manager.add_column(
            table_class_name="Call",
            tablename="call",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_params(length),
            schema=None,
        )
    return manager
