"""The protected person's name (``ethiq:personName``, named in alerts) and the countries their
SIP app may call beyond Canada and the US (``ethiq:callCountries``)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant person name and call countries"

_COMMON = {
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Tenant",
        tablename="tenant",
        column_name="person_name",
        db_column_name="person_name",
        column_class_name="Varchar",
        column_class=Varchar,
        params={**_COMMON, "length": 40, "default": ""},
        schema=None,
    )
    manager.add_column(
        table_class_name="Tenant",
        tablename="tenant",
        column_name="call_countries",
        db_column_name="call_countries",
        column_class_name="JSON",
        column_class=JSON,
        params={**_COMMON, "default": "[]"},
        schema=None,
    )
    return manager
