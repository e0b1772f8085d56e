"""Piccolo's forwards migrations, applied to one given engine.

Piccolo runs migrations against the engine that ``engine_finder()`` returns, i.e. the ``DB`` of
the module named by ``PICCOLO_CONF``: one database per process. We need one per tenant, so
:func:`apply_migrations` does what ``piccolo migrations forwards`` does
(``piccolo.apps.migrations.commands.forwards``), against the engine it is given:

1. Migration modules are imported from the app's ``piccolo_migrations`` package (piccolo's CLI
   instead puts the folder on ``sys.path``); ids sort chronologically, as piccolo's do.
2. Bookkeeping uses piccolo's own ``migration`` table (same columns, created if missing), bound
   to the engine, so it lives with the data: in the tenant's schema or file.
3. Each pending migration's ``MigrationManager.run()`` executes, then its id is recorded. While
   it runs, piccolo must find our engine: the manager, the table classes it creates and its
   ``SchemaManager`` all call ``engine_finder()``, which always ends in
   ``piccolo.conf.apps.Finder.get_engine``. :func:`runtime.patches.route_piccolo_migrations`
   wraps that one method: inside :func:`apply_migrations` it returns the engine held by a
   ``ContextVar`` (so concurrent tasks can migrate different tenants), everywhere else it is
   piccolo's own method, unchanged. It refuses to install if the method is not the one it
   expects (review :mod:`runtime.patches` on piccolo upgrades).
   A hand-written migration must create any table class it queries *inside* its raw function,
   as piccolo's operations do: a class defined at module level caches the engine of the first
   database it ran on (``TableMeta.db``) and would send later tenants' SQL there.
4. Everything happens in one transaction, after ``prepare`` (e.g. a lock and ``CREATE SCHEMA``):
   either all pending migrations and their bookkeeping land, or none. Running it again finds
   nothing pending and changes nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import pkgutil
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, cast

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import MigrationModule
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table, create_table_class

from runtime.patches import PatchMismatch, route_piccolo_migrations
from runtime.storage.errors import MigrationError

__all__ = [
    "PLATFORM_MIGRATIONS",
    "TENANT_MIGRATIONS",
    "MigrationSet",
    "applied_migrations",
    "apply_migrations",
]

logger = logging.getLogger(__name__)

_BOUND: Final[ContextVar[Engine[Any] | None]] = ContextVar("ethiq_migration_engine", default=None)


@dataclass(frozen=True, slots=True)
class MigrationSet:
    """A piccolo app's migrations: its ``app_name`` and its ``piccolo_migrations`` package."""

    app_name: str
    package: str

    def modules(self) -> dict[str, MigrationModule]:
        """Migration id → module, for every module of the package."""
        package = importlib.import_module(self.package)
        found: dict[str, MigrationModule] = {}
        for info in pkgutil.iter_modules(package.__path__):
            module = cast(MigrationModule, importlib.import_module(f"{self.package}.{info.name}"))
            migration_id = getattr(module, "ID", None)
            if not isinstance(migration_id, str) or not callable(getattr(module, "forwards", None)):
                raise MigrationError(f"{module.__name__} is not a piccolo migration")
            if migration_id in found:
                raise MigrationError(f"{self.app_name}: two migrations share the id {migration_id}")
            found[migration_id] = module
        return found

    def ids(self) -> list[str]:
        """Every migration id, in the order they apply."""
        return sorted(self.modules())

    @property
    def folder(self) -> Path:
        """The package's folder, where piccolo's ``migrations new`` writes."""
        return Path(next(iter(importlib.import_module(self.package).__path__)))


TENANT_MIGRATIONS: Final = MigrationSet("storage", "runtime.storage.piccolo_migrations")
PLATFORM_MIGRATIONS: Final = MigrationSet("tenants", "runtime.tenants.piccolo_migrations")


async def apply_migrations(
    engine: Engine[Any],
    migrations: MigrationSet,
    prepare: Callable[[], Awaitable[None]] | None = None,
) -> list[str]:
    """Apply the pending migrations of ``migrations`` to ``engine``; return the ids applied now.

    ``prepare`` runs first inside the same transaction (take a lock, create the schema).
    """
    try:
        route_piccolo_migrations(_BOUND)
    except PatchMismatch as error:
        raise MigrationError(str(error)) from None
    modules = migrations.modules()
    bookkeeping = _migration_table(engine)
    token = _BOUND.set(engine)
    try:
        async with _write_transaction(engine):
            if prepare is not None:
                await prepare()
            await bookkeeping.create_table(if_not_exists=True).run()  # type: ignore[no-untyped-call]
            done = set(await _ran(bookkeeping, migrations.app_name))
            applied: list[str] = []
            for migration_id in sorted(set(modules) - done):
                manager = await modules[migration_id].forwards()
                if not isinstance(manager, MigrationManager):
                    raise MigrationError(f"{migration_id}: forwards() returned no MigrationManager")
                # piccolo prints each migration's progress to stdout: start-ups and
                # benchmarks migrating many tenants were flooded with it. Log it instead.
                with contextlib.redirect_stdout(io.StringIO()) as printed:
                    await manager.run()
                logger.debug("%s: %s", migration_id, printed.getvalue().strip())
                await bookkeeping.insert(
                    bookkeeping(name=migration_id, app_name=migrations.app_name)
                ).run()
                applied.append(migration_id)
        if applied:
            logger.info("applied %s migrations %s", migrations.app_name, ", ".join(applied))
        return applied
    finally:
        _BOUND.reset(token)


async def applied_migrations(engine: Engine[Any], migrations: MigrationSet) -> list[str]:
    """Ids of ``migrations`` already applied through ``engine`` (none if never migrated)."""
    if not await _bookkeeping_exists(engine):
        return []
    return sorted(await _ran(_migration_table(engine), migrations.app_name))


async def _bookkeeping_exists(engine: Engine[Any]) -> bool:
    tablename = Migration._meta.tablename
    if isinstance(engine, SQLiteEngine):
        query = QueryString(
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = {}", tablename
        )
    else:
        # piccolo's table_exists() looks in every schema; to_regclass follows search_path.
        query = QueryString("SELECT count(to_regclass({})) AS n", tablename)
    rows = await engine.run_querystring(query)
    return bool(rows[0]["n"])


async def _ran(bookkeeping: type[Table], app_name: str) -> list[str]:
    name = bookkeeping._meta.get_column_by_name("name")
    app = bookkeeping._meta.get_column_by_name("app_name")
    rows = await bookkeeping.select(name).where(app == app_name).run()
    return [str(row["name"]) for row in rows]


@cache
def _migration_table(engine: Engine[Any]) -> type[Table]:
    """Piccolo's ``migration`` table, bound to ``engine`` (one class per engine: piccolo keeps
    every table class it ever saw in ``TABLE_REGISTRY``)."""
    return create_table_class(
        class_name="Migration",
        bases=(Migration,),
        class_kwargs={"tablename": Migration._meta.tablename, "db": engine},
    )


def _write_transaction(engine: Engine[Any]) -> Any:
    # SQLite: take the write lock up front, so that two processes migrating one file serialise
    # instead of failing on lock upgrade.
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()
