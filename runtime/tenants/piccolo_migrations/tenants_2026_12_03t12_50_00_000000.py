"""Why the account's identity check did not succeed (Stripe Identity's ``last_error.code``), so
a session waiting for the person is told apart from a failed check; NULL for rows before it."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from runtime.storage.migration_ops import table

ID = "2026-12-03T12:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "billing account: the identity check's error code"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    table(manager, "BillingAccount", "billing_account").column(
        "kyc_error", Varchar, length=64, null=True
    )
    return manager
