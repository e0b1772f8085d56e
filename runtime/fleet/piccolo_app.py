"""Piccolo app ``fleet``: platform blocks, incidents, provisioning times (platform database)."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from runtime.fleet.tables import Incident, PlatformBlock, Provisioning

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="fleet",
    migrations_folder_path=Path(__file__).parent / "piccolo_migrations",
    table_classes=[PlatformBlock, Incident, Provisioning],
)
