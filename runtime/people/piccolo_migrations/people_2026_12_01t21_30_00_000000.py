"""Changes to the emergency contacts asked for on the person's page (become stack commits)."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contact changes asked for on the person's page"

_COMMON = {
    "primary_key": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    manager.add_table(
        class_name="ContactChange", tablename="contact_change", schema=None, columns=None
    )

    def column(name: str, cls: Any, **params: Any) -> None:
        manager.add_column(
            table_class_name="ContactChange",
            tablename="contact_change",
            schema=None,
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params={**_COMMON, "unique": False, "index": False, "null": False, **params},
        )

    column("slug", Varchar, length=63, default="", index=True)
    column("op", Varchar, length=8, default="")
    column("number", Varchar, length=16, default="")
    column("name", Varchar, length=100, default="")
    column("state", Varchar, length=12, default="pending")
    column("commit", Varchar, length=40, default="")
    column("expect", Text, default="")
    column("detail", Text, default="")
    column("requested_at", Timestamptz, default=TimestamptzNow())
    column("done_at", Timestamptz, default=None, null=True)
    return manager
