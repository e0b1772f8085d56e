"""The person's call preferences: trusted numbers, blocked numbers, quiet hours.

Stored per tenant in the platform database (tables migrated with the ``people`` app, whose
pages edit them; the operator API edits the blocklist too), so they survive restarts on every
backend. The voice webhook reads them once per call (:meth:`CallerPreferences.for_call`).

What each one does to a call (the call path applies it, :mod:`runtime.calls.service`):

- **blocked**: rejected before anything else, recorded as ``blocked``.
- **trusted**: rings through at any hour and is not screened (no transcription, so no warning
  and no alert). A caller ID can be spoofed: when STIR/SHAKEN says the number failed
  verification, the call is screened like any other.
- **quiet hours** (local time of the tenant, may span midnight): a caller who is not trusted
  does not ring the person; they go straight to voicemail, which is transcribed and scored
  like a conversation, so a scam still alerts the contacts (warnings and alerts are never
  suppressed). A person's family rings through by being trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from piccolo.columns import Timestamptz, Varchar
from piccolo.engine.base import Engine
from piccolo.table import Table

from runtime.storage import raw_fetch
from runtime.storage.bind import bind_table
from runtime.storage.names import validate_slug
from runtime.storage.widths import E164_LENGTH
from runtime.tenants import validate_e164

__all__ = [
    "MAX_NUMBERS",
    "CallRules",
    "CallerPreferences",
    "CallerRule",
    "InvalidPreference",
    "ListKind",
    "QuietHours",
    "QuietHoursRow",
    "parse_quiet_hours",
    "spoofed",
]

MAX_NUMBERS: Final = 200  # per list and tenant: a page stays readable, a row stays cheap


class InvalidPreference(ValueError):
    """A preference that cannot be stored (bad time, unknown zone, list full)."""


class ListKind(StrEnum):
    TRUSTED = "trusted"
    BLOCKED = "blocked"


class CallerRule(Table, tablename="caller_rule"):
    """One number on one of a tenant's lists; ``key`` = ``<slug>:<kind>:<number>`` (once)."""

    key = Varchar(length=96, unique=True)
    slug = Varchar(length=63, index=True)
    kind = Varchar(length=8)
    number = Varchar(length=E164_LENGTH)
    added_at = Timestamptz()


class QuietHoursRow(Table, tablename="quiet_hours"):
    """A tenant's quiet hours: ``HH:MM`` local times in the IANA ``zone`` (no row: none)."""

    slug = Varchar(length=63, unique=True)
    starts = Varchar(length=5)
    ends = Varchar(length=5)
    zone = Varchar(length=64)
    updated_at = Timestamptz()


@dataclass(frozen=True, slots=True)
class QuietHours:
    starts: time
    ends: time
    zone: str

    def __post_init__(self) -> None:
        if self.starts == self.ends:
            raise InvalidPreference("quiet hours must start and end at different times")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidPreference(f"unknown time zone {self.zone!r}") from None

    def contains(self, at: datetime) -> bool:
        """Whether ``at`` (aware) falls in the quiet hours, in their zone; spans midnight when
        ``ends`` is earlier than ``starts`` (22:00 to 07:00). ``ends`` itself is outside."""
        local = at.astimezone(ZoneInfo(self.zone)).time().replace(tzinfo=None)
        if self.starts < self.ends:
            return self.starts <= local < self.ends
        return local >= self.starts or local < self.ends

    def end_after(self, at: datetime) -> datetime:
        """The first end of the quiet hours after ``at`` (aware), in UTC: the local ``ends``
        today, else tomorrow, in their zone (a DST change shifts it as the wall clock does)."""
        zone = ZoneInfo(self.zone)
        local = at.astimezone(zone)
        end = datetime.combine(local.date(), self.ends, tzinfo=zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.ends, tzinfo=zone)
        return end.astimezone(UTC)

    def label(self) -> str:
        return f"{self.starts:%H:%M}-{self.ends:%H:%M}"


def parse_quiet_hours(starts: str, ends: str, zone: str) -> QuietHours:
    """``HH:MM`` texts (as an ``<input type=time>`` sends them) → :class:`QuietHours`."""

    def parse(value: str) -> time:
        try:
            parsed = time.fromisoformat(value.strip())
        except ValueError:
            raise InvalidPreference(f"not a time of day (HH:MM): {value!r}") from None
        return parsed.replace(second=0, microsecond=0)

    return QuietHours(parse(starts), parse(ends), zone)


def spoofed(stir_verstat: str | None) -> bool:
    """STIR/SHAKEN says the caller ID failed verification (``TN-Validation-Failed``, any
    attestation or suffix): a trusted number's caller ID is then not believed.
    https://www.twilio.com/docs/voice/trusted-calling-with-shakenstir"""
    return bool(stir_verstat) and "Validation-Failed" in str(stir_verstat)


@dataclass(frozen=True, slots=True)
class CallRules:
    """What the preferences say about one caller at one moment."""

    blocked: bool = False
    trusted: bool = False
    quiet: bool = False

    def trusts(self, stir_verstat: str | None) -> bool:
        """Trusted, and its caller ID believed (STIR/SHAKEN did not refute it)."""
        return self.trusted and not spoofed(stir_verstat)


class CallerPreferences:
    """The lists and quiet hours of every tenant (one platform engine, no pool per tenant)."""

    def __init__(self, engine: Engine[Any]) -> None:
        self._rule = bind_table(CallerRule, engine)
        self._quiet = bind_table(QuietHoursRow, engine)
        self._fetch = raw_fetch(engine)

    # --- lists -----------------------------------------------------------------------------

    async def numbers(self, slug: str, kind: ListKind) -> list[str]:
        r = self._rule
        rows = await r.select(r.number).where((r.slug == validate_slug(slug)) & (r.kind == kind))
        return sorted(str(row["number"]) for row in rows)

    async def listed(self, slug: str, kind: ListKind, number: str) -> bool:
        """Whether ``number`` is on the tenant's ``kind`` list (one indexed read)."""
        r = self._rule
        key = _key(validate_slug(slug), kind, number)
        return bool(await r.select(r.key).where(r.key == key).first())

    async def add(self, slug: str, kind: ListKind, number: str) -> list[str]:
        """Put ``number`` (E.164) on the ``kind`` list, off the other one; the list after."""
        validate_e164(number)
        slug = validate_slug(slug)
        listed = await self.numbers(slug, kind)
        if number not in listed and len(listed) >= MAX_NUMBERS:
            raise InvalidPreference(f"at most {MAX_NUMBERS} numbers fit on a list")
        other = ListKind.BLOCKED if kind is ListKind.TRUSTED else ListKind.TRUSTED
        r = self._rule
        await r.delete().where(r.key == _key(slug, other, number))
        row = r(key=_key(slug, kind, number), slug=slug, kind=str(kind), number=number)
        row.added_at = datetime.now(UTC)
        await r.insert(row).on_conflict(target=r.key, action="DO NOTHING")
        return await self.numbers(slug, kind)

    async def remove(self, slug: str, kind: ListKind, number: str) -> bool:
        r = self._rule
        gone = (
            await r.delete()
            .where(r.key == _key(validate_slug(slug), kind, number))
            .returning(r.number)
        )
        return bool(gone)

    # --- quiet hours -----------------------------------------------------------------------

    async def quiet_hours(self, slug: str) -> QuietHours | None:
        q = self._quiet
        row = await q.select().where(q.slug == validate_slug(slug)).first()
        if row is None:
            return None
        return parse_quiet_hours(row["starts"], row["ends"], row["zone"])

    async def set_quiet_hours(self, slug: str, hours: QuietHours | None) -> None:
        """Replace the tenant's quiet hours (``None``: none)."""
        q = self._quiet
        slug = validate_slug(slug)
        if hours is None:
            await q.delete().where(q.slug == slug)
            return
        row = q(slug=slug, starts=f"{hours.starts:%H:%M}", ends=f"{hours.ends:%H:%M}")
        row.zone = hours.zone
        row.updated_at = datetime.now(UTC)
        await q.insert(row).on_conflict(
            target=q.slug, action="DO UPDATE", values=[q.starts, q.ends, q.zone, q.updated_at]
        )

    # --- the call path ---------------------------------------------------------------------

    async def for_call(self, slug: str, caller: str, at: datetime) -> CallRules:
        """Two indexed reads: the caller's lists, the tenant's quiet hours (on PostgreSQL one
        statement, one round trip)."""
        if self._fetch is not None:
            keys = [_key(slug, kind, caller) for kind in ListKind] if caller else []
            kinds: set[str] = set()
            hours: QuietHours | None = None
            for row in await self._fetch(_FOR_CALL_SQL, keys, validate_slug(slug)):
                if row["kind"] is not None:
                    kinds.add(str(row["kind"]))
                else:
                    hours = parse_quiet_hours(row["starts"], row["ends"], row["zone"])
            return CallRules(
                blocked=ListKind.BLOCKED in kinds,
                trusted=ListKind.TRUSTED in kinds,
                quiet=hours is not None and hours.contains(at),
            )
        r = self._rule
        kinds = set()
        if caller:
            keys = [_key(slug, kind, caller) for kind in ListKind]
            kinds = {str(row["kind"]) for row in await r.select(r.kind).where(r.key.is_in(keys))}
        hours = await self.quiet_hours(slug)
        return CallRules(
            blocked=ListKind.BLOCKED in kinds,
            trusted=ListKind.TRUSTED in kinds,
            quiet=hours is not None and hours.contains(at),
        )


# for_call's two reads in one statement (the platform schema's tables, indexed keys).
_FOR_CALL_SQL: Final = (
    "SELECT kind, NULL AS starts, NULL AS ends, NULL AS zone FROM {schema}.caller_rule "
    "WHERE key = ANY($1::varchar[]) "
    "UNION ALL SELECT NULL, starts, ends, zone FROM {schema}.quiet_hours WHERE slug = $2"
)


def _key(slug: str, kind: ListKind, number: str) -> str:
    return f"{slug}:{kind}:{number}"
