"""Per-tenant storage behind one small interface, chosen by the database URL's scheme.

``postgresql://…``: one database; each tenant's tables in schema ``tenant_<key>``, the platform
registry in schema ``platform`` (:mod:`runtime.storage.postgres`). ``sqlite:///path/ethiq.sqlite``
(the embedded default): the registry in that file, each tenant in ``tenant_<key>.sqlite`` next to
it (:mod:`runtime.storage.sqlite`). Both run the same piccolo tables and migrations; every engine
a store hands out sees exactly one tenant's data (or the registry), with unqualified table names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from piccolo.engine.base import Engine

from runtime.storage.errors import UnsupportedDatabaseURL
from runtime.storage.postgres import PoolLimits, PoolStats, PostgresTenantStore
from runtime.storage.sqlite import SQLiteTenantStore

__all__ = ["TenantStore", "sqlite_path", "store_for_url"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_SQLITE_PREFIX = "sqlite:///"


class TenantStore(Protocol):
    """Creates, migrates, inspects and drops tenants' data; hands out engines bound to it."""

    async def ensure(self, slug: str) -> list[str]:
        """Create the tenant's schema/file if needed and apply pending migrations.

        Returns the migration ids applied by this call (``[]`` when already up to date).
        """
        ...

    async def drop(self, slug: str) -> None:
        """Delete the tenant's data entirely (no error if there is none)."""
        ...

    async def exists(self, slug: str) -> bool:
        """Whether the tenant's schema/file exists."""
        ...

    async def tables(self, slug: str) -> list[str]:
        """Names of the tenant's tables, sorted (piccolo's ``migration`` included)."""
        ...

    async def applied_migrations(self, slug: str) -> list[str]:
        """Migration ids already applied to the tenant, sorted."""
        ...

    def engine(self, slug: str) -> Engine[Any]:
        """A piccolo engine bound to the tenant's data (cached: one per slug and store)."""
        ...

    def platform_engine(self) -> Engine[Any]:
        """A piccolo engine bound to the platform registry."""
        ...

    async def ensure_platform(self) -> list[str]:
        """Create the registry's schema/file if needed and apply its pending migrations."""
        ...

    def pool_stats(self) -> PoolStats | None:
        """The connection pool of the current event loop (``None``: no pool, e.g. SQLite)."""
        ...

    async def close(self) -> None:
        """Close the connection pools of the engines handed out (if any were started)."""
        ...


def store_for_url(
    database_url: str, *, pool_size: int = 0, limits: PoolLimits | None = None
) -> TenantStore:
    """The store for ``postgresql://…`` or ``sqlite:///path/ethiq.sqlite``.

    ``pool_size`` > 0 gives the store ONE lazily started pool of at most that many PostgreSQL
    connections per event loop, shared by every tenant (long-running processes: the runtime);
    0 opens a connection per transaction (one-shot callers: providers, commands); on SQLite,
    > 0 keeps one connection per file open, 0 opens one per query. ``limits``
    bounds every wait (:class:`~runtime.storage.postgres.PoolLimits`).
    """
    if database_url.startswith(_POSTGRES_SCHEMES):
        return PostgresTenantStore(database_url, pool_size, limits)
    if database_url.startswith(_SQLITE_PREFIX):
        return SQLiteTenantStore(sqlite_path(database_url), keep_open=pool_size > 0)
    scheme = database_url.split(":", 1)[0] if ":" in database_url else database_url[:16]
    raise UnsupportedDatabaseURL(
        f"unsupported database URL scheme {scheme!r}: use postgresql://… or sqlite:///path"
    )


def sqlite_path(database_url: str) -> Path:
    """``sqlite:///.data/ethiq.sqlite`` → ``.data/ethiq.sqlite``; four slashes for absolute."""
    if not database_url.startswith(_SQLITE_PREFIX):
        raise UnsupportedDatabaseURL("an SQLite URL starts with sqlite:///")
    path = database_url.removeprefix(_SQLITE_PREFIX)
    if not path or "?" in path or path == ":memory:" or path.endswith("/"):
        raise UnsupportedDatabaseURL(
            "an SQLite URL names a file, e.g. sqlite:///.data/ethiq.sqlite (tenants' files go "
            "next to it)"
        )
    return Path(path)
