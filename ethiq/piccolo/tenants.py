"""Piccolo app ``tenants``: the platform registry and the billing tables, which its migrations
create (the registry's package sits below billing, so only this tooling can list both)."""

from __future__ import annotations

from piccolo.conf.apps import AppConfig

from runtime.billing.tables import BillingAccount, KycSession, QuotaNotice, StripeEvent, UsagePeriod
from runtime.storage import PLATFORM_MIGRATIONS
from runtime.tenants.tables import Tenant

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name=PLATFORM_MIGRATIONS.app_name,
    migrations_folder_path=PLATFORM_MIGRATIONS.folder,
    table_classes=[Tenant, BillingAccount, KycSession, StripeEvent, QuotaNotice, UsagePeriod],
)
