"""The final segments of a call after a given one, by an index: a cost independent of call length.

Each final transcript segment reads the call's final segments the caller's session has not been
fed (``s."call" = $ AND s."final" AND s."id" > $``, see ``runtime/calls/records.py``). The
unique index on (call, track, sequence) found them only by walking every segment of the call:
segment 400 read 400 index entries. An index on (call, final, id) is one range scan from the
last segment fed, on PostgreSQL and on SQLite alike (whose planner could not match a partial
index's ``WHERE "final"`` to piccolo's bound ``"final" = ?``). Partial results are not asked
for (``partialResults`` false), so nearly every row is final and a partial index would save
little.
"""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import create_table_class

ID = "2026-12-02T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index of a call's final segments by id"

INDEX = (
    'CREATE INDEX IF NOT EXISTS "transcript_segment_final_by_call" '
    'ON "transcript_segment" ("call", "final", "id")'
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)

    async def run() -> None:
        raw = create_table_class(class_name="RawStorage")
        await raw.raw(INDEX).run()

    manager.add_raw(run)
    return manager
