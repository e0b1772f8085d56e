"""SQLite backend (the embedded default): one file per tenant, next to the platform file.

``sqlite:///.data/ethiq.sqlite`` keeps the registry in ``.data/ethiq.sqlite`` and tenant
``acme-nord`` in ``.data/tenant_acme_nord.sqlite``. Inspecting a tenant never creates its file;
only :meth:`SQLiteTenantStore.ensure` (or using its engine) does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from runtime.storage.migrations import (
    PLATFORM_MIGRATIONS,
    TENANT_MIGRATIONS,
    applied_migrations,
    apply_migrations,
)
from runtime.storage.names import tenant_namespace

__all__ = ["SQLiteTenantStore"]

# The database file and the companions SQLite may leave beside it.
_SUFFIXES: Final = ("", "-journal", "-wal", "-shm")


class SQLiteTenantStore:
    """:class:`~runtime.storage.tenant_store.TenantStore` on SQLite files in one directory."""

    def __init__(self, platform_path: Path) -> None:
        self._platform_path = platform_path
        self._directory = platform_path.parent
        self._engines: dict[Path, SQLiteEngine] = {}

    def path(self, slug: str) -> Path:
        """The tenant's database file."""
        return self._directory / f"{tenant_namespace(slug)}.sqlite"

    def engine(self, slug: str) -> SQLiteEngine:
        return self._engine_for(self.path(slug))

    def platform_engine(self) -> SQLiteEngine:
        return self._engine_for(self._platform_path)

    async def ensure(self, slug: str) -> list[str]:
        path = self.path(slug)
        path.parent.mkdir(parents=True, exist_ok=True)
        return await apply_migrations(self._engine_for(path), TENANT_MIGRATIONS)

    async def ensure_platform(self) -> list[str]:
        self._platform_path.parent.mkdir(parents=True, exist_ok=True)
        return await apply_migrations(self.platform_engine(), PLATFORM_MIGRATIONS)

    async def drop(self, slug: str) -> None:
        path = self.path(slug)
        self._engines.pop(path, None)
        for suffix in _SUFFIXES:
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    async def exists(self, slug: str) -> bool:
        return self.path(slug).is_file()

    async def tables(self, slug: str) -> list[str]:
        if not await self.exists(slug):
            return []
        rows = await self.engine(slug).run_querystring(
            QueryString(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            )
        )
        return [str(row["name"]) for row in rows]

    async def applied_migrations(self, slug: str) -> list[str]:
        if not await self.exists(slug):
            return []
        return await applied_migrations(self.engine(slug), TENANT_MIGRATIONS)

    def pool_stats(self) -> None:
        """No pool: piccolo's SQLite engine opens a connection per query/transaction."""
        return

    async def close(self) -> None:
        """Nothing to close: piccolo's SQLite engine opens a connection per query/transaction."""

    def _engine_for(self, path: Path) -> SQLiteEngine:
        engine = self._engines.get(path)
        if engine is None:
            engine = self._engines[path] = SQLiteEngine(path=str(path))
        return engine
