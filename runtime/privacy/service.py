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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from piccolo.table import Table

from runtime.billing.tables import BillingAccount, QuotaNotice, UsagePeriod
from runtime.calls.preferences import CallerRule, QuietHoursRow
from runtime.calls.tables import TenantTables, bind_tables
from runtime.people.tables import (
    ContactChange,
    ErasureRequest,
    ForwardingTest,
    OnboardingStep,
    Person,
    PrivacyAudit,
)
from runtime.settings import PrivacySettings
from runtime.storage import TenantStore, bind_table, validate_slug
from runtime.tenants import Registry, TenantRecord

__all__ = ["EXPORT_FORMAT", "ErasureResult", "Privacy", "RetentionResult"]

logger = logging.getLogger(__name__)

EXPORT_FORMAT: Final = "ethiq-export/1"
_BATCH: Final = 500  # ids per statement when erasing by call
_ERASED_HOW: Final = "(detail erased on request)"


@dataclass(frozen=True, slots=True)
class ErasureResult:
    request_id: int
    slug: str
    state: str  # done | missing (no such request)
    erased: Mapping[str, int] = field(default_factory=dict)  # this run's rows, per table
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
        }

    # --- export ---------------------------------------------------------------------------

    async def export(self, slug: str, actor: str = "person") -> dict[str, Any]:
        """Everything Ethiq holds about the tenant ``slug``, as JSON-ready values: the profile,
        contacts and their consent records, the call log with verdicts, reasons and
        transcripts, alerts and notices sent, preferences, billing standing. Secrets (the
        subaccount's token, sign-in links) are never part of it. Audited (counts only)."""
        tenant = await self._tenant(slug)
        tables = bind_tables(self._storage.engine(slug))
        platform = {name: await self._platform_rows(name, slug) for name in self._platform}
        calls = await _rows(tables.Call)
        segments = _by_call(await _rows(tables.Segment, order="sequence"))
        verdicts = _by_call(await _rows(tables.VerdictEvent))
        for call in calls:
            call["transcript"] = segments.get(call["id"], [])
            call["verdict_timeline"] = verdicts.get(call["id"], [])
        contacts = await _rows(tables.Contact)
        numbers = {c["id"]: c["number"] for c in contacts}
        alerts = await _rows(tables.Alert)
        for alert in alerts:
            alert["contact_number"] = numbers.get(alert["contact"], "")
        consents = await _rows(tables.Consent)
        for consent in consents:
            consent["contact_number"] = numbers.get(consent["contact"], "")
        billing = platform.pop("billing_account")
        document = {
            "format": EXPORT_FORMAT,
            "tenant": slug,
            "exported_at": _json(self._clock()),
            "profile": {
                "person": (platform.pop("person") or [{}])[0],
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
            "consent_records": consents,
            "invitations": await _rows(tables.Invitation),
            "calls": calls,
            "alerts": alerts,
            "notices_to_person": await _rows(tables.Notice),
            "messages_received": await _rows(tables.InboundMessage),
            "onboarding": platform.pop("onboarding_step"),
            "forwarding_tests": platform.pop("forwarding_test"),
            "call_preferences": {
                "numbers": platform.pop("caller_rule"),
                "quiet_hours": platform.pop("quiet_hours"),
            },
            "contact_changes": platform.pop("contact_change"),
            "billing": {
                "account": billing[0] if billing else None,
                "usage_periods": platform.pop("usage_period"),
                "quota_notices": platform.pop("quota_notice"),
            },
            "privacy": {
                "erasure_requests": [_jsonable(r) for r in await self.requests(slug)],
                "audit": [_jsonable(a) for a in await self.audit(slug)],
            },
        }
        counts = {
            "calls": len(calls),
            "transcript_segments": sum(len(c["transcript"]) for c in calls),
            "contacts": len(contacts),
            "alerts": len(alerts),
            "consent_records": len(consents),
        }
        await self._audited(slug, "export", actor, counts)
        return document

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
        """Run one erasure request. Idempotent: each step deletes what is still there, so a
        run cut short (a crash) is finished by the next, and a done request changes nothing.

        Erased, for what was recorded up to the request: calls with their transcripts,
        verdict timelines, alerts and notices, received SMS, forwarding tests, the detail of
        onboarding steps; contacts the stack no longer declares, with their consent replies
        and invitations. Kept: contacts the stack still declares (texting them needs their
        recorded consent; removing them is a stack change), the account and its billing
        records (see docs/privacy.md)."""
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
        erased: dict[str, int] = {}
        kept = 0
        if tenant is not None and await self._storage.exists(slug):
            tables = bind_tables(self._storage.engine(slug))
            erased |= await _erase_history(tables, cutoff)
            contacts, kept = await _erase_undeclared_contacts(tables, declared)
            erased |= contacts
        erased |= await self._erase_platform(slug, cutoff)
        total = dict(row["erased"] or {})
        for name, count in erased.items():
            total[name] = int(total.get(name, 0)) + count
        await r.update({r.state: "done", r.done_at: self._clock(), r.erased: total}).where(
            r._meta.primary_key == request_id
        )
        await self._audited(slug, "erase", "worker", {**erased, "contacts_kept": kept})
        logger.info(
            "erasure %s of %s done: %s rows erased, %s declared contacts kept",
            request_id,
            slug,
            sum(erased.values()),
            kept,
        )
        return ErasureResult(request_id, slug, "done", erased, kept)

    async def _erase_platform(self, slug: str, cutoff: datetime) -> dict[str, int]:
        """The tenant's forwarding tests (the person's number, how each call ended), and the
        detail of its onboarding steps (the steps stay completed: the state machine needs
        them; their "how" names contacts and numbers)."""
        tests, steps = self._tests, self._steps
        where = (tests.slug == slug) & (tests.started_at <= cutoff)
        count = await tests.count().where(where)
        await tests.delete().where(where)
        done = (steps.slug == slug) & (steps.completed_at <= cutoff) & (steps.how != _ERASED_HOW)
        detail = await steps.count().where(done)
        await steps.update({steps.how: _ERASED_HOW}).where(done)
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


async def _erase_history(tables: TenantTables, cutoff: datetime) -> dict[str, int]:
    """Calls started up to ``cutoff`` with everything hanging off them, then the notices and
    received SMS of that time. Children first: SQLite does not enforce the cascades."""
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
            where = table.call.is_in(batch)
            erased[name] += await table.count().where(where)
            await table.delete().where(where)
        erased["call"] += await call.count().where(call.id.is_in(batch))
        await call.delete().where(call.id.is_in(batch))
    notice, inbound = tables.Notice, tables.InboundMessage
    erased["person_notice"] = await notice.count().where(notice.created_at <= cutoff)
    await notice.delete().where(notice.created_at <= cutoff)
    erased["inbound_message"] = await inbound.count().where(inbound.received_at <= cutoff)
    await inbound.delete().where(inbound.received_at <= cutoff)
    return erased


async def _erase_undeclared_contacts(
    tables: TenantTables, declared: set[str]
) -> tuple[dict[str, int], int]:
    """Contacts the stack no longer declares, with their replies, invitations and alerts."""
    contact = tables.Contact
    rows = await contact.select(contact.id, contact.number)
    gone = [int(r["id"]) for r in rows if r["number"] not in declared]
    kept = len(rows) - len(gone)
    erased = {"contact": 0, "consent": 0, "invitation": 0}
    if gone:
        consent, invitation, alert = tables.Consent, tables.Invitation, tables.Alert
        erased["consent"] = await consent.count().where(consent.contact.is_in(gone))
        await consent.delete().where(consent.contact.is_in(gone))
        erased["invitation"] = await invitation.count().where(invitation.contact.is_in(gone))
        await invitation.delete().where(invitation.contact.is_in(gone))
        await alert.delete().where(alert.contact.is_in(gone))
        erased["contact"] = await contact.count().where(contact.id.is_in(gone))
        await contact.delete().where(contact.id.is_in(gone))
    return erased, kept


async def _delete_segments_before(tables: TenantTables, cutoff: datetime) -> int:
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


async def _rows(table: type[Table], order: str = "id") -> list[dict[str, Any]]:
    query = table.select().order_by(getattr(table, order)).output(load_json=True)
    return [_jsonable(row) for row in await query]


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
