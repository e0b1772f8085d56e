"""Piccolo app ``storage``: the tables of one tenant's data."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from runtime.storage.tables import (
    Alert,
    Call,
    Consent,
    Contact,
    Invitation,
    Notice,
    Segment,
    VerdictEvent,
)

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="storage",
    migrations_folder_path=Path(__file__).parent / "piccolo_migrations",
    table_classes=[Contact, Call, Segment, VerdictEvent, Alert, Consent, Invitation, Notice],
)
