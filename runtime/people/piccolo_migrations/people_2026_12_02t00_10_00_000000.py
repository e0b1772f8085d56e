"""Requests for protection from the sign-up page."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T00:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sign-up requests"

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
        class_name="SignupRequest", tablename="signup_request", schema=None, columns=None
    )

    def column(name: str, cls: Any, **params: Any) -> None:
        manager.add_column(
            table_class_name="SignupRequest",
            tablename="signup_request",
            schema=None,
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params={**_COMMON, "unique": False, "index": False, "null": False, **params},
        )

    column("name", Varchar, length=100, default="")
    column("email", Varchar, length=254, default="", index=True)
    column("phone", Varchar, length=16, default="")
    column("language", Varchar, length=5, default="")
    column("state", Varchar, length=8, default="pending")
    column("requested_at", Timestamptz, default=TimestamptzNow())
    column("done_at", Timestamptz, default=None, null=True)
    return manager
