"""PostgreSQL backend: schema ``tenant_<key>`` per tenant, schema ``platform`` for the registry.

Every engine connects with ``search_path`` set to its one schema (asyncpg ``server_settings``),
so piccolo's unqualified SQL, including its ``migration`` bookkeeping table, stays inside that
schema. ``public`` is deliberately not on the path: a table missing from the tenant's schema is
an error, never a silent read of another namespace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Final

import asyncpg
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from runtime.storage.migrations import (
    PLATFORM_MIGRATIONS,
    TENANT_MIGRATIONS,
    MigrationSet,
    applied_migrations,
    apply_migrations,
)
from runtime.storage.names import PLATFORM_SCHEMA, quote_ident, tenant_namespace

__all__ = ["PostgresTenantStore"]

# First key of the two-int advisory locks serialising DDL on one schema across processes.
LOCK_CLASS: Final = 0x45544851  # "ETHQ"
POOL_IDLE_S: Final = 30.0
POOL_CLOSE_S: Final = 5.0


class _SchemaEngine(PostgresEngine):
    """A PostgresEngine whose constructor does no I/O, optionally with a lazy pool.

    piccolo's checks the server version from ``__init__`` through a blocking connection (in a
    thread when an event loop runs); engines here are made on demand inside async code.

    With ``pool_size``, the first query starts a small connection pool (piccolo otherwise opens
    a new connection per query). Connections idle for ``POOL_IDLE_S`` are closed, so the many
    tenants a long-running process has seen do not each hold connections forever.
    """

    def __init__(self, config: dict[str, Any], pool_size: int = 0) -> None:
        self._pools: dict[asyncio.AbstractEventLoop, asyncpg.Pool] = {}
        super().__init__(config=config)
        self._pool_size = pool_size

    # piccolo reads and writes ``engine.pool``; a pool belongs to the event loop that made it,
    # so each loop (one per worker in production; tests may run two) sees its own.
    @property
    def pool(self) -> asyncpg.Pool | None:
        try:
            return self._pools.get(asyncio.get_running_loop())
        except RuntimeError:
            return None

    @pool.setter
    def pool(self, value: asyncpg.Pool | None) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # piccolo's constructor sets None outside any loop
        if value is None:
            self._pools.pop(loop, None)
        else:
            self._pools[loop] = value

    async def check_version(self) -> None:
        return None

    async def _ensure_pool(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        if loop not in self._pools:
            pool = await asyncpg.create_pool(
                **self.config,
                min_size=0,
                max_size=self._pool_size,
                max_inactive_connection_lifetime=POOL_IDLE_S,
            )
            if loop in self._pools:  # another task of this loop won the race
                await pool.close()
            else:
                self._pools[loop] = pool
        return self._pools[loop]

    async def close_connection_pool(self) -> None:
        """Close this loop's pool; connections a cancelled request never gave back are
        terminated (asyncpg's ``close`` would wait for them forever). Pools of other loops can
        only be terminated."""
        loop = asyncio.get_running_loop()
        for owner, pool in list(self._pools.items()):
            del self._pools[owner]
            if owner is not loop:
                pool.terminate()
                continue
            try:
                await asyncio.wait_for(pool.close(), POOL_CLOSE_S)
            except TimeoutError:
                pool.terminate()

    async def _run_in_new_connection(self, query: str, args: Sequence[Any] | None = None) -> Any:
        if not self._pool_size:
            return await super()._run_in_new_connection(query, args)
        await self._ensure_pool()
        return await self._run_in_pool(query, args)

    async def get_new_connection(self) -> Any:
        if not self._pool_size:
            return await super().get_new_connection()
        # A transaction asks for one; it gives it back to ``self.pool``, now this loop's pool.
        return await (await self._ensure_pool()).acquire()


class PostgresTenantStore:
    """:class:`~runtime.storage.tenant_store.TenantStore` on one PostgreSQL database."""

    def __init__(self, url: str, pool_size: int = 0) -> None:
        self._url = url
        self._pool_size = pool_size
        self._engines: dict[str, _SchemaEngine] = {}
        self._admin = self._make_engine(None)

    def engine(self, slug: str) -> PostgresEngine:
        return self._engine_for(tenant_namespace(slug))

    def platform_engine(self) -> PostgresEngine:
        return self._engine_for(PLATFORM_SCHEMA)

    async def ensure(self, slug: str) -> list[str]:
        return await self._ensure(tenant_namespace(slug), TENANT_MIGRATIONS)

    async def ensure_platform(self) -> list[str]:
        return await self._ensure(PLATFORM_SCHEMA, PLATFORM_MIGRATIONS)

    async def drop(self, slug: str) -> None:
        schema = tenant_namespace(slug)
        async with self._admin.transaction():
            await self._lock(self._admin, schema)
            await self._admin.run_ddl(f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")
        engine = self._engines.pop(schema, None)
        if engine is not None and engine.pool is not None:
            await engine.close_connection_pool()

    async def exists(self, slug: str) -> bool:
        rows = await self._admin.run_querystring(
            QueryString(
                "SELECT count(*) AS n FROM pg_namespace WHERE nspname = {}",
                tenant_namespace(slug),
            )
        )
        return bool(rows[0]["n"])

    async def tables(self, slug: str) -> list[str]:
        rows = await self._admin.run_querystring(
            QueryString(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = {} AND table_type = 'BASE TABLE' ORDER BY table_name",
                tenant_namespace(slug),
            )
        )
        return [str(row["table_name"]) for row in rows]

    async def applied_migrations(self, slug: str) -> list[str]:
        if not await self.exists(slug):
            return []
        return await applied_migrations(self.engine(slug), TENANT_MIGRATIONS)

    async def close(self) -> None:
        for engine in (*self._engines.values(), self._admin):
            if engine.pool is not None:
                await engine.close_connection_pool()

    async def _ensure(self, schema: str, migrations: MigrationSet) -> list[str]:
        engine = self._engine_for(schema)

        async def prepare() -> None:
            await self._lock(engine, schema)
            await engine.run_ddl(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")

        return await apply_migrations(engine, migrations, prepare)

    @staticmethod
    async def _lock(engine: PostgresEngine, schema: str) -> None:
        """Serialise DDL on ``schema`` until the current transaction ends (across processes)."""
        await engine.run_querystring(
            QueryString("SELECT pg_advisory_xact_lock({}, hashtext({}))", LOCK_CLASS, schema)
        )

    def _engine_for(self, schema: str) -> _SchemaEngine:
        engine = self._engines.get(schema)
        if engine is None:
            engine = self._engines[schema] = self._make_engine(schema)
        return engine

    def _make_engine(self, schema: str | None) -> _SchemaEngine:
        config: dict[str, Any] = {"dsn": self._url}
        if schema is not None:
            config["server_settings"] = {"search_path": quote_ident(schema)}
        return _SchemaEngine(config=config, pool_size=self._pool_size)
