"""Piccolo app ``storage``: the tables of one tenant's data (a schema or file per tenant)."""

from __future__ import annotations

from piccolo.conf.apps import AppConfig

from runtime.alerts.tables import Alert, Consent, InboundMessage, Invitation, Notice
from runtime.calls.tables import Call, Segment, VerdictEvent
from runtime.privacy.tables import ErasureRun
from runtime.storage import TENANT_MIGRATIONS
from runtime.tenants.schema_tables import Contact, Owner

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name=TENANT_MIGRATIONS.app_name,
    migrations_folder_path=TENANT_MIGRATIONS.folder,
    table_classes=[
        Contact,
        Call,
        Segment,
        VerdictEvent,
        Alert,
        Consent,
        InboundMessage,
        Invitation,
        Notice,
        Owner,
        ErasureRun,
    ],
)
