"""Piccolo app ``tenants``: the platform registry."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from runtime.tenants.tables import Tenant

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="tenants",
    migrations_folder_path=Path(__file__).parent / "piccolo_migrations",
    table_classes=[Tenant],
)
