"""Billing accounts and Stripe's processed events (runtime/billing/tables.py)."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T12:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "billing accounts and processed Stripe events"


def _params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "default": "",
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    return params | overrides


_TABLES: dict[str, tuple[str, list[tuple[str, type[Any], dict[str, Any]]]]] = {
    "BillingAccount": (
        "billing_account",
        [
            ("tenant", Varchar, _params(length=63, unique=True)),
            ("customer_id", Varchar, _params(length=255, unique=True)),
            ("plan", Varchar, _params(length=32)),
            ("subscription_id", Varchar, _params(length=255)),
            ("subscription_status", Varchar, _params(length=32, default="none")),
            ("verification_id", Varchar, _params(length=255)),
            ("kyc_status", Varchar, _params(length=32, default="none")),
            ("kyc_updated_at", Timestamptz, _params(default=None, null=True)),
            ("terms_version", Varchar, _params(length=32)),
            ("terms_accepted_at", Timestamptz, _params(default=None, null=True)),
            ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
        ],
    ),
    "StripeEvent": (
        "stripe_event",
        [
            ("event_id", Varchar, _params(length=255, unique=True)),
            ("type", Varchar, _params(length=128)),
            ("received_at", Timestamptz, _params(default=TimestamptzNow())),
        ],
    ),
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    for class_name, (tablename, columns) in _TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for column_name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=column_name,
                db_column_name=column_name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
