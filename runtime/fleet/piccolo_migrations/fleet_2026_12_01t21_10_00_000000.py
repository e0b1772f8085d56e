"""Provisioning times of tenants' stacks, recorded from reconcile reports."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Float, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T21:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "provisioning times"

_COMMON = {
    "primary_key": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fleet", description=DESCRIPTION)
    where: dict[str, Any] = {
        "table_class_name": "Provisioning",
        "tablename": "provisioning",
        "schema": None,
    }
    manager.add_table(
        class_name="Provisioning", tablename="provisioning", schema=None, columns=None
    )

    def column(name: str, cls: Any, **params: Any) -> None:
        manager.add_column(
            **where,
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params={**_COMMON, "unique": False, "index": False, "null": False, **params},
        )

    column("key", Varchar, length=128, default="", unique=True)
    column("stack", Varchar, length=63, default="", index=True)
    column("head", Varchar, length=64, default="")
    column("duration_s", Float, default=0.0)
    column("recorded_at", Timestamptz, default=TimestamptzNow())
    return manager
