"""The person's call preferences: trusted and blocked numbers (one row each), quiet hours."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "trusted and blocked numbers, quiet hours"

_COMMON = {
    "primary_key": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)

    def table(class_name: str, tablename: str) -> Any:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)

        def column(name: str, cls: Any, **params: Any) -> None:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                schema=None,
                column_name=name,
                db_column_name=name,
                column_class_name=cls.__name__,
                column_class=cls,
                params={**_COMMON, "unique": False, "index": False, "null": False, **params},
            )

        return column

    rule = table("CallerRule", "caller_rule")
    rule("key", Varchar, length=96, default="", unique=True)
    rule("slug", Varchar, length=63, default="", index=True)
    rule("kind", Varchar, length=8, default="")
    rule("number", Varchar, length=16, default="")
    rule("added_at", Timestamptz, default=TimestamptzNow())

    quiet = table("QuietHoursRow", "quiet_hours")
    quiet("slug", Varchar, length=63, default="", unique=True)
    quiet("starts", Varchar, length=5, default="")
    quiet("ends", Varchar, length=5, default="")
    quiet("zone", Varchar, length=64, default="")
    quiet("updated_at", Timestamptz, default=TimestamptzNow())
    return manager
