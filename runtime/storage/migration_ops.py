"""Hand-written piccolo migrations without piccolo's boilerplate.

piccolo's ``migrations new --auto`` writes each column as an ``add_column`` call with a dozen
parameters. Migrations written by hand (raw SQL beside them, or a table whose app cannot list it,
see ``tests/storage/test_migrations_match_tables.py``) say only what differs from piccolo's
column defaults::

    invitation = new_table(manager, "Invitation", "invitation")
    invitation.column("key", Varchar, length=48, default="", unique=True)
    table(manager, "Tenant", "tenant").column("sensitivity", Varchar, length=16, null=True)

The parameters are the ones piccolo records for a column (``Column._meta.params``), so the
migration builds what the table class declares; the test above proves it for every migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import Column
from piccolo.columns.indexes import IndexMethod

__all__ = ["TableChange", "new_table", "table"]

# piccolo's own defaults for a column (``Column.__init__``), as its auto migrations record them.
_DEFAULTS: dict[str, Any] = {
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


@dataclass(frozen=True, slots=True)
class TableChange:
    """Columns added to one table by one migration."""

    manager: MigrationManager
    class_name: str
    tablename: str

    def column(self, name: str, cls: type[Column], **params: Any) -> TableChange:
        """Add column ``name`` of type ``cls``; ``params`` differ from piccolo's defaults
        (``length``, ``default``, ``null``, ``unique``, ``index``…). ``null=True`` alone
        means a null default."""
        if params.get("null") and "default" not in params:
            params["default"] = None
        self.manager.add_column(
            table_class_name=self.class_name,
            tablename=self.tablename,
            schema=None,
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params=_DEFAULTS | params,
        )
        return self


def new_table(manager: MigrationManager, class_name: str, tablename: str) -> TableChange:
    """Create ``tablename`` (piccolo adds its ``id`` primary key) and return it for columns."""
    manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
    return TableChange(manager, class_name, tablename)


def table(manager: MigrationManager, class_name: str, tablename: str) -> TableChange:
    """An existing table, to add columns to."""
    return TableChange(manager, class_name, tablename)
