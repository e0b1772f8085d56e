"""The protected person's name (``ethiq:personName``, named in alerts) and the countries their
SIP app may call beyond Canada and the US (``ethiq:callCountries``)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-01T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant person name and call countries"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    tenant = table(manager, "Tenant", "tenant")
    tenant.column("person_name", Varchar, length=40, default="")
    tenant.column("call_countries", JSON, default="[]")
    return manager
