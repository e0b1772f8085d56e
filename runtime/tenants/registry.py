"""The platform registry: tenants by slug and by called number, tokens encrypted at rest.

PostgreSQL: table ``platform.tenant``; SQLite: table ``tenant`` in the platform file itself (the
file the URL names). The dynamic provider writes it; the runtime reads it to route webhooks.
"""

from __future__ import annotations

import builtins
import logging
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg
import msgspec
from piccolo.querystring import QueryString

from runtime.screening.risk import Sensitivity, parse_sensitivity
from runtime.storage.bind import bind_table
from runtime.storage.names import data_key, validate_slug
from runtime.storage.tenant_store import TenantStore, store_for_url
from runtime.storage.widths import FieldTooLong, check_widths
from runtime.tenants.crypto import TokenCipher
from runtime.tenants.errors import DuplicateTenant, InvalidTenant, RegistryKeyError
from runtime.tenants.records import (
    MonitoredNumber,
    OptOutEntered,
    TenantContact,
    TenantRecord,
    validate_e164,
)
from runtime.tenants.tables import Tenant

_log = logging.getLogger(__name__)

__all__ = ["Registry"]

# Unique columns another tenant may already hold, and how to name them in an error.
_GENERATION: Final = 'SELECT "generation" FROM "registry_generation" WHERE "id" = 1'
_BUMP: Final = (
    'UPDATE "registry_generation" SET "generation" = "generation" + 1 WHERE "id" = 1 '
    'RETURNING "generation"'
)

_UNIQUE: Final = (
    ("phone_number", "phone number"),
    ("subaccount_sid", "subaccount"),
    ("data_key", "data key (slug with '-' as '_')"),
)


def _sensitivity(stored: str | None) -> Sensitivity | None:
    """The stored text (``low``/``normal``/``high`` or ``0..1``); None: the platform default."""
    return None if stored is None else parse_sensitivity(stored)


def _contacts(stored: Any) -> tuple[TenantContact, ...]:
    """The stored JSON list of contacts (text on SQLite, decoded or not on PostgreSQL)."""
    return msgspec.json.decode(
        stored if isinstance(stored, str | bytes) else msgspec.json.encode(stored),
        type=tuple[TenantContact, ...],
    )


def _monitored(stored: Any) -> tuple[MonitoredNumber, ...]:
    """The stored JSON list of monitored numbers (text on SQLite, decoded or not on PostgreSQL;
    null on a row from before them)."""
    if not stored:
        return ()
    return msgspec.json.decode(
        stored if isinstance(stored, str | bytes) else msgspec.json.encode(stored),
        type=tuple[MonitoredNumber, ...],
    )


def _countries(stored: Any) -> tuple[str, ...]:
    """The stored JSON list (text on SQLite, decoded or not on PostgreSQL)."""
    if not stored:
        return ()
    return msgspec.json.decode(
        stored if isinstance(stored, str | bytes) else msgspec.json.encode(stored),
        type=tuple[str, ...],
    )


def _aware(at: datetime) -> datetime:
    """SQLite gives naive datetimes back: they were written in UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class Registry:
    """Tenants of the platform. Build it with :meth:`for_url`; call :meth:`migrate` once."""

    def __init__(self, store: TenantStore, key: str | Sequence[str]) -> None:
        self._store = store
        self._cipher = TokenCipher(key)
        self._table = bind_table(Tenant, store.platform_engine())

    @classmethod
    def for_url(cls, database_url: str, key: str | Sequence[str]) -> Registry:
        """The registry of ``postgresql://…`` or ``sqlite:///path/ethiq.sqlite``."""
        return cls(store_for_url(database_url), key)

    async def migrate(self) -> list[str]:
        """Create the registry if needed and apply pending migrations; return the ids applied."""
        return await self._store.ensure_platform()

    async def upsert(self, record: TenantRecord) -> TenantRecord:
        """Insert or update the tenant ``record.slug``; return it as stored (with timestamps).

        Raises :class:`DuplicateTenant` if another tenant has its number, subaccount or key.
        """
        t = self._table
        now = datetime.now(UTC)
        values: dict[str, Any] = {
            "slug": record.slug,
            "data_key": data_key(record.slug),
            "phone_number": record.phone_number,
            "sip_address": record.sip_address,
            "sip_username": record.sip_username,
            "subaccount_sid": record.subaccount_sid,
            "auth_token": self._cipher.encrypt(record.auth_token),
            "language": record.language,
            "region": record.region,
            "contacts": msgspec.json.encode(record.contacts).decode("utf-8"),
            "sensitivity": None if record.sensitivity is None else str(record.sensitivity),
            "person_name": record.person_name,
            "call_countries": msgspec.json.encode(record.call_countries).decode("utf-8"),
            "messaging_service_sid": record.messaging_service_sid,
            "us_texting": record.us_texting,
            "monitored_numbers": msgspec.json.encode(record.monitored_numbers).decode("utf-8"),
            "created_at": now,
            "updated_at": now,
        }
        try:
            check_widths(t, values)
        except FieldTooLong as error:
            raise InvalidTenant(f"tenant {record.slug!r}: {error}") from error
        try:
            async with t._meta.db.transaction():
                for column, label in _UNIQUE:
                    await self._refuse_taken(record.slug, column, label, values[column])
                # Bumped first, in the same transaction: the counter's row lock orders writers, so
                # a reader who sees generation N sees every row written with N or less.
                values["written_generation"] = await self._bump()
                await t.insert(t(**values)).on_conflict(
                    target=t.slug,
                    action="DO UPDATE",
                    values=[
                        t._meta.get_column_by_name(name)
                        for name in values
                        if name not in {"slug", "created_at"}
                    ],
                )
        except (asyncpg.UniqueViolationError, sqlite3.IntegrityError) as error:
            # A concurrent writer took a unique value between our check and our insert.
            raise DuplicateTenant(
                f"tenant {record.slug!r} conflicts with another tenant: {error}"
            ) from error
        stored = await self.get(record.slug)
        assert stored is not None  # noqa: S101 (just written, in the same database)
        return stored

    async def remove(self, slug: str) -> bool:
        """Remove the tenant; ``False`` if there was none."""
        t = self._table
        async with t._meta.db.transaction():
            rows = await t.delete().where(t.slug == validate_slug(slug)).returning(t.slug)
            if rows:
                await self._bump()
        return bool(rows)

    async def generation(self) -> int:
        """The registry's generation: it changes whenever a tenant is added, changed or
        removed (one row read by primary key; caches compare it to know they are stale)."""
        rows = await self._table._meta.db.run_querystring(QueryString(_GENERATION))
        return int(rows[0]["generation"]) if rows else 0

    async def by_account(self, account_sid: str) -> TenantRecord | None:
        """The tenant of subaccount ``account_sid`` (SIP webhooks), or ``None`` (indexed)."""
        t = self._table
        row = await t.select().where(t.subaccount_sid == account_sid).first()
        return None if row is None else self._record(row)

    async def get(self, slug: str) -> TenantRecord | None:
        """The tenant ``slug``, or ``None``."""
        t = self._table
        row = await t.select().where(t.slug == validate_slug(slug)).first()
        return None if row is None else self._record(row)

    async def by_number(self, e164: str) -> TenantRecord | None:
        """The tenant whose Twilio number is ``e164`` (the called number), or ``None``."""
        t = self._table
        row = await t.select().where(t.phone_number == validate_e164(e164)).first()
        return None if row is None else self._record(row)

    async def list(self) -> builtins.list[TenantRecord]:
        """Every tenant, by slug.

        A tenant whose token cannot be decrypted (a key rotated without it, a corrupt row) is
        left out and logged as an error: one bad row must not stop alerts for every other
        tenant. ``get``/``by_number`` still raise :class:`RegistryKeyError` for it.
        """
        t = self._table
        records = []
        for row in await t.select().order_by(t.slug):
            try:
                records.append(self._record(row))
            except RegistryKeyError as error:
                _log.error("registry: tenant %r left out: %s", row["slug"], error)
        return records

    async def slugs(self) -> builtins.list[str]:
        """Every tenant's slug (nothing decrypted: the job sweep's cheap listing)."""
        t = self._table
        return [str(r["slug"]) for r in await t.select(t.slug).order_by(t.slug)]

    async def contact_numbers(self, since: int | None = None) -> dict[str, frozenset[str]]:
        """The emergency contacts' numbers of every tenant registered after generation
        ``since`` (``None``: every tenant), by slug: the job worker's look for the contacts a
        stack just added. Nothing decrypted; a pass that changed ten tenants reads ten rows,
        whatever the fleet's size. Read the generation first: every row written up to it is
        then visible here."""
        t = self._table
        query = t.select(t.slug, t.contacts)
        if since is not None:
            query = query.where(t.written_generation > since)
        return {
            str(r["slug"]): frozenset(c.number for c in _contacts(r["contacts"]))
            for r in await query
        }

    async def record_opt_out_entered(
        self, slug: str, fingerprint: str, service_sid: str, by: str
    ) -> OptOutEntered | None:
        """Record that an operator entered the Console entries of ``fingerprint`` on the
        tenant's Messaging Service ``service_sid``; ``None`` if there is no such tenant. Not a
        registration: the generation (the routing caches') stays."""
        t = self._table
        entered = OptOutEntered(fingerprint, service_sid, datetime.now(UTC), by)
        values = {
            "opt_out_entered": entered.fingerprint,
            "opt_out_service": entered.service_sid,
            "opt_out_entered_at": entered.at,
            "opt_out_entered_by": entered.by,
        }
        try:
            check_widths(t, values)
        except FieldTooLong as error:
            raise InvalidTenant(f"tenant {slug!r}: {error}") from error
        rows = (
            await t.update({t._meta.get_column_by_name(k): v for k, v in values.items()})
            .where(t.slug == validate_slug(slug))
            .returning(t.slug)
        )
        return entered if rows else None

    async def opt_out_entered(self) -> dict[str, OptOutEntered]:
        """Every tenant's recorded Console step, by slug (tenants never recorded left out)."""
        t = self._table
        rows = await t.select(
            t.slug,
            t.opt_out_entered,
            t.opt_out_service,
            t.opt_out_entered_at,
            t.opt_out_entered_by,
        ).where(t.opt_out_entered != "")
        return {
            str(r["slug"]): OptOutEntered(
                r["opt_out_entered"],
                r["opt_out_service"],
                _aware(r["opt_out_entered_at"]),
                r["opt_out_entered_by"],
            )
            for r in rows
        }

    async def close(self) -> None:
        """Close connection pools, if any were started."""
        await self._store.close()

    async def _bump(self) -> int:
        """The next generation, counted in the caller's transaction (0 without the counter)."""
        rows = await self._table._meta.db.run_querystring(QueryString(_BUMP))
        return int(rows[0]["generation"]) if rows else 0

    async def _refuse_taken(self, slug: str, column: str, label: str, value: str) -> None:
        t = self._table
        col = t._meta.get_column_by_name(column)
        other = await t.select(t.slug).where((col == value) & (t.slug != slug)).first()
        if other is not None:
            raise DuplicateTenant(
                f"cannot register tenant {slug!r}: its {label} {value} already belongs to "
                f"tenant {other['slug']!r}"
            )

    def _record(self, row: dict[str, Any]) -> TenantRecord:
        return TenantRecord(
            slug=row["slug"],
            phone_number=row["phone_number"],
            sip_address=row["sip_address"],
            sip_username=row["sip_username"],
            subaccount_sid=row["subaccount_sid"],
            auth_token=self._cipher.decrypt(row["auth_token"], slug=row["slug"]),
            language=row["language"],
            region=row["region"],
            contacts=_contacts(row["contacts"]),
            sensitivity=_sensitivity(row.get("sensitivity")),
            person_name=row.get("person_name") or "",
            call_countries=_countries(row.get("call_countries")),
            messaging_service_sid=row.get("messaging_service_sid") or "",
            us_texting=row.get("us_texting") or "",
            monitored_numbers=_monitored(row.get("monitored_numbers")),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )
