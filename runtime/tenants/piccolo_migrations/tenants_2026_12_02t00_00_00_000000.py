"""Quota notices, metered usage periods and the subscription lifecycle's dates
(runtime/billing/tables.py)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table, table

ID = "2026-12-02T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "quota notices, usage periods, subscription lifecycle"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    notice = new_table(manager, "QuotaNotice", "quota_notice")
    notice.column("key", Varchar, length=128, default="", unique=True)
    notice.column("tenant", Varchar, length=63, default="", index=True)
    notice.column("period", Varchar, length=10, default="")
    notice.column("metric", Varchar, length=32, default="")
    notice.column("threshold", SmallInt, default=0)
    notice.column("used", Integer, default=0)
    notice.column("allowed", Integer, default=0)
    notice.column("source", Varchar, length=16, default="")
    notice.column("detail", Text, default="")
    notice.column("incident", Integer, null=True)
    notice.column("channel", Varchar, length=8, default="none")
    notice.column("status", Varchar, length=16, default="pending")
    notice.column("attempts", SmallInt, default=0)
    notice.column("next_attempt_at", Timestamptz, null=True)
    notice.column("message_sid", Varchar, length=255, null=True)
    notice.column("error_code", Integer, null=True)
    notice.column("created_at", Timestamptz, default=TimestamptzNow())
    notice.column("updated_at", Timestamptz, default=TimestamptzNow())
    notice.column("sent_at", Timestamptz, null=True)

    period = new_table(manager, "UsagePeriod", "usage_period")
    period.column("key", Varchar, length=72, default="", unique=True)
    period.column("tenant", Varchar, length=63, default="", index=True)
    period.column("period", Varchar, length=7, default="")
    period.column("plan", Varchar, length=32, default="")
    period.column("screened_minutes", Integer, default=0)
    period.column("alerts", Integer, default=0)
    period.column("contacts", Integer, default=0)
    period.column("overage_minutes", Integer, default=0)
    period.column("rule", Varchar, length=8, default="")
    period.column("amount_cents", Integer, default=0)
    period.column("invoice_item", Varchar, length=255, default="")
    period.column("closed", Boolean, default=False)
    period.column("updated_at", Timestamptz, default=TimestamptzNow())

    account = table(manager, "BillingAccount", "billing_account")
    account.column("past_due_since", Timestamptz, null=True)
    account.column("canceled_at", Timestamptz, null=True)
    return manager
