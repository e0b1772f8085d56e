"""Tenant lookups by called number, slug or subaccount: O(1) per webhook, invalidated by the
registry's generation.

1. **In process**: a bounded LRU of decrypted records, valid for one registry generation
   (:meth:`runtime.tenants.Registry.generation`, one row read by primary key). The generation
   is read at most once per ``check_interval_s`` per process (concurrent webhooks share one
   read), so a hot webhook does no I/O at all for routing, and a stack that changes a tenant
   (every registry write bumps the generation) is seen within the interval by every process.
2. **The shared store** (Redis or in-process), ``routing:<generation>:<kind>:<key>`` with a TTL,
   so that a new process or a cold tenant does not reach the database; entries of an older
   generation are never read again and expire. The cached record carries the auth token
   *encrypted* with the registry key, never in clear.
3. **The registry** (database): one indexed query (unique number, slug or subaccount), which
   refills both layers.
4. A last-known copy of every tenant this process has routed, used only when the store and
   the registry both fail (the lookup is then marked ``degraded``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final, TypeVar

import msgspec
from litestar.stores.base import Store

from runtime.tenants import MonitoredNumber, Registry, TenantContact, TenantRecord, TokenCipher

__all__ = ["Lookup", "TenantDirectory"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
_NONE: Final = b"-"  # cached "no tenant has this number" (short TTL)
_NEGATIVE_TTL_S: Final = 30
LOCAL_ENTRIES: Final = 20_000  # records kept in process (a few hundred bytes each)


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
    sensitivity: str | float | None = None
    person_name: str = ""
    call_countries: tuple[str, ...] = ()
    messaging_service_sid: str = ""
    us_texting: str = ""
    monitored_numbers: tuple[MonitoredNumber, ...] = ()


@dataclass(frozen=True, slots=True)
class Lookup:
    """The tenant found (or ``None``) and whether it came from the degraded local copy."""

    tenant: TenantRecord | None
    degraded: bool = False
    error: str = ""


class _Lru(OrderedDict[str, TenantRecord]):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit

    def get_fresh(self, key: str) -> TenantRecord | None:
        found = self.get(key)
        if found is not None:
            self.move_to_end(key)
        return found

    def put(self, key: str, value: TenantRecord) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self._limit:
            self.popitem(last=False)


class TenantDirectory:
    """Finds tenants by number (webhooks), slug (URLs we signed) or subaccount (SIP)."""

    def __init__(
        self,
        registry: Registry,
        store: Store,
        cipher: TokenCipher,
        *,
        ttl_s: int = 300,
        db_timeout_s: float = 3.0,
        store_timeout_s: float = 1.0,
        check_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._store = store
        self._cipher = cipher
        self._ttl_s = ttl_s
        self._db_timeout_s = db_timeout_s
        self._store_timeout_s = store_timeout_s
        self._check_interval_s = check_interval_s
        self._clock = clock
        self._generation: int | None = None
        self._checked_at = -float("inf")
        self._checking: asyncio.Future[int | None] | None = None
        self._fresh = _Lru(LOCAL_ENTRIES)  # valid for self._generation
        self._known = _Lru(LOCAL_ENTRIES)  # last-known copies, any generation
        self.registry_reads = 0  # registry queries made (tests and benchmarks count them)

    async def by_number(self, number: str) -> Lookup:
        return await self._lookup("number", number, lambda: self._registry.by_number(number))

    async def by_slug(self, slug: str) -> Lookup:
        return await self._lookup("slug", slug, lambda: self._registry.get(slug))

    async def by_account(self, account_sid: str) -> Lookup:
        """The tenant of a subaccount (SIP domain webhooks carry no tenant number)."""
        return await self._lookup(
            "account", account_sid, lambda: self._registry.by_account(account_sid)
        )

    def remember(self, tenant: TenantRecord) -> None:
        """Keep ``tenant`` as the last-known copy (also done by every successful lookup)."""
        for key in self._keys(tenant):
            self._known.put(key, tenant)

    @staticmethod
    def _keys(tenant: TenantRecord) -> tuple[str, ...]:
        return (
            f"number:{tenant.phone_number}",
            f"slug:{tenant.slug}",
            f"account:{tenant.subaccount_sid}",
        )

    async def generation(self) -> int | None:
        """The registry generation as this process knows it (``None``: never read)."""
        if self._clock() - self._checked_at < self._check_interval_s:
            return self._generation
        if self._checking is None:
            self._checking = asyncio.ensure_future(self._read_generation())
        checking = self._checking
        try:
            return await asyncio.shield(checking)
        finally:
            if checking.done() and self._checking is checking:
                self._checking = None

    async def _read_generation(self) -> int | None:
        try:
            generation = await asyncio.wait_for(self._registry.generation(), self._db_timeout_s)
        except Exception as error:
            logger.warning("registry generation unreadable (%r): routing caches kept", error)
            # Retry after the interval too: a down database is not asked on every webhook.
            self._checked_at = self._clock()
            return self._generation
        if generation != self._generation:
            self._fresh.clear()
            self._generation = generation
        self._checked_at = self._clock()
        return generation

    async def _lookup(
        self, kind: str, value: str, fetch: Callable[[], Awaitable[TenantRecord | None]]
    ) -> Lookup:
        local_key = f"{kind}:{value}"
        generation = await self.generation()
        fresh = self._fresh.get_fresh(local_key)
        if fresh is not None:
            return Lookup(fresh)
        key = f"routing:{generation if generation is not None else 'x'}:{local_key}"
        try:
            raw = await asyncio.wait_for(self._store.get(key), self._store_timeout_s)
        except Exception as error:
            logger.warning("routing store unavailable (%r): asking the registry", error)
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
                self._keep(tenant, generation)
                return Lookup(tenant)
        try:
            self.registry_reads += 1
            found = await asyncio.wait_for(fetch(), self._db_timeout_s)
        except Exception as error:
            logger.error("registry unavailable (%r): routing from the last-known copy", error)
            known = self._known.get_fresh(local_key)
            return Lookup(known, degraded=True, error=type(error).__name__)
        if found is not None:
            self._keep(found, generation)
        if store_ok and generation is not None:
            try:
                value_ = _NONE if found is None else self._encode(found)
                ttl = self._ttl_s if found is not None else _NEGATIVE_TTL_S
                await asyncio.wait_for(self._store.set(key, value_, ttl), self._store_timeout_s)
            except Exception as error:
                logger.warning("cannot cache routing entry %s: %r", key, error)
        return Lookup(found)

    def _keep(self, tenant: TenantRecord, generation: int | None) -> None:
        self.remember(tenant)
        if generation is not None and generation == self._generation:
            for key in self._keys(tenant):
                self._fresh.put(key, tenant)

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
                sensitivity=tenant.sensitivity,
                person_name=tenant.person_name,
                call_countries=tenant.call_countries,
                messaging_service_sid=tenant.messaging_service_sid,
                us_texting=tenant.us_texting,
                monitored_numbers=tenant.monitored_numbers,
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
            sensitivity=cached.sensitivity,  # type: ignore[arg-type]  # validated by TenantRecord
            person_name=cached.person_name,
            call_countries=cached.call_countries,
            messaging_service_sid=cached.messaging_service_sid,
            us_texting=cached.us_texting,  # type: ignore[arg-type]  # validated by TenantRecord
            monitored_numbers=cached.monitored_numbers,
        )
