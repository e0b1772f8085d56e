"""The Console step of Advanced Opt-Out as an operator recorded it: the fingerprint of the
entries entered, on which Messaging Service, when and by whom (runtime/alerts/console_step.py
compares it with what the tenant's registration now asks for)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-03T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant: Advanced Opt-Out entries recorded by an operator"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    tenant = table(manager, "Tenant", "tenant")
    tenant.column("opt_out_entered", Varchar, length=64, default="")
    tenant.column("opt_out_service", Varchar, length=34, default="")
    tenant.column("opt_out_entered_at", Timestamptz, null=True)
    tenant.column("opt_out_entered_by", Varchar, length=64, default="")
    return manager
