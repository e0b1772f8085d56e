"""Forwarding test calls: one row per call placed to a person's own number."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T17:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "forwarding test calls"

_COMMON = {
    "primary_key": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    table: dict[str, Any] = {
        "table_class_name": "ForwardingTest",
        "tablename": "forwarding_test",
        "schema": None,
    }
    manager.add_table(
        class_name="ForwardingTest", tablename="forwarding_test", schema=None, columns=None
    )

    def column(name: str, cls: Any, **params: Any) -> None:
        manager.add_column(
            **table,
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params={**_COMMON, "unique": False, "index": False, "null": False, **params},
        )

    column("token", Varchar, length=32, default="", unique=True)
    column("call_sid", Varchar, length=34, default="")
    column("slug", Varchar, length=63, default="", index=True)
    column("own_number", Varchar, length=16, default="")
    column("status", Varchar, length=16, default="calling")
    column("outcome", Varchar, length=32, default="")
    column("forwarded_from", Varchar, length=32, default="")
    column("started_at", Timestamptz, default=TimestamptzNow())
    column("finished_at", Timestamptz, default=None, null=True)
    return manager
