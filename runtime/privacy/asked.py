"""When a tenant's person asked for the erasure its latest done request carried out: what the
early release of a canceled subscription's number reads (:mod:`runtime.billing.lifecycle`), in
the runtime and in the tenant program alike, so it imports only the requests' table."""

from __future__ import annotations

from datetime import UTC, datetime

from runtime.privacy.tables import ErasureRequest
from runtime.storage import TenantStore, bind_table, validate_slug

__all__ = ["erasure_asked", "erasures_asked"]


async def erasures_asked(storage: TenantStore, tenant: str | None = None) -> dict[str, datetime]:
    """Per tenant, when its person asked for the erasure its latest done request carried out
    (a tenant with none is absent; no erasure table yet: none)."""
    r = bind_table(ErasureRequest, storage.platform_engine())
    if not await r.table_exists():
        return {}
    query = r.select(r.slug, r.requested_at).where(r.state == "done")
    if tenant is not None:
        query = query.where(r.slug == validate_slug(tenant))
    found: dict[str, datetime] = {}
    for row in await query:
        at = row["requested_at"]
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        found[row["slug"]] = max(found.get(row["slug"], at), at)
    return found


async def erasure_asked(storage: TenantStore, tenant: str) -> datetime | None:
    """:func:`erasures_asked` of one tenant (a :data:`runtime.billing.desired.ErasedAt`)."""
    return (await erasures_asked(storage, tenant)).get(tenant)
