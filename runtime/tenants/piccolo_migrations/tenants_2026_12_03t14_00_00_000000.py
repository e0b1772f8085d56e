"""The identity sessions a newer one replaced, kept until Stripe redacts them
(runtime/billing/tables.py, ``KycSession``)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from runtime.storage.migration_ops import new_table

ID = "2026-12-03T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "replaced identity sessions, until redacted"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    session = new_table(manager, "KycSession", "kyc_session")
    session.column("tenant", Varchar, length=63, default="", index=True)
    session.column("verification_id", Varchar, length=255, default="", unique=True)
    session.column("replaced_at", Timestamptz, default=TimestamptzNow())
    session.column("last_error", Varchar, length=255, default="")
    return manager
