"""Which subaccount's tenant a schema's data belongs to (``tenant_owner``)."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant owner"

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
        "table_class_name": "Owner",
        "tablename": "tenant_owner",
        "schema": None,
    }
    manager.add_table(class_name="Owner", tablename="tenant_owner", schema=None, columns=None)
    manager.add_column(
        **table,
        column_name="id",
        db_column_name="id",
        column_class_name="Serial",
        column_class=Serial,
        params={**_COMMON, "null": False, "primary_key": True, "unique": False},
    )
    manager.add_column(
        **table,
        column_name="subaccount_sid",
        db_column_name="subaccount_sid",
        column_class_name="Varchar",
        column_class=Varchar,
        params={**_COMMON, "length": 34, "default": "", "null": False, "unique": True},
    )
    manager.add_column(
        **table,
        column_name="claimed_at",
        db_column_name="claimed_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={**_COMMON, "default": TimestamptzNow(), "null": False, "unique": False},
    )
    return manager
