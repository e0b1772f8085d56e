"""When the on-call was last told of a campaign caller or a scam surge (one episode each)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-03T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "operator episodes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fleet", description=DESCRIPTION)
    episode = new_table(manager, "OperatorEpisode", "operator_episode")
    episode.column("what", Varchar, length=200, default="", unique=True)
    episode.column("started_at", Timestamptz, default=TimestamptzNow(), index=True)
    return manager
