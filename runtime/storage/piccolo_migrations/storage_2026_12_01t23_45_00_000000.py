"""Texts to the person themself (a missed call): one outbox row per call and kind."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Serial, SmallInt, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T23:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notices to the person"

_COMMON = {
    "primary_key": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storage", description=DESCRIPTION)
    table: dict[str, Any] = {
        "table_class_name": "Notice",
        "tablename": "person_notice",
        "schema": None,
    }
    manager.add_table(class_name="Notice", tablename="person_notice", schema=None, columns=None)

    def column(name: str, cls: Any, **params: Any) -> None:
        manager.add_column(
            **table,
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params={**_COMMON, "unique": False, "null": False, **params},
        )

    column("id", Serial, primary_key=True)
    column("key", Varchar, length=48, default="", unique=True)
    column("call", Integer, default=0, index=True)
    column("kind", Varchar, length=16, default="")
    column("status", Varchar, length=16, default="pending")
    column("attempts", SmallInt, default=0)
    column("next_attempt_at", Timestamptz, default=None, null=True, index=True)
    column("message_sid", Varchar, length=34, default=None, null=True)
    column("error_code", Integer, default=None, null=True)
    column("created_at", Timestamptz, default=TimestamptzNow())
    column("updated_at", Timestamptz, default=TimestamptzNow())
    return manager
