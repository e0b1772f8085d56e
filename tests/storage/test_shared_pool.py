"""One pool for every tenant: a single connection serves tenants in turn, each transaction sees
only its own schema (the same prepared statements are re-parsed under each search_path)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from piccolo.querystring import QueryString

from runtime.calls.tables import bind_tables
from runtime.storage import store_for_url
from tests.servers import Server
from tests.storage.conftest import unique_slug

pytestmark = pytest.mark.services


def test_one_connection_serves_every_tenant_in_isolation(postgres: Server) -> None:
    slugs = [unique_slug("pool") for _ in range(3)]

    async def scenario() -> None:
        store = store_for_url(postgres.url, pool_size=1)
        try:
            for slug in slugs:
                await store.ensure(slug)
            for round_ in range(3):  # interleaved: the one connection switches tenant each time
                for slug in slugs:
                    call = bind_tables(store.engine(slug)).Call
                    await call.insert(
                        call(sid=f"CA{slug}{round_}"[:34], from_number="+1", to_number="+2")
                    )
            for slug in slugs:
                call = bind_tables(store.engine(slug)).Call
                sids = sorted(r["sid"] for r in await call.select(call.sid))
                assert sids == [f"CA{slug}{r}"[:34] for r in range(3)]
            stats = store.pool_stats()
            assert stats is not None
            assert stats.size == 1
            # The pool's own connections, outside any tenant: no default schema to fall into.
            admin = store._admin  # type: ignore[attr-defined]  # the store's schema-less engine
            with pytest.raises(asyncpg.UndefinedTableError):
                await admin.run_querystring(QueryString("SELECT sid FROM call"))
        finally:
            await store.close()

    asyncio.run(scenario())
