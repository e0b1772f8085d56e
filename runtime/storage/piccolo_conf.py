"""Configuration for piccolo's command line only, to write new migrations after a table change::

    PICCOLO_CONF=runtime.storage.piccolo_conf piccolo migrations new storage --auto
    PICCOLO_CONF=runtime.storage.piccolo_conf piccolo migrations new tenants --auto
    PICCOLO_CONF=runtime.storage.piccolo_conf piccolo migrations new people --auto
    PICCOLO_CONF=runtime.storage.piccolo_conf piccolo migrations new fleet --auto

Nothing at run time reads it: tenants' and the registry's migrations are applied per engine by
:mod:`runtime.storage.migrations`. Auto migrations compare tables with the migration files, so
the database below is never opened by ``migrations new``.
"""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry
from piccolo.engine.sqlite import SQLiteEngine

__all__ = ["APP_REGISTRY", "DB"]

DB = SQLiteEngine(path=".data/piccolo-cli.sqlite")

APP_REGISTRY = AppRegistry(
    apps=[
        "runtime.storage.piccolo_app",
        "runtime.tenants.piccolo_app",
        "runtime.people.piccolo_app",
        "runtime.fleet.piccolo_app",
    ]
)
