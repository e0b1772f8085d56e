"""Tenant data: the piccolo app ``storage`` and per-tenant storage chosen by the database URL.

PostgreSQL keeps each tenant in schema ``tenant_<key>``; the embedded SQLite default keeps each in
its own file. :func:`store_for_url` picks the backend; :func:`bind_table` gives the runtime a
table on one tenant's engine. The tables themselves belong to their domains
(:mod:`runtime.calls.tables`, :mod:`runtime.alerts.tables`, :mod:`runtime.tenants.schema_tables`);
storage knows none of them.
"""

from __future__ import annotations

from runtime.storage.bind import bind_table
from runtime.storage.errors import InvalidSlug, MigrationError, StorageError, UnsupportedDatabaseURL
from runtime.storage.migrations import (
    PLATFORM_MIGRATIONS,
    TENANT_MIGRATIONS,
    MigrationSet,
    applied_migrations,
    apply_migrations,
)
from runtime.storage.names import data_key, tenant_namespace, validate_slug
from runtime.storage.postgres import PoolLimits, PoolStats, RawFetch, raw_fetch
from runtime.storage.tenant_store import TenantStore, sqlite_path, store_for_url
from runtime.storage.widths import FieldTooLong, check_widths, width

__all__ = [
    "PLATFORM_MIGRATIONS",
    "TENANT_MIGRATIONS",
    "FieldTooLong",
    "InvalidSlug",
    "MigrationError",
    "MigrationSet",
    "PoolLimits",
    "PoolStats",
    "RawFetch",
    "StorageError",
    "TenantStore",
    "UnsupportedDatabaseURL",
    "applied_migrations",
    "apply_migrations",
    "bind_table",
    "check_widths",
    "data_key",
    "raw_fetch",
    "sqlite_path",
    "store_for_url",
    "tenant_namespace",
    "validate_slug",
    "width",
]
