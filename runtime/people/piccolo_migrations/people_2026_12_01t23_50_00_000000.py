"""A new contact's language, asked for on the person's page with the contact."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T23:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a new contact's language on a contact change"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ContactChange",
        tablename="contact_change",
        schema=None,
        column_name="language",
        db_column_name="language",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 8,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
    )
    return manager
