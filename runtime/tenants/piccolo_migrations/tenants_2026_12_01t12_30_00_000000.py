"""Billing accounts and Stripe's processed events (runtime/billing/tables.py)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-01T12:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "billing accounts and processed Stripe events"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    account = new_table(manager, "BillingAccount", "billing_account")
    account.column("tenant", Varchar, length=63, default="", unique=True)
    account.column("customer_id", Varchar, length=255, default="", unique=True)
    account.column("plan", Varchar, length=32, default="")
    account.column("subscription_id", Varchar, length=255, default="")
    account.column("subscription_status", Varchar, length=32, default="none")
    account.column("verification_id", Varchar, length=255, default="")
    account.column("kyc_status", Varchar, length=32, default="none")
    account.column("kyc_updated_at", Timestamptz, null=True)
    account.column("terms_version", Varchar, length=32, default="")
    account.column("terms_accepted_at", Timestamptz, null=True)
    account.column("updated_at", Timestamptz, default=TimestamptzNow())

    event = new_table(manager, "StripeEvent", "stripe_event")
    event.column("event_id", Varchar, length=255, default="", unique=True)
    event.column("type", Varchar, length=128, default="")
    event.column("received_at", Timestamptz, default=TimestamptzNow())
    return manager
