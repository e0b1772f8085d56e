"""Piccolo app ``fleet``: platform-wide blocks and incidents (platform database)."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from runtime.fleet.tables import Incident, PlatformBlock

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="fleet",
    migrations_folder_path=Path(__file__).parent / "piccolo_migrations",
    table_classes=[PlatformBlock, Incident],
)
