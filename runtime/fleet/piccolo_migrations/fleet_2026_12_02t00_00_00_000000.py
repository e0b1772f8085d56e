"""Messages to the on-call operator (operator alerts and the digest)."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "operator alerts"

_COMMON = {
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fleet", description=DESCRIPTION)
    where: dict[str, Any] = {
        "table_class_name": "OperatorAlert",
        "tablename": "operator_alert",
        "schema": None,
    }
    manager.add_table(
        class_name="OperatorAlert", tablename="operator_alert", schema=None, columns=None
    )

    def column(name: str, cls: Any, **params: Any) -> None:
        manager.add_column(
            **where,
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params={
                **_COMMON,
                "primary_key": False,
                "unique": False,
                "index": False,
                "null": False,
                **params,
            },
        )

    column("key", Varchar, length=200, default="", unique=True)
    column("channel", Varchar, length=8, default="")
    column("recipient", Varchar, length=254, default="")
    column("subject", Varchar, length=200, default="")
    column("body", Text, default="")
    column("status", Varchar, length=16, default="pending")
    column("attempts", SmallInt, default=0)
    column("next_attempt_at", Timestamptz, null=True, default=None, index=True)
    column("message_sid", Varchar, length=200, null=True, default=None)
    column("error_code", Integer, null=True, default=None)
    column("created_at", Timestamptz, default=TimestamptzNow(), index=True)
    column("updated_at", Timestamptz, default=TimestamptzNow())
    return manager
