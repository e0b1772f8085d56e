"""Erasure requests and the privacy audit trail."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "erasure requests and the privacy audit"

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

    column = table("ErasureRequest", "erasure_request")
    column("slug", Varchar, length=63, default="", index=True)
    column("state", Varchar, length=12, default="pending")
    column("requested_by", Varchar, length=64, default="")
    column("requested_at", Timestamptz, default=TimestamptzNow())
    column("done_at", Timestamptz, default=None, null=True)
    column("erased", JSON, default="{}")
    column = table("PrivacyAudit", "privacy_audit")
    column("slug", Varchar, length=63, default="", index=True)
    column("action", Varchar, length=16, default="")
    column("actor", Varchar, length=64, default="")
    column("at", Timestamptz, default=TimestamptzNow(), index=True)
    column("counts", JSON, default="{}")
    return manager
