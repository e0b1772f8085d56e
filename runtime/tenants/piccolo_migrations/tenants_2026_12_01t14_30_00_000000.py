"""The tenant's screening sensitivity (``ethiq:sensitivity`` of its stack file).

Null follows the platform default (``ETHIQ_SENSITIVITY``); otherwise ``low``, ``normal``,
``high`` or a number from 0 to 1 as text, exactly as ``ethiq eval --sensitivity`` takes it.
"""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-01T14:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant screening sensitivity"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    table(manager, "Tenant", "tenant").column("sensitivity", Varchar, length=16, null=True)
    return manager
