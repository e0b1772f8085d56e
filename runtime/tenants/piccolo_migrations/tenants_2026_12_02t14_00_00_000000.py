"""When the last Stripe event applied to an account's subscription and verification was made,
so an older event delivered late changes neither (runtime/billing/accounts.py)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz

from runtime.storage.migration_ops import table

ID = "2026-12-02T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "billing account: created time of the last applied Stripe events"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    account = table(manager, "BillingAccount", "billing_account")
    account.column("subscription_event_at", Timestamptz, null=True)
    account.column("kyc_event_at", Timestamptz, null=True)
    return manager
