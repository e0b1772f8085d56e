"""Platform-wide blocks (with their audit trail) and incident records."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T20:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "platform blocks and incidents"

_COMMON = {
    "primary_key": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fleet", description=DESCRIPTION)

    def table(class_name: str, tablename: str) -> Any:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        where: dict[str, Any] = {
            "table_class_name": class_name,
            "tablename": tablename,
            "schema": None,
        }

        def column(name: str, cls: Any, **params: Any) -> None:
            manager.add_column(
                **where,
                column_name=name,
                db_column_name=name,
                column_class_name=cls.__name__,
                column_class=cls,
                params={**_COMMON, "unique": False, "index": False, "null": False, **params},
            )

        return column

    block = table("PlatformBlock", "platform_block")
    block("number", Varchar, length=16, default="", index=True)
    block("blocked_at", Timestamptz, default=TimestamptzNow())
    block("blocked_by", Varchar, length=64, default="")
    block("reason", Text, default="")
    block("unblocked_at", Timestamptz, default=None, null=True)
    block("unblocked_by", Varchar, length=64, default="")
    block("unblock_reason", Text, default="")

    incident = table("Incident", "incident")
    incident("fingerprint", Varchar, length=128, default="", index=True)
    incident("source", Varchar, length=16, default="")
    incident("title", Varchar, length=200, default="")
    incident("severity", Varchar, length=16, default="")
    incident("detail", Text, default="")
    incident("opened_at", Timestamptz, default=TimestamptzNow())
    incident("last_seen_at", Timestamptz, default=TimestamptzNow())
    incident("alert_resolved_at", Timestamptz, default=None, null=True)
    incident("closed_at", Timestamptz, default=None, null=True)
    incident("closed_by", Varchar, length=64, default="")
    incident("resolution", Text, default="")
    return manager
