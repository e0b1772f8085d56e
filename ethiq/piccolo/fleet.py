"""Piccolo app ``fleet``: platform blocks, incidents (and the alert notifications applied),
provisioning times, operator alerts and their episodes (platform database)."""

from __future__ import annotations

from piccolo.conf.apps import AppConfig

from runtime.fleet.service import FLEET_MIGRATIONS
from runtime.fleet.tables import (
    AlertNotification,
    Incident,
    OperatorAlert,
    OperatorEpisode,
    PlatformBlock,
    Provisioning,
)

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name=FLEET_MIGRATIONS.app_name,
    migrations_folder_path=FLEET_MIGRATIONS.folder,
    table_classes=[
        PlatformBlock,
        Incident,
        AlertNotification,
        Provisioning,
        OperatorAlert,
        OperatorEpisode,
    ],
)
