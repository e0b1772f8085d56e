"""PostgreSQL backend: schema ``tenant_<key>`` per tenant, schema ``platform`` for the registry.

**Tenants cost no connections.** A store holds ONE set of connections per process (an asyncpg
pool per event loop, bounded by :attr:`PoolLimits.size`, whatever the number of tenants). A
tenant is a schema chosen per transaction: every unit of work runs as
``BEGIN; SET LOCAL search_path TO "tenant_<key>"`` (one round trip, simple query protocol) …
``COMMIT``, so the schema can never outlive the transaction, leak to the next user of the
connection, or survive a rollback. A lone query outside a transaction gets a transaction of
its own. Pool connections start with an empty ``search_path``: an unqualified name used
without a tenant is an error, never a silent read of ``public`` or of another tenant.
Prepared statements are shared by every tenant (same SQL text); PostgreSQL re-parses a cached
statement when ``search_path`` changes (documented on ``PREPARE`` since 9.3), so a statement
always resolves in the current tenant's schema.

**Every wait is bounded and always gives the connection back** (:class:`PoolLimits`): acquiring
a connection (also bounds connecting), each statement (client-side ``command_timeout`` and the
server's ``statement_timeout``), an idle transaction on the server
(``idle_in_transaction_session_timeout``), and giving the connection back. A transaction that is
cancelled or times out (e.g. while the server is frozen) terminates its connection instead of
waiting on it, so the pool refills with fresh connections once the server answers again.

``pool_size=0`` (one-shot callers: providers, commands) opens a connection per transaction and
closes it after, through the same code path.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import asyncpg
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.querystring import QueryString

from runtime.storage.migrations import (
    PLATFORM_MIGRATIONS,
    TENANT_MIGRATIONS,
    MigrationSet,
    applied_migrations,
    apply_migrations,
)
from runtime.storage.names import PLATFORM_SCHEMA, quote_ident, tenant_namespace

__all__ = ["PoolLimits", "PoolStats", "PostgresTenantStore", "RawFetch", "raw_fetch"]

# First key of the two-int advisory locks serialising DDL on one schema across processes.
LOCK_CLASS: Final = 0x45544851  # "ETHQ"
POOL_IDLE_S: Final = 300.0
POOL_CLOSE_S: Final = 5.0
# Tenant engines kept in memory (each is a few hundred bytes plus its bound table classes).
ENGINE_CACHE: Final = 1024
# A pool stays reported unhealthy this long after a connection-level failure.
UNHEALTHY_FOR_S: Final = 5.0
# Prepared statements kept per connection: the call path's schema-qualified statements are
# per tenant (a few each), so the busy tenants' stay prepared; an idle tenant costs none.
STATEMENT_CACHE: Final = 1024


@dataclass(frozen=True, slots=True)
class PoolLimits:
    """Bounds of the process's connections (see the module docstring)."""

    size: int = 0  # 0: a connection per transaction (one-shot callers)
    acquire_timeout_s: float = 2.0
    statement_timeout_s: float = 5.0
    idle_in_transaction_s: float = 10.0
    release_timeout_s: float = 1.0


@dataclass(frozen=True, slots=True)
class PoolStats:
    """What the pool of the current event loop holds (health checks, benchmarks)."""

    size: int  # connections open
    idle: int
    max_size: int
    healthy: bool  # no connection-level failure lately (timeout, cancellation, lost connection)
    last_error: str = ""


async def _no_reset(_connection: Any) -> None:
    """Nothing to reset: we never change session state (only ``SET LOCAL``), and asyncpg rolls
    back an open transaction itself before calling this. Saves asyncpg's default reset query,
    a round trip on every release."""


class _Connections:
    """The store's connections: one asyncpg pool per event loop (or one per transaction)."""

    def __init__(self, url: str, limits: PoolLimits) -> None:
        self._url = url
        self._limits = limits
        self._pools: dict[asyncio.AbstractEventLoop, asyncpg.Pool] = {}
        self._creating: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self.last_error = ""
        self._failed_at = -float("inf")

    def failed(self, error: BaseException | str) -> None:
        """Record a connection-level failure (timeout, cancellation, lost connection)."""
        self.last_error = error if isinstance(error, str) else type(error).__name__
        self._failed_at = time.monotonic()

    @property
    def healthy(self) -> bool:
        """No connection-level failure in the last :data:`UNHEALTHY_FOR_S` seconds."""
        return time.monotonic() - self._failed_at > UNHEALTHY_FOR_S

    @property
    def limits(self) -> PoolLimits:
        return self._limits

    def _server_settings(self) -> dict[str, str]:
        ms = int(self._limits.statement_timeout_s * 1000)
        idle = int(self._limits.idle_in_transaction_s * 1000)
        return {
            "search_path": "",
            "statement_timeout": str(ms),
            "idle_in_transaction_session_timeout": str(idle),
        }

    async def _pool(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is not None:
            return pool
        lock = self._creating.setdefault(loop, asyncio.Lock())
        async with lock:
            pool = self._pools.get(loop)
            if pool is None:
                pool = await asyncpg.create_pool(
                    dsn=self._url,
                    min_size=0,
                    max_size=self._limits.size,
                    max_inactive_connection_lifetime=POOL_IDLE_S,
                    command_timeout=self._limits.statement_timeout_s,
                    timeout=self._limits.acquire_timeout_s,  # connecting
                    server_settings=self._server_settings(),
                    statement_cache_size=STATEMENT_CACHE,
                    reset=_no_reset,
                )
                self._pools[loop] = pool
        return pool

    async def acquire(self) -> Any:
        try:
            if not self._limits.size:
                return await asyncpg.connect(
                    dsn=self._url,
                    timeout=self._limits.acquire_timeout_s,
                    command_timeout=self._limits.statement_timeout_s,
                    server_settings=self._server_settings(),
                )
            pool = await self._pool()
            return await pool.acquire(timeout=self._limits.acquire_timeout_s)
        except BaseException as error:
            self.failed(error)
            raise

    async def release(self, connection: Any, *, broken: bool = False) -> None:
        """Give ``connection`` back; ``broken`` (cancelled, timed out) terminates it first, as
        waiting on a connection whose server does not answer would hang."""
        if broken:
            connection.terminate()
        if not self._limits.size:
            if not connection.is_closed():
                try:
                    await asyncio.wait_for(connection.close(), self._limits.release_timeout_s)
                except BaseException:
                    connection.terminate()
                    raise
            return
        pool = self._pools.get(asyncio.get_running_loop())
        if pool is None:  # the pool was closed meanwhile
            connection.terminate()
            return
        # asyncpg shields the release and terminates the connection if it cannot be reset.
        await pool.release(connection, timeout=self._limits.release_timeout_s)

    def stats(self) -> PoolStats:
        try:
            pool = self._pools.get(asyncio.get_running_loop())
        except RuntimeError:
            pool = None
        error = "" if self.healthy else self.last_error
        if pool is None:
            return PoolStats(0, 0, self._limits.size, self.healthy, error)
        return PoolStats(
            pool.get_size(), pool.get_idle_size(), pool.get_max_size(), self.healthy, error
        )

    async def close(self) -> None:
        """Close this loop's pool (terminating connections a cancelled request never gave
        back); pools of other loops can only be terminated."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for owner, pool in list(self._pools.items()):
            del self._pools[owner]
            if owner is not loop:
                pool.terminate()
                continue
            try:
                await asyncio.wait_for(pool.close(), POOL_CLOSE_S)
            except TimeoutError:
                pool.terminate()


class _SchemaTransaction(PostgresTransaction):
    """piccolo's transaction on the store's connections, in one schema (``SET LOCAL``).

    Unlike piccolo's, it never leaks its connection: a failure or a cancellation while
    acquiring, beginning, committing or rolling back still gives the connection back (or
    terminates it).
    """

    engine: _SchemaEngine

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        engine = self.engine
        self.connection = await engine.connections.acquire()
        try:
            await self.connection.execute(engine.begin_sql)
        except BaseException as error:
            engine.connections.failed(error)
            await engine.connections.release(self.connection, broken=True)
            raise
        self.context = engine.current_transaction.set(self)
        return self

    async def begin(self) -> None:  # pragma: no cover - __aenter__ begins
        await self.connection.execute(self.engine.begin_sql)

    async def commit(self) -> None:
        await self.connection.execute("COMMIT")
        self._committed = True

    async def rollback(self) -> None:
        await self.connection.execute("ROLLBACK")
        self._rolled_back = True

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent is not None:
            return exception is None
        engine = self.engine
        broken = isinstance(exception, asyncio.CancelledError | TimeoutError)
        try:
            if exception is None:
                if not self._committed and not self._rolled_back:
                    await self.commit()
            elif not broken and not self._rolled_back:
                await self.rollback()
        except BaseException as error:
            broken = True
            engine.connections.failed(error)
            raise
        finally:
            engine.current_transaction.reset(self.context)
            if broken and exception is not None:
                engine.connections.failed(exception)
            await engine.connections.release(self.connection, broken=broken)
        return exception is None


class _SchemaEngine(PostgresEngine):
    """A piccolo engine that runs every query in one schema, on the store's shared connections.

    Cheap to make: it does no I/O and opens nothing (piccolo's constructor checks the server
    version through a blocking connection in a thread; this one skips it).
    """

    def __init__(self, connections: _Connections, schema: str | None) -> None:
        # Not PostgresEngine.__init__: it runs two event loops in a thread (version, extensions).
        self.config: dict[str, Any] = {}
        self.extensions: Sequence[str] = ()
        self.log_queries = False
        self.log_responses = False
        self.extra_nodes: dict[str, PostgresEngine] = {}
        self.engine_type = "postgres"
        self.min_version_number = 10
        self.query_id = 0
        self.current_transaction = contextvars.ContextVar(
            f"ethiq_pg_transaction_{schema or '-'}", default=None
        )
        self.connections = connections
        self.schema = schema
        self.begin_sql = (
            "BEGIN" if schema is None else f"BEGIN; SET LOCAL search_path TO {quote_ident(schema)}"
        )
        self._raw: dict[str, str] = {}  # fetch_raw's statements, schema filled in

    # piccolo reads ``engine.pool``; connections are the store's, never the engine's.
    @property
    def pool(self) -> None:
        return None

    @pool.setter
    def pool(self, value: Any) -> None:
        return None

    async def check_version(self) -> None:
        return None

    async def prep_database(self) -> None:
        return None

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return _SchemaTransaction(engine=self, allow_nested=allow_nested)

    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        if self.current_transaction.get() is not None:
            return await super().run_querystring(querystring, in_pool)
        async with self.transaction():
            return await super().run_querystring(querystring, in_pool)

    async def run_ddl(self, ddl: str, in_pool: bool = True) -> Any:
        if self.current_transaction.get() is not None:
            return await super().run_ddl(ddl, in_pool)
        async with self.transaction():
            return await super().run_ddl(ddl, in_pool)

    async def fetch_raw(self, sql: str, *args: Any) -> list[Any]:
        """One statement straight on asyncpg (prepared once per connection), where piccolo's
        query building would cost more than the database: ``{schema}`` in ``sql`` is this
        engine's schema. Inside a transaction of this engine, on its connection; otherwise
        alone (one round trip: no BEGIN/COMMIT, as a single statement is atomic by itself)."""
        text = self._raw.get(sql)
        if text is None:
            text = self._raw[sql] = sql.replace("{schema}", quote_ident(self.schema or ""))
        current = self.current_transaction.get()
        if current is not None:
            rows: list[Any] = await current.connection.fetch(text, *args)
            return rows
        connections = self.connections
        connection = await connections.acquire()
        broken = False
        try:
            rows = await connection.fetch(text, *args)
        except (asyncio.CancelledError, TimeoutError, asyncpg.InterfaceError, OSError) as error:
            broken = True
            connections.failed(error)
            raise
        finally:
            await connections.release(connection, broken=broken)
        return rows

    async def get_new_connection(self) -> Any:  # pragma: no cover - only batch() uses it
        raise NotImplementedError("tenant engines run inside transactions on shared connections")

    async def start_connection_pool(self, **kwargs: Any) -> None:
        return None

    async def close_connection_pool(self) -> None:
        return None


RawFetch = Callable[..., Awaitable[list[Any]]]


def raw_fetch(engine: Any) -> RawFetch | None:
    """``engine``'s :meth:`_SchemaEngine.fetch_raw` (``None``: not a PostgreSQL store's engine,
    e.g. SQLite, where piccolo's queries cost no round trip)."""
    return engine.fetch_raw if isinstance(engine, _SchemaEngine) else None


class PostgresTenantStore:
    """:class:`~runtime.storage.tenant_store.TenantStore` on one PostgreSQL database."""

    def __init__(self, url: str, pool_size: int = 0, limits: PoolLimits | None = None) -> None:
        limits = limits or PoolLimits()
        if pool_size:
            limits = PoolLimits(
                size=pool_size,
                acquire_timeout_s=limits.acquire_timeout_s,
                statement_timeout_s=limits.statement_timeout_s,
                idle_in_transaction_s=limits.idle_in_transaction_s,
                release_timeout_s=limits.release_timeout_s,
            )
        self._connections = _Connections(url, limits)
        self._engines: OrderedDict[str, _SchemaEngine] = OrderedDict()
        self._admin = _SchemaEngine(self._connections, None)

    def engine(self, slug: str) -> PostgresEngine:
        return self._engine_for(tenant_namespace(slug))

    def platform_engine(self) -> PostgresEngine:
        return self._engine_for(PLATFORM_SCHEMA)

    def pool_stats(self) -> PoolStats:
        """Connections of this event loop's pool."""
        return self._connections.stats()

    async def ensure(self, slug: str) -> list[str]:
        return await self._ensure(tenant_namespace(slug), TENANT_MIGRATIONS)

    async def ensure_platform(self) -> list[str]:
        return await self._ensure(PLATFORM_SCHEMA, PLATFORM_MIGRATIONS)

    async def drop(self, slug: str) -> None:
        schema = tenant_namespace(slug)
        async with self._admin.transaction():
            await self._lock(self._admin, schema)
            await self._admin.run_ddl(f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")
        self._engines.pop(schema, None)

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
        await self._connections.close()

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
            engine = self._engines[schema] = _SchemaEngine(self._connections, schema)
            if len(self._engines) > ENGINE_CACHE:
                self._engines.popitem(last=False)
        else:
            self._engines.move_to_end(schema)
        return engine
