"""``PICCOLO_CONF`` for piccolo's command line (:mod:`ethiq.piccolo`).

Nothing at run time reads it. Auto migrations compare the tables with the migration files, so
the database below is never opened by ``migrations new``.
"""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry
from piccolo.engine.sqlite import SQLiteEngine

__all__ = ["APP_REGISTRY", "DB"]

DB = SQLiteEngine(path=".data/piccolo-cli.sqlite")

APP_REGISTRY = AppRegistry(
    apps=[
        "ethiq.piccolo.storage",
        "ethiq.piccolo.tenants",
        "ethiq.piccolo.people",
        "ethiq.piccolo.fleet",
    ]
)
