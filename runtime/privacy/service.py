"""A person's data rights over their tenant's data: export, erasure, transcript retention.

Where a tenant's personal data lives (docs/privacy.md has the whole table):

- the tenant's own data (schema ``tenant_<key>`` on PostgreSQL, its own file on SQLite):
  calls, transcript segments, verdict timelines, alerts, notices to the person, received SMS,
  contacts with their consent replies and invitations;
- the platform database, rows keyed by the tenant's slug: the person, onboarding steps,
  forwarding tests, call preferences, contact changes (people), the billing account, quota
  notices and usage periods (billing).

Every operation is scoped by one slug: the tenant's engine sees only that tenant's tables, and
every platform query filters on the slug, so no path reads or erases another tenant's rows.
Every operation writes a :class:`~runtime.people.tables.PrivacyAudit` row with counts only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from piccolo.table import Table

from runtime.alerts.tables import AlertTables, bind_tables
from runtime.billing.tables import BillingAccount, KycSession, QuotaNotice, UsagePeriod
from runtime.calls.preferences import CallerRule, QuietHoursRow
from runtime.people.tables import ContactChange, ForwardingTest, OnboardingStep, Person
from runtime.privacy.tables import ErasureRequest, ErasureRun, PrivacyAudit
from runtime.settings import PrivacySettings
from runtime.storage import TenantStore, bind_table, validate_slug
from runtime.tenants import Registry, TenantRecord

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_PAGE",
    "ErasureResult",
    "Privacy",
    "RetentionResult",
]

logger = logging.getLogger(__name__)

EXPORT_FORMAT: Final = "ethiq-export/1"
_BATCH: Final = 500  # ids per statement when erasing by call
EXPORT_PAGE: Final = 200  # rows (calls with their transcripts) read per query of an export
_ERASED_HOW: Final = "(detail erased on request)"


@dataclass(frozen=True, slots=True)
class ErasureResult:
    request_id: int
    slug: str
    state: str  # done | missing (no such request)
    # The request's rows per table, over every run that erased some (a run cut short between
    # the tenant's commit and the platform's included); empty for a request already done.
    erased: Mapping[str, int] = field(default_factory=dict)
    kept_contacts: int = 0  # still declared by the stack: the service's live configuration


@dataclass(slots=True)
class RetentionResult:
    tenants: int = 0
    segments: int = 0  # transcript segments deleted (call rows and verdicts kept)
    errors: int = 0


class Privacy:
    """Built once per process (:class:`runtime.web.state.Runtime`)."""

    def __init__(
        self,
        *,
        storage: TenantStore,
        registry: Registry,
        settings: PrivacySettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        engine = storage.platform_engine()
        self._storage = storage
        self._engine = engine  # the tables below are bound to this one: its transactions
        self._registry = registry
        self.settings = settings
        self._clock = clock
        self._request = bind_table(ErasureRequest, engine)
        self._audit = bind_table(PrivacyAudit, engine)
        self._tests = bind_table(ForwardingTest, engine)
        self._steps = bind_table(OnboardingStep, engine)
        self._platform: dict[str, tuple[type[Table], str]] = {
            "person": (bind_table(Person, engine), "slug"),
            "onboarding_step": (bind_table(OnboardingStep, engine), "slug"),
            "forwarding_test": (bind_table(ForwardingTest, engine), "slug"),
            "caller_rule": (bind_table(CallerRule, engine), "slug"),
            "quiet_hours": (bind_table(QuietHoursRow, engine), "slug"),
            "contact_change": (bind_table(ContactChange, engine), "slug"),
            "billing_account": (bind_table(BillingAccount, engine), "tenant"),
            "usage_period": (bind_table(UsagePeriod, engine), "tenant"),
            "quota_notice": (bind_table(QuotaNotice, engine), "tenant"),
            "kyc_session": (bind_table(KycSession, engine), "tenant"),
        }

    # --- export ---------------------------------------------------------------------------

    async def export(self, slug: str, actor: str = "person") -> AsyncIterator[bytes]:
        """Everything Ethiq holds about the tenant ``slug``, as one JSON document
        (:data:`EXPORT_FORMAT`) streamed in UTF-8 chunks: the profile, contacts and their
        consent records, the call log with verdicts, reasons and transcripts, alerts and
        notices sent, preferences, billing standing. Secrets (the subaccount's token, sign-in
        links) are never part of it.

        Read page by page (:data:`EXPORT_PAGE` rows, a page of calls with their transcripts
        and timelines), never whole: memory is bounded by a page, whatever the history. The
        calls are those up to the newest one when the export starts. The audit row (counts)
        is written before the first byte, so a download cut short is audited too; an unknown
        tenant raises :class:`LookupError` before anything is streamed."""
        tenant = await self._tenant(slug)
        tables = bind_tables(self._storage.engine(slug))
        call, segment = tables.Call, tables.Segment
        newest = await call.select(call.id).order_by(call.id, ascending=False).first()
        upto = int(newest["id"]) if newest else 0
        counts = {
            "calls": await call.count().where(call.id <= upto),
            "transcript_segments": await segment.count().where(segment.call <= upto),
            "contacts": await tables.Contact.count(),
            "alerts": await tables.Alert.count(),
            "consent_records": await tables.Consent.count(),
        }
        await self._audited(slug, "export", actor, counts)
        return self._document(slug, tenant, tables, upto)

    async def _document(
        self, slug: str, tenant: TenantRecord, tables: AlertTables, upto: int
    ) -> AsyncIterator[bytes]:
        contacts = await _rows(tables.Contact)  # a stack declares a handful
        numbers = {c["id"]: c["number"] for c in contacts}
        head = {
            "format": EXPORT_FORMAT,
            "tenant": slug,
            "exported_at": _json(self._clock()),
            "profile": {
                "person": (await self._platform_rows("person", slug) or [{}])[0],
                "ethiq_number": tenant.phone_number,
                "region": tenant.region,
                "language": tenant.language,
                "person_name": tenant.person_name,
                "sip_username": tenant.sip_username,
                "declared_contacts": [
                    {"number": c.number, "name": c.name, "language": c.language}
                    for c in tenant.contacts
                ],
            },
            "contacts": contacts,
        }
        yield _dumps(head)[:-1].encode()  # the object stays open: the sections follow

        def numbered(row: dict[str, Any]) -> dict[str, Any]:
            return {**row, "contact_number": numbers.get(row["contact"], "")}

        sections: list[tuple[str, AsyncIterator[list[dict[str, Any]]]]] = [
            ("consent_records", _pages(tables.Consent, numbered)),
            ("invitations", _pages(tables.Invitation)),
            ("calls", _call_pages(tables, upto)),
            ("alerts", _pages(tables.Alert, numbered)),
            ("notices_to_person", _pages(tables.Notice)),
            ("messages_received", _pages(tables.InboundMessage)),
        ]
        for name, pages in sections:
            yield f',\n"{name}": ['.encode()
            first = True
            async for page in pages:
                text = ",\n".join(_dumps(row) for row in page)
                yield (text if first else ",\n" + text).encode()
                first = False
            yield b"]"
        platform = {
            name: await self._platform_rows(name, slug)
            for name in self._platform
            if name != "person"
        }
        billing = platform["billing_account"]
        tail = {
            "onboarding": platform["onboarding_step"],
            "forwarding_tests": platform["forwarding_test"],
            "call_preferences": {
                "numbers": platform["caller_rule"],
                "quiet_hours": platform["quiet_hours"],
            },
            "contact_changes": platform["contact_change"],
            "billing": {
                "account": billing[0] if billing else None,
                "usage_periods": platform["usage_period"],
                "quota_notices": platform["quota_notice"],
                "replaced_identity_sessions": platform["kyc_session"],
            },
            "privacy": {
                "erasure_requests": [_jsonable(r) for r in await self.requests(slug)],
                "audit": [_jsonable(a) for a in await self.audit(slug)],
            },
        }
        yield (",\n" + _dumps(tail)[1:] + "\n").encode()  # closes the document

    # --- erasure --------------------------------------------------------------------------

    async def request_erasure(self, slug: str, by: str = "person") -> int:
        """Record an erasure request (its id): one open request per tenant, so asking twice
        before it ran joins the first. The job (:mod:`runtime.privacy.jobs`) runs it."""
        slug = validate_slug(slug)
        await self._tenant(slug)
        r = self._request
        open_request = (
            await r.select(r._meta.primary_key)
            .where((r.slug == slug) & (r.state == "pending"))
            .first()
        )
        if open_request is not None:
            return int(open_request["id"])
        row = r(slug=slug, state="pending", requested_by=by[:64], requested_at=self._clock())
        await r.insert(row)
        created = (
            await r.select(r._meta.primary_key)
            .where((r.slug == slug) & (r.state == "pending"))
            .first()
        )
        assert created is not None  # noqa: S101 (just written)
        await self._audited(slug, "erase_request", by, {"request": int(created["id"])})
        logger.info("erasure of %s requested by %s (request %s)", slug, by, created["id"])
        return int(created["id"])

    async def requests(self, slug: str) -> list[dict[str, Any]]:
        """The tenant's erasure requests, newest first."""
        r = self._request
        rows = (
            await r.select()
            .where(r.slug == validate_slug(slug))
            .order_by(r._meta.primary_key, ascending=False)
            .output(load_json=True)
        )
        return [dict(row) for row in rows]

    async def pending(self) -> list[int]:
        """Ids of every erasure request not done yet (a job lost to a crash is found here)."""
        r = self._request
        rows = await r.select(r._meta.primary_key).where(r.state == "pending")
        return [int(row["id"]) for row in rows]

    async def erase(self, request_id: int) -> ErasureResult:
        """Run one erasure request: all of it, or nothing (a crash, a failing statement or a
        lost connection rolls the run back, and the next run erases it all).

        Erased, for what was recorded up to the request: calls with their transcripts,
        verdict timelines, alerts and notices, received SMS, forwarding tests, the detail of
        onboarding steps; contacts the stack no longer declares, with their consent replies
        and invitations. Kept: contacts the stack still declares (texting them needs their
        recorded consent; removing them is a stack change), the account and its billing
        records (see docs/privacy.md).

        Two stores, so two transactions: the tenant's (its schema or file) first, every delete
        in one transaction with the record of what they deleted (:class:`ErasureRun`); then the
        platform's (forwarding tests, the steps' detail, the request marked done and the audit
        row), in another. A crash between the two commits leaves the request pending with the
        tenant's part already gone: the next run finds nothing more there, finishes the
        platform's, and audits the tenant's counts its earlier runs recorded, so the audit
        counts every row the request erased. A done request changes nothing."""
        r = self._request
        row = (
            await r.select().where(r._meta.primary_key == request_id).output(load_json=True).first()
        )
        if row is None:
            return ErasureResult(request_id, "", "missing")
        slug = str(row["slug"])
        if row["state"] == "done":
            return ErasureResult(request_id, slug, "done", {})
        cutoff = _aware(row["requested_at"])
        tenant = await self._registry.get(slug)
        declared = {c.number for c in tenant.contacts} if tenant is not None else set()
        erased: dict[str, int] = {}  # this run's rows
        recorded: dict[str, int] = {}  # the tenant store's rows over every run of the request
        kept = 0
        if tenant is not None and await self._storage.exists(slug):
            engine = self._storage.engine(slug)
            tables = bind_tables(engine)
            runs = bind_table(ErasureRun, engine)
            async with engine.transaction():
                erased |= await _erase_history(tables, cutoff)
                contacts, kept = await _erase_undeclared_contacts(tables, declared)
                erased |= contacts
                # Recorded with the deletes: a crash before the platform's commit below loses
                # neither, and the retry (which deletes nothing more) reads them back here.
                await runs.insert(runs(request=request_id, at=self._clock(), counts=erased))
                recorded = await _recorded(runs, request_id)
        async with self._engine.transaction():
            platform = await self._erase_platform(slug, cutoff)
            erased |= platform
            total = {**recorded, **platform}
            done = (r._meta.primary_key == request_id) & (r.state == "pending")
            marked = (
                await r.update({r.state: "done", r.done_at: self._clock(), r.erased: total})
                .where(done)
                .returning(r._meta.primary_key)
            )
            if not marked:  # another run finished it meanwhile: nothing of this one is kept
                return ErasureResult(request_id, slug, "done", {})
            await self._audited(slug, "erase", "worker", {**total, "contacts_kept": kept})
        logger.info(
            "erasure %s of %s done: %s rows erased, %s declared contacts kept",
            request_id,
            slug,
            sum(total.values()),
            kept,
        )
        return ErasureResult(request_id, slug, "done", total, kept)

    async def _erase_platform(self, slug: str, cutoff: datetime) -> dict[str, int]:
        """The tenant's forwarding tests (the person's number, how each call ended), and the
        detail of its onboarding steps (the steps stay completed: the state machine needs
        them; their "how" names contacts and numbers)."""
        tests, steps = self._tests, self._steps
        where = (tests.slug == slug) & (tests.started_at <= cutoff)
        count = len(await tests.delete().where(where).returning(tests._meta.primary_key))
        done = (steps.slug == slug) & (steps.completed_at <= cutoff) & (steps.how != _ERASED_HOW)
        detail = len(await steps.update({steps.how: _ERASED_HOW}).where(done).returning(steps.slug))
        return {"forwarding_test": count, "onboarding_step_detail": detail}

    # --- transcript retention -------------------------------------------------------------

    async def purge_transcripts(self, now: datetime | None = None) -> RetentionResult:
        """Delete every tenant's transcript segments older than its region's retention
        (``ETHIQ_TRANSCRIPT_RETENTION_DAYS``); the call rows, verdicts and reasons stay. One
        tenant failing is logged and counted; the others go on (the next run retries)."""
        now = now or self._clock()
        result = RetentionResult()
        for slug in await self._registry.slugs():
            try:
                tenant = await self._registry.get(slug)
                if tenant is None or not await self._storage.exists(slug):
                    continue
                days = self.settings.transcript_days(tenant.region)
                deleted = await _delete_segments_before(
                    bind_tables(self._storage.engine(slug)), now - timedelta(days=days)
                )
            except Exception:
                logger.exception("transcript retention of %s failed (the next run retries)", slug)
                result.errors += 1
                continue
            result.tenants += 1
            result.segments += deleted
            if deleted:
                await self._audited(slug, "retention", "worker", {"transcript_segment": deleted})
        return result

    # --- audit ----------------------------------------------------------------------------

    async def audit(self, slug: str) -> list[dict[str, Any]]:
        a = self._audit
        rows = (
            await a.select()
            .where(a.slug == validate_slug(slug))
            .order_by(a._meta.primary_key)
            .output(load_json=True)
        )
        return [dict(row) for row in rows]

    async def _audited(self, slug: str, action: str, actor: str, counts: Mapping[str, int]) -> None:
        a = self._audit
        await a.insert(
            a(slug=slug, action=action, actor=actor[:64], at=self._clock(), counts=dict(counts))
        )

    async def _platform_rows(self, name: str, slug: str) -> list[dict[str, Any]]:
        table, column = self._platform[name]
        query = table.select().where(getattr(table, column) == slug)
        return [
            _jsonable(row)
            for row in await query.order_by(table._meta.primary_key).output(load_json=True)
        ]

    async def _tenant(self, slug: str) -> TenantRecord:
        tenant = await self._registry.get(validate_slug(slug))
        if tenant is None:
            raise LookupError(f"no tenant {slug!r}")
        return tenant


async def _erase_history(tables: AlertTables, cutoff: datetime) -> dict[str, int]:
    """Calls started up to ``cutoff`` with everything hanging off them, then the notices and
    received SMS of that time. Children first: SQLite does not enforce the cascades. Run
    inside the caller's transaction: each delete counts the rows it removed (``RETURNING``)."""
    call = tables.Call
    ids = [int(r["id"]) for r in await call.select(call.id).where(call.started_at <= cutoff)]
    erased = {"verdict": 0, "transcript_segment": 0, "alert": 0, "call": 0}
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        for name, table in (
            ("verdict", tables.VerdictEvent),
            ("transcript_segment", tables.Segment),
            ("alert", tables.Alert),
        ):
            erased[name] += await _delete(table, table.call.is_in(batch))
        erased["call"] += await _delete(call, call.id.is_in(batch))
    notice, inbound = tables.Notice, tables.InboundMessage
    erased["person_notice"] = await _delete(notice, notice.created_at <= cutoff)
    erased["inbound_message"] = await _delete(inbound, inbound.received_at <= cutoff)
    return erased


async def _erase_undeclared_contacts(
    tables: AlertTables, declared: set[str]
) -> tuple[dict[str, int], int]:
    """Contacts the stack no longer declares, with their replies, invitations and alerts."""
    contact = tables.Contact
    rows = await contact.select(contact.id, contact.number)
    gone = [int(r["id"]) for r in rows if r["number"] not in declared]
    kept = len(rows) - len(gone)
    erased = {"contact": 0, "consent": 0, "invitation": 0}
    if gone:
        consent, invitation, alert = tables.Consent, tables.Invitation, tables.Alert
        erased["consent"] = await _delete(consent, consent.contact.is_in(gone))
        erased["invitation"] = await _delete(invitation, invitation.contact.is_in(gone))
        await _delete(alert, alert.contact.is_in(gone))
        erased["contact"] = await _delete(contact, contact.id.is_in(gone))
    return erased, kept


async def _recorded(runs: type[ErasureRun], request_id: int) -> dict[str, int]:
    """Rows per table the request's runs deleted in the tenant's store, summed over its runs."""
    total: dict[str, int] = {}
    rows = await runs.select(runs.counts).where(runs.request == request_id).output(load_json=True)
    for row in rows:
        for name, count in dict(row["counts"] or {}).items():
            total[name] = total.get(name, 0) + int(count)
    return total


async def _delete(table: type[Table], where: Any) -> int:
    """Delete the rows ``where`` selects; how many went."""
    return len(await table.delete().where(where).returning(table._meta.primary_key))


async def _delete_segments_before(tables: AlertTables, cutoff: datetime) -> int:
    """Transcript segments received before ``cutoff``; a verdict that pointed at one keeps its
    risk, verdict and reasons, only the link goes (SQLite does not apply ``SET NULL``)."""
    segment, verdict = tables.Segment, tables.VerdictEvent
    ids = [
        int(r["id"]) for r in await segment.select(segment.id).where(segment.received_at < cutoff)
    ]
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        await verdict.update({verdict.segment: None}).where(verdict.segment.is_in(batch))
        await segment.delete().where(segment.id.is_in(batch))
    return len(ids)


async def _rows(table: type[Table]) -> list[dict[str, Any]]:
    query = table.select().order_by(table._meta.primary_key).output(load_json=True)
    return [_jsonable(row) for row in await query]


async def _pages(
    table: type[Table],
    shape: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: row,
    where: Any = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """The table's rows by ascending id, :data:`EXPORT_PAGE` at a time (keyset: each page
    starts after the last id seen, so rows added meanwhile never shift a page)."""
    key = table._meta.primary_key
    after = 0
    while True:
        query = table.select().where(key > after)
        if where is not None:
            query = query.where(where)
        rows = await query.order_by(key).limit(EXPORT_PAGE).output(load_json=True)
        if not rows:
            return
        yield [shape(_jsonable(row)) for row in rows]
        if len(rows) < EXPORT_PAGE:
            return
        after = int(rows[-1]["id"])


async def _call_pages(tables: AlertTables, upto: int) -> AsyncIterator[list[dict[str, Any]]]:
    """Calls up to id ``upto``, each with its transcript (by sequence) and verdict timeline,
    a page of calls at a time."""
    segment, verdict = tables.Segment, tables.VerdictEvent
    async for calls in _pages(tables.Call, where=tables.Call.id <= upto):
        ids = [int(c["id"]) for c in calls]
        segments = _by_call(
            await _select(segment, segment.call.is_in(ids), segment.call, segment.sequence)
        )
        verdicts = _by_call(
            await _select(verdict, verdict.call.is_in(ids), verdict.call, verdict.id)
        )
        for c in calls:
            c["transcript"] = segments.get(c["id"], [])
            c["verdict_timeline"] = verdicts.get(c["id"], [])
        yield calls


async def _select(table: type[Table], where: Any, *order: Any) -> list[dict[str, Any]]:
    rows = await table.select().where(where).order_by(*order).output(load_json=True)
    return [_jsonable(row) for row in rows]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ": "))


def _by_call(rows: Sequence[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(int(row["call"]), []).append(row)
    return grouped


def _jsonable(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _json(value) for key, value in row.items()}


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return _aware(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool | type(None) | list | dict):
        return value
    return json.loads(json.dumps(value, default=str))


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
