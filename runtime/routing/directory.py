"""Tenant lookups by called number or slug, in three layers.

1. The shared store (Redis or in-process), ``routing:number:<e164>`` with a TTL. The cached
   record carries the auth token *encrypted* with the registry key, never in clear.
2. The registry (database), which refills the store.
3. A local, in-process last-known copy of every tenant this process has seen, used only when
   the store and the registry both fail (the lookup is then marked ``degraded``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final, TypeVar

import msgspec
from litestar.stores.base import Store

from runtime.tenants import Registry, TenantContact, TenantRecord, TokenCipher

__all__ = ["Lookup", "TenantDirectory"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
_NONE: Final = b"-"  # cached "no tenant has this number" (short TTL)
_NEGATIVE_TTL_S: Final = 30


class _Cached(msgspec.Struct, frozen=True):
    slug: str
    phone_number: str
    sip_address: str
    sip_username: str
    subaccount_sid: str
    token: str  # Fernet ciphertext
    language: str
    region: str
    contacts: tuple[TenantContact, ...]


@dataclass(frozen=True, slots=True)
class Lookup:
    """The tenant found (or ``None``) and whether it came from the degraded local copy."""

    tenant: TenantRecord | None
    degraded: bool = False
    error: str = ""


class TenantDirectory:
    """Finds tenants by number (webhooks) or slug (URLs we signed ourselves)."""

    def __init__(
        self,
        registry: Registry,
        store: Store,
        cipher: TokenCipher,
        *,
        ttl_s: int = 300,
        db_timeout_s: float = 3.0,
        store_timeout_s: float = 1.0,
    ) -> None:
        self._registry = registry
        self._store = store
        self._cipher = cipher
        self._ttl_s = ttl_s
        self._db_timeout_s = db_timeout_s
        self._store_timeout_s = store_timeout_s
        self._by_number: dict[str, TenantRecord] = {}
        self._by_slug: dict[str, TenantRecord] = {}

    async def by_number(self, number: str) -> Lookup:
        return await self._lookup(
            f"routing:number:{number}",
            self._by_number.get(number),
            lambda: self._registry.by_number(number),
        )

    async def by_slug(self, slug: str) -> Lookup:
        return await self._lookup(
            f"routing:slug:{slug}", self._by_slug.get(slug), lambda: self._registry.get(slug)
        )

    async def by_account(self, account_sid: str) -> Lookup:
        """The tenant of a subaccount (SIP domain webhooks carry no tenant number); uncached."""
        try:
            tenants = await self._bounded(self._registry.list(), self._db_timeout_s)
        except Exception as error:
            local = next(
                (t for t in self._by_slug.values() if t.subaccount_sid == account_sid), None
            )
            return Lookup(local, degraded=True, error=type(error).__name__)
        found = next((t for t in tenants if t.subaccount_sid == account_sid), None)
        if found is not None:
            self.remember(found)
        return Lookup(found)

    def remember(self, tenant: TenantRecord) -> None:
        """Keep ``tenant`` as the last-known copy (also done by every successful lookup)."""
        self._by_number[tenant.phone_number] = tenant
        self._by_slug[tenant.slug] = tenant

    async def forget(self, tenant: TenantRecord) -> None:
        """Drop cached entries (after a registry change)."""
        for key in (f"routing:number:{tenant.phone_number}", f"routing:slug:{tenant.slug}"):
            await self._store.delete(key)

    async def _lookup(
        self,
        key: str,
        local: TenantRecord | None,
        fetch: Callable[[], Awaitable[TenantRecord | None]],
    ) -> Lookup:
        try:
            raw = await self._bounded(self._store.get(key), self._store_timeout_s)
        except Exception as error:
            logger.warning("routing store unavailable (%s): asking the registry", error)
            raw, store_ok = None, False
        else:
            store_ok = True
        if raw is not None:
            if raw == _NONE:
                return Lookup(None)
            try:
                tenant = self._decode(raw)
            except Exception:
                logger.warning("unreadable routing cache entry %s", key)
            else:
                self.remember(tenant)
                return Lookup(tenant)
        try:
            found = await self._bounded(fetch(), self._db_timeout_s)
        except Exception as error:
            logger.error("registry unavailable (%s): routing from the last-known copy", error)
            return Lookup(local, degraded=True, error=type(error).__name__)
        if found is not None:
            self.remember(found)
        if store_ok:
            try:
                value = _NONE if found is None else self._encode(found)
                ttl = self._ttl_s if found is not None else _NEGATIVE_TTL_S
                await self._bounded(self._store.set(key, value, ttl), self._store_timeout_s)
            except Exception as error:
                logger.warning("cannot cache routing entry %s: %s", key, error)
        return Lookup(found)

    @staticmethod
    async def _bounded(awaitable: Awaitable[T], timeout: float) -> T:
        return await asyncio.wait_for(awaitable, timeout)

    def _encode(self, tenant: TenantRecord) -> bytes:
        return msgspec.json.encode(
            _Cached(
                slug=tenant.slug,
                phone_number=tenant.phone_number,
                sip_address=tenant.sip_address,
                sip_username=tenant.sip_username,
                subaccount_sid=tenant.subaccount_sid,
                token=self._cipher.encrypt(tenant.auth_token),
                language=tenant.language,
                region=tenant.region,
                contacts=tenant.contacts,
            )
        )

    def _decode(self, raw: bytes) -> TenantRecord:
        cached = msgspec.json.decode(raw, type=_Cached)
        return TenantRecord(
            slug=cached.slug,
            phone_number=cached.phone_number,
            sip_address=cached.sip_address,
            sip_username=cached.sip_username,
            subaccount_sid=cached.subaccount_sid,
            auth_token=self._cipher.decrypt(cached.token, slug=cached.slug),
            language=cached.language,  # type: ignore[arg-type]  # validated by TenantRecord
            region=cached.region,
            contacts=cached.contacts,
        )
