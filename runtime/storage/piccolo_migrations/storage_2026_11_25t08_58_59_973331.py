"""Keys spanning several columns, as unique indexes (SQLite cannot add table constraints later).

The table class is created inside ``run``, as piccolo's own migration operations do: a class at
module level would keep the engine of the first database it ran on, and these migrations run on
every tenant's database in turn.
"""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import create_table_class

ID = "2026-11-25T08:58:59:973331"
VERSION = "1.38.0"
DESCRIPTION = "one segment per sequence, one alert per contact"

UNIQUE_INDEXES = (
    'CREATE UNIQUE INDEX IF NOT EXISTS "transcript_segment_one_per_sequence" '
    'ON "transcript_segment" ("call", "track", "sequence")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "alert_one_per_contact" ON "alert" ("call", "contact")',
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)

    async def run() -> None:
        raw = create_table_class(class_name="RawStorage")
        for ddl in UNIQUE_INDEXES:
            await raw.raw(ddl).run()

    manager.add_raw(run)
    return manager
