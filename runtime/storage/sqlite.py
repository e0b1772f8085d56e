"""SQLite backend (the embedded default): one file per tenant, next to the platform file.

``sqlite:///.data/ethiq.sqlite`` keeps the registry in ``.data/ethiq.sqlite`` and tenant
``acme-nord`` in ``.data/tenant_acme_nord.sqlite``. Inspecting a tenant never creates its file;
only :meth:`SQLiteTenantStore.ensure` (or using its engine) does.

**One connection per file and event loop, kept open** (:class:`SharedSQLiteEngine`, for
long-running processes: the runtime builds its store with a pool size). piccolo's
engine opens a connection, and so an aiosqlite thread, for every query outside a transaction and
for every transaction, which costs more than the query. Here each file has one connection, in
autocommit mode, and a lock: a transaction holds it from ``BEGIN`` to its end, a lone query for
itself, so transactions never interleave. At most :data:`OPEN_FILES` files stay open per store;
the least recently used idle one is closed past that. Their threads are daemons, so a process
that is told to stop never waits on them (committed data are on disk; SQLite's journal makes an
unfinished transaction vanish).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path
from typing import Any, Final

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
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
OPEN_FILES: Final = 64  # connections kept open per store (each holds a thread)


class _Shared:
    """One file's connection in one event loop, and the lock serialising its users."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        self.lock = asyncio.Lock()


class _Open(OrderedDict[tuple[int, asyncio.AbstractEventLoop], _Shared]):
    """The open connections of one store, least recently used first."""

    def used(self, key: tuple[int, asyncio.AbstractEventLoop], shared: _Shared) -> None:
        self[key] = shared
        self.move_to_end(key)
        for old_key, old in list(self.items()):
            if len(self) <= OPEN_FILES:
                break
            if old_key[1].is_closed() or not old.lock.locked():
                del self[old_key]
                old.connection.stop()  # closes the connection in its own thread


class _SharedTransaction(SQLiteTransaction):
    """piccolo's transaction on the file's shared connection, holding its lock throughout."""

    engine: SharedSQLiteEngine
    _shared: _Shared

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        shared = await self.engine.shared()
        await shared.lock.acquire()
        try:
            self.connection = shared.connection
            await self.begin()  # type: ignore[no-untyped-call]  # untyped piccolo
        except BaseException:
            shared.lock.release()
            raise
        self._shared = shared
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent is not None:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        finally:
            self.engine.current_transaction.reset(self.context)
            try:
                if self.connection.in_transaction:  # a failed COMMIT or ROLLBACK
                    await self.connection.rollback()
            finally:
                self._shared.lock.release()
        return exception is None


class SharedSQLiteEngine(SQLiteEngine):
    """piccolo's SQLite engine on one kept-open connection per event loop (module docstring)."""

    def __init__(self, path: str, open_connections: _Open) -> None:
        super().__init__(path=path)
        self._open = open_connections
        self._opening: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    async def shared(self) -> _Shared:
        loop = asyncio.get_running_loop()
        key = (id(self), loop)
        found = self._open.get(key)
        if found is None:
            async with self._opening.setdefault(loop, asyncio.Lock()):
                found = self._open.get(key)
                if found is None:
                    pending = aiosqlite.connect(**self.connection_kwargs)
                    pending._thread.daemon = True  # see the module docstring
                    connection = await pending
                    connection.row_factory = dict_factory  # type: ignore[assignment]
                    await connection.execute("PRAGMA foreign_keys = 1")
                    found = _Shared(connection)
            self._opening.pop(loop, None)
        self._open.used(key, found)
        return found

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return _SharedTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        shared = await self.shared()
        async with shared.lock:
            return await self._run_in_existing_connection(
                shared.connection, query, args, query_type, table
            )

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        # piccolo's sets the pragma and the row factory again on every query; ours are set
        # once (SQLite >= 3.35 has RETURNING, so piccolo's fallback for inserts is not needed).
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def close(self) -> None:
        """Close this engine's connection in the current event loop."""
        try:
            key = (id(self), asyncio.get_running_loop())
        except RuntimeError:
            return
        shared = self._open.pop(key, None)
        if shared is not None:
            async with shared.lock:
                await shared.connection.close()


class SQLiteTenantStore:
    """:class:`~runtime.storage.tenant_store.TenantStore` on SQLite files in one directory."""

    def __init__(self, platform_path: Path, *, keep_open: bool = False) -> None:
        """``keep_open``: one kept-open connection per file (long-running processes, which
        :meth:`close` the store); otherwise piccolo's connection per query (one-shot callers)."""
        self._keep_open = keep_open
        self._platform_path = platform_path
        self._directory = platform_path.parent
        self._engines: dict[Path, SQLiteEngine] = {}
        self._open = _Open()

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
        engine = self._engines.pop(path, None)
        if isinstance(engine, SharedSQLiteEngine):
            await engine.close()
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
        """No pool: one connection per file (see the module docstring)."""
        return

    async def close(self) -> None:
        """Close the connections this event loop opened."""
        for engine in list(self._engines.values()):
            if isinstance(engine, SharedSQLiteEngine):
                await engine.close()

    def _engine_for(self, path: Path) -> SQLiteEngine:
        engine = self._engines.get(path)
        if engine is None:
            engine = self._engines[path] = (
                SharedSQLiteEngine(str(path), self._open)
                if self._keep_open
                else SQLiteEngine(path=str(path))
            )
        return engine
