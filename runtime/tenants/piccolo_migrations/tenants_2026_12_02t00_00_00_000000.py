"""Quota notices, metered usage periods and the subscription lifecycle's dates
(runtime/billing/tables.py)."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "quota notices, usage periods, subscription lifecycle"


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


_NOW = _params(default=TimestamptzNow())
_NULL_TIME = _params(default=None, null=True)

_TABLES: dict[str, tuple[str, list[tuple[str, type[Any], dict[str, Any]]]]] = {
    "QuotaNotice": (
        "quota_notice",
        [
            ("key", Varchar, _params(length=128, unique=True)),
            ("tenant", Varchar, _params(length=63, index=True)),
            ("period", Varchar, _params(length=10)),
            ("metric", Varchar, _params(length=32)),
            ("threshold", SmallInt, _params(default=0)),
            ("used", Integer, _params(default=0)),
            ("allowed", Integer, _params(default=0)),
            ("source", Varchar, _params(length=16)),
            ("detail", Text, _params()),
            ("incident", Integer, _params(default=None, null=True)),
            ("channel", Varchar, _params(length=8, default="none")),
            ("status", Varchar, _params(length=16, default="pending")),
            ("attempts", SmallInt, _params(default=0)),
            ("next_attempt_at", Timestamptz, _NULL_TIME),
            ("message_sid", Varchar, _params(length=255, default=None, null=True)),
            ("error_code", Integer, _params(default=None, null=True)),
            ("created_at", Timestamptz, _NOW),
            ("updated_at", Timestamptz, _NOW),
            ("sent_at", Timestamptz, _NULL_TIME),
        ],
    ),
    "UsagePeriod": (
        "usage_period",
        [
            ("key", Varchar, _params(length=72, unique=True)),
            ("tenant", Varchar, _params(length=63, index=True)),
            ("period", Varchar, _params(length=7)),
            ("plan", Varchar, _params(length=32)),
            ("screened_minutes", Integer, _params(default=0)),
            ("alerts", Integer, _params(default=0)),
            ("contacts", Integer, _params(default=0)),
            ("overage_minutes", Integer, _params(default=0)),
            ("rule", Varchar, _params(length=8)),
            ("amount_cents", Integer, _params(default=0)),
            ("invoice_item", Varchar, _params(length=255)),
            ("closed", Boolean, _params(default=False)),
            ("updated_at", Timestamptz, _NOW),
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
    for column_name in ("past_due_since", "canceled_at"):
        manager.add_column(
            table_class_name="BillingAccount",
            tablename="billing_account",
            column_name=column_name,
            db_column_name=column_name,
            column_class_name="Timestamptz",
            column_class=Timestamptz,
            params=_NULL_TIME,
            schema=None,
        )
    return manager
