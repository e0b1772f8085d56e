"""Quotas: the 80 % and 100 % notices, once per period, and the overage, never dropped.

Two sources cross a threshold:

- **metering** (:meth:`Quotas.meter`, a periodic job of ``ethiq worker``): the month's usage
  from the tenant's call logs against its plan (``metering.py``): screened minutes, alerts,
  contacts;
- **Twilio's spend Usage Triggers** (:meth:`Quotas.spend_fired`, from the ``/twilio/usage``
  webhook once verified): the subaccount's monthly spend reached 80 % or 100 % of
  ``ethiq:spendLimit``, else the plan's ``spend_limit_usd``.
  https://www.twilio.com/docs/usage/api/usage-trigger

Each crossing is one ``quota_notice`` row (its key: tenant, period, metric, threshold), so a
repeated callback or a second metering run records nothing more. A new row tells the operator
(an incident through the ``operator`` hook the app wires to the fleet's incidents; a failed
attempt is retried by the next metering run) and, for the plan's own limits, the person: one
SMS to their own number when they gave one, else an email, in their language, delivered like
alerts (claimed with a lease, looked up before a re-send, retried with backoff). Spend is
Ethiq's cost, not a unit the person bought: the operator alone hears of it.

When the subscription's standing suspends alerts (past the grace and the payment notice, or
canceled), the person's usage notices are suspended with them, by SMS or email (the operator is
still told); the payment notice always goes: :func:`runtime.billing.lifecycle.texts_person`.
So does the ``suspended`` notice, once per grace period (its row's key), when the metering job
first finds a failed payment's grace over: the person learns that their contacts are no longer
alerted, not only that they would be.

Over a limit nothing is cut: calls are still connected and screened, alerts still sent (the
call path never reads a quota). Each month's overage (screened minutes past the plan's) is
recorded in ``usage_period`` with the plan's rule: ``absorb`` (recorded, free) or ``bill``
(a Stripe invoice item once the month has ended, with an idempotency key per tenant and month).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any, Final, Protocol

from runtime.alerts.delivery import LeasedDelivery
from runtime.alerts.messages import local_time, to_gsm7
from runtime.alerts.sender import SendError, SmsSender
from runtime.billing.accounts import Account, Accounts
from runtime.billing.desired import ErasedAt
from runtime.billing.lifecycle import PersonText, Phase, Standing, standing, texts_person
from runtime.billing.metering import THRESHOLDS, Notice, Usage, month_of, notices_due, usage_of
from runtime.billing.plans import Plan, plan
from runtime.billing.tables import QuotaNotice, UsagePeriod
from runtime.billing.usage_records import InboundMinutes, reconciled
from runtime.email import Mail, Mailer, MailError
from runtime.screening.explain import is_french
from runtime.settings import AlertSettings
from runtime.storage import TenantStore
from runtime.storage.bind import bind_table
from runtime.telephony import paths
from runtime.telephony.signatures import public_url
from runtime.tenants import Registry, TenantRecord

__all__ = [
    "CANCELED",
    "PAYMENT",
    "SPEND",
    "SUSPENDED",
    "Crossing",
    "Meter",
    "MeterPass",
    "NoticeRecord",
    "Overage",
    "Overview",
    "Quotas",
    "Recipient",
    "notice_text",
]

logger = logging.getLogger(__name__)

SPEND: Final = "spend"  # the Usage Triggers' metric: the subaccount's spend, in US cents
PAYMENT: Final = "payment"  # a failed payment: ``allowed`` = the grace period's days
SUSPENDED: Final = "suspended"  # that grace period over: alerts to the contacts suspended
# A cancellation: the person offered their data's export while the number is retained
# (``period`` the day canceled, ``allowed`` the retention's days); by email, the link in it.
CANCELED: Final = "canceled"
_ABOUT_SUBSCRIPTION: Final = (PAYMENT, SUSPENDED, CANCELED)  # lifecycle.PersonText.SUBSCRIPTION
_TOLD: Final = ("sent", "delivered")
_WHAT: Final = {
    "screened_minutes": ("minutes d'appels filtrés", "screened call minutes"),
    "alerts": ("alertes par texto", "text alerts"),
    "contacts": ("proches à prévenir", "emergency contacts"),
}


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who the person is for their notices (the people's record)."""

    language: str
    email: str
    own_number: str


@dataclass(frozen=True, slots=True)
class Crossing:
    """A threshold crossed, whatever measured it (a metering :class:`Notice`, a trigger)."""

    period: str
    metric: str  # a plan's metric, or SPEND
    threshold: int
    used: int
    allowed: int


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    id: int
    key: str
    tenant: str
    period: str
    metric: str
    threshold: int
    used: int
    allowed: int
    source: str
    channel: str
    status: str
    incident: int | None


class Billing(Protocol):
    """What settling a billed overage needs of Stripe (:class:`StripeGateway`)."""

    def bill_overage(
        self, customer_id: str, amount_cents: int, description: str, key: str
    ) -> str: ...


@dataclass(frozen=True, slots=True)
class Overage:
    period: str
    minutes: int
    rule: str
    amount_cents: int


@dataclass(slots=True)
class MeterPass:
    tenants: int = 0
    notices: int = 0
    delivered: int = 0
    closed: int = 0
    errors: int = 0


@dataclass(frozen=True, slots=True)
class Meter:
    """One of a plan's limits and the month's use of it."""

    metric: str  # screened_minutes | alerts | contacts
    used: int
    limit: int

    @property
    def percent(self) -> int:
        return self.used * 100 // self.limit if self.limit else 0


@dataclass(frozen=True, slots=True)
class Overview:
    """What the pages show of a tenant's subscription: its plan, this month's use against the
    plan's limits, and where the subscription stands."""

    tenant: str
    plan: Plan
    period: str
    meters: tuple[Meter, ...]
    standing: Standing
    subscription_status: str
    metered_at: datetime | None  # None: counted live; else the last metering run's time
    region: str = ""  # the tenant's: its dates are read in its time zone, as its notices'

    @property
    def until(self) -> datetime | None:
        """When the standing's phase ends (grace, retention) as the tenant reads it: the day
        its notices name (:func:`local_time`)."""
        ends = self.standing.until
        return None if ends is None else local_time(ends, self.region)


RecipientOf = Callable[[str], Awaitable[Recipient | None]]
OperatorHook = Callable[[NoticeRecord], Awaitable[int]]


def overage_of(each: Plan, usage: Usage) -> Overage:
    """Screened minutes past the plan's, and what they cost under its rule."""
    minutes = max(0, usage.screened_minutes - each.screened_minutes)
    amount = minutes * each.overage_cents if each.overage == "bill" else 0
    return Overage(usage.period, minutes, each.overage, amount)


def notice_text(
    record: NoticeRecord,
    language: str,
    each: Plan | None,
    *,
    export_url: str = "",
    region: str = "",
    ends: datetime | None = None,
    now: datetime | None = None,
) -> tuple[str, str]:
    """The person's notice (subject, text) in their language; ``export_url``: where a
    cancellation notice sends them to download their data. The date it names is read as the
    tenant of ``region`` reads it (:func:`local_time`): ``ends`` (the grace's or the
    retention's end, else reckoned from the record's UTC day). A payment notice that goes out
    at ``now`` past its grace says that alerts are suspended from now on, never "update your
    card by" a day already gone."""
    fr = is_french(language)
    if record.metric in (PAYMENT, CANCELED):
        ends = ends or _reckoned_end(record)
    if record.metric == CANCELED and ends is not None:
        return _canceled_text(fr, export_url, local_time(ends, region))
    if record.metric == PAYMENT and ends is not None and now is not None and ends <= now:
        subject = "Ethiq: alertes suspendues" if fr else "Ethiq: alerts suspended"
        text = (
            "Ethiq: le paiement de votre abonnement a échoué et le délai pour le régler est "
            "passé: les alertes à vos proches sont suspendues dès maintenant, ils ne seront "
            "plus prévenus d'un appel frauduleux. Vos appels restent connectés et filtrés. "
            "Mettez à jour votre carte pour rétablir les alertes."
            if fr
            else "Ethiq: your subscription's payment failed and its grace period is over: "
            "alerts to your contacts are suspended from now on, they will not be told of a "
            "scam call. Your calls are still connected and screened. Update your card to turn "
            "alerts back on."
        )
        return subject, text
    if record.metric == PAYMENT and ends is not None:
        due = local_time(ends, region)
        subject = "Ethiq: paiement refusé" if fr else "Ethiq: payment failed"
        text = (
            "Ethiq: le paiement de votre abonnement a échoué. Tout continue: mettez à jour votre "
            f"carte d'ici le {due:%Y-%m-%d} à {due:%H:%M}, sinon les alertes à vos proches "
            "seront suspendues. Vos appels resteront connectés et filtrés."
            if fr
            else "Ethiq: your subscription's payment failed. Everything still works: update "
            f"your card by {due:%Y-%m-%d} at {due:%H:%M}, or alerts to your contacts will be "
            "suspended. Your calls will still be connected and screened."
        )
        return subject, text
    if record.metric == SUSPENDED:
        subject = "Ethiq: alertes suspendues" if fr else "Ethiq: alerts suspended"
        text = (
            "Ethiq: votre abonnement reste impayé, les alertes à vos proches sont suspendues: "
            "ils ne seront plus prévenus d'un appel frauduleux. Vos appels restent connectés "
            "et filtrés. Mettez à jour votre carte pour rétablir les alertes."
            if fr
            else "Ethiq: your subscription is still unpaid, so alerts to your contacts are "
            "suspended: they will not be told of a scam call. Your calls are still connected "
            "and screened. Update your card to turn alerts back on."
        )
        return subject, text
    french_what, english_what = _WHAT.get(record.metric, (record.metric, record.metric))
    what = french_what if fr else english_what
    used, allowed = record.used, record.allowed
    if record.threshold < THRESHOLDS[-1]:
        subject = "Ethiq: 80 % de votre forfait" if fr else "Ethiq: 80% of your plan"
        text = (
            f"Ethiq: vous avez utilisé {used} de vos {allowed} {what} ce mois-ci (80 %). "
            "Vos appels restent filtrés comme d'habitude."
            if fr
            else f"Ethiq: you have used {used} of your {allowed} {what} this month (80%). "
            "Your calls are still screened as usual."
        )
        return subject, text
    billed = each is not None and each.overage == "bill" and record.metric == "screened_minutes"
    if billed and each is not None:
        extra = (
            f"Chaque minute de plus est facturée {each.overage_cents} cents."
            if fr
            else f"Each extra minute is billed {each.overage_cents} cents."
        )
    else:
        extra = "Le dépassement est inclus, sans frais." if fr else "Any overage is free of charge."
    subject = "Ethiq: limite de votre forfait atteinte" if fr else "Ethiq: plan limit reached"
    text = (
        f"Ethiq: vous avez atteint la limite de votre forfait: {used} {what} sur {allowed} ce "
        f"mois-ci. Vos appels restent connectés et filtrés, les alertes partent toujours. {extra}"
        if fr
        else f"Ethiq: you reached your plan's limit: {used} of {allowed} {what} this month. "
        f"Your calls are still connected and screened, and alerts still go out. {extra}"
    )
    return subject, text


def _reckoned_end(record: NoticeRecord) -> datetime:
    """The end a notice's record alone gives: its UTC day's start plus its days (no later than
    the real end, which is some time in that day plus the same days)."""
    return datetime.fromisoformat(record.period).replace(tzinfo=UTC) + timedelta(
        days=record.allowed
    )


def _canceled_text(fr: bool, export_url: str, until: datetime) -> tuple[str, str]:
    subject = "Ethiq: abonnement annulé" if fr else "Ethiq: subscription canceled"
    text = (
        "Ethiq: votre abonnement est annulé. Votre numéro et vos données sont conservés "
        f"jusqu'au {until:%Y-%m-%d}: téléchargez vos données d'ici là sur votre page "
        f"{export_url} (connexion avec votre adresse courriel). Vos appels restent connectés."
        if fr
        else "Ethiq: your subscription is canceled. Your number and your data are kept until "
        f"{until:%Y-%m-%d}: download your data before then from your page {export_url} "
        "(sign in with your email address). Your calls are still connected."
    )
    return subject, text


class Quotas:
    """Records notices and usage periods (platform database); tells the operator and the person."""

    def __init__(
        self,
        *,
        storage: TenantStore,
        registry: Registry,
        accounts: Accounts,
        sender: SmsSender,
        mailer: Mailer,
        settings: AlertSettings,
        public_base_url: str,
        recipient: RecipientOf,
        operator: OperatorHook,
        billing: Billing | None = None,
        grace: timedelta = timedelta(days=14),
        retention: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        erased_at: ErasedAt | None = None,
        usage_records: InboundMinutes | None = None,
    ) -> None:
        engine = storage.platform_engine()
        # Twilio's count of inbound minutes, reconciled with the call log's (None: log only).
        self.usage_records = usage_records
        self._erased_at = erased_at
        self._grace = grace
        self._retention = retention
        self._storage = storage
        self._notices = bind_table(QuotaNotice, engine)
        self._periods = bind_table(UsagePeriod, engine)
        self._registry = registry
        self._accounts = accounts
        self._leased = LeasedDelivery(settings, sender, clock)
        self._mailer = mailer
        self._public = public_base_url
        self._recipient = recipient
        self._operator = operator
        self._billing = billing
        self._clock = clock

    # --- recording ------------------------------------------------------------------------

    async def record(
        self, slug: str, notice: Notice | Crossing, source: str, detail: str = ""
    ) -> NoticeRecord | None:
        """Record a threshold crossed; the new row (operator told), or ``None`` if known."""
        crossing = (
            Crossing(notice.period, notice.metric, notice.threshold, notice.used, notice.limit)
            if isinstance(notice, Notice)
            else notice
        )
        period, metric, threshold = crossing.period, crossing.metric, crossing.threshold
        used, allowed = crossing.used, crossing.allowed
        channel = "none"
        if metric != SPEND:
            person = await self._person(slug)
            if person is not None:
                channel = "sms" if person.own_number else "email" if person.email else "none"
                if metric == CANCELED and person.email:  # a link to keep: an email
                    channel = "email"
        now = self._clock()
        n = self._notices
        rows = (
            await n.insert(
                n(
                    key=f"{slug}:{period}:{metric}:{threshold}",
                    tenant=slug,
                    period=period,
                    metric=metric,
                    threshold=threshold,
                    used=used,
                    allowed=allowed,
                    source=source,
                    detail=detail,
                    channel=channel,
                    status="pending" if channel != "none" else "skipped",
                    created_at=now,
                    updated_at=now,
                )
            )
            .on_conflict(target=n.key, action="DO NOTHING")
            .returning(n._meta.primary_key)
        )
        if not rows:
            return None
        record = await self._get(int(rows[0]["id"]))
        logger.warning(
            "quota: tenant %s reached %d%% of its %s in %s (%d of %d, %s)",
            slug,
            threshold,
            metric,
            period,
            used,
            allowed,
            source,
        )
        return await self._tell_operator(record)

    async def spend_fired(
        self, tenant: TenantRecord, params: Mapping[str, str], threshold: int
    ) -> NoticeRecord | None:
        """A spend Usage Trigger fired (signature and account already verified): record it
        once per month and threshold; ``None`` for a repeated callback."""
        if threshold not in THRESHOLDS:
            raise ValueError(f"threshold {threshold} is not one of {THRESHOLDS}")
        fired = _when(params.get("DateFired", "")) or self._clock()
        current = _cents(params.get("CurrentValue", ""))
        trigger = _cents(params.get("TriggerValue", ""))
        allowed = trigger * 100 // threshold  # the limit the trigger is a share of
        detail = json.dumps(
            {
                k: params.get(k, "")
                for k in (
                    "UsageTriggerSid",
                    "IdempotencyToken",
                    "DateFired",
                    "UsageCategory",
                    "TriggerBy",
                    "TriggerValue",
                    "CurrentValue",
                )
            },
            sort_keys=True,
        )
        period = month_of(fired)[0]
        return await self.record(
            tenant.slug,
            Crossing(period, SPEND, threshold, current, allowed),
            "usage_trigger",
            detail,
        )

    async def notices(self, slug: str) -> list[NoticeRecord]:
        n = self._notices
        return [
            _record(r)
            for r in await n.select().where(n.tenant == slug).order_by(n._meta.primary_key)
        ]

    async def periods(self, slug: str) -> list[dict[str, Any]]:
        p = self._periods
        rows: list[dict[str, Any]] = await p.select().where(p.tenant == slug).order_by(p.period)
        return rows

    # --- metering -------------------------------------------------------------------------

    async def meter(self, now: datetime | None = None) -> MeterPass:
        """Every account's month so far: notices due, the usage period; close last month's
        (its overage billed or absorbed); retry operator notices; deliver the person's."""
        now = now or self._clock()
        result = MeterPass()
        if not await self._accounts.exist():
            return result
        for account in await self._accounts.all():
            try:
                tenant = await self._registry.get(account.tenant)
                if tenant is None:  # no number yet: nothing is used
                    continue
                each = plan(account.plan)
                if account.past_due_since is not None and account.canceled_at is None:
                    result.notices += await self._payment_due(tenant.slug, account)
                    result.notices += await self._suspension_due(tenant.slug, account, now)
                if account.canceled_at is not None:
                    result.notices += await self._export_offered(tenant.slug, account, now)
                usage = await self._usage(tenant, now)
                await self._settle(tenant.slug, account.customer_id, each, usage, final=False)
                known = {r.key for r in await self.notices(tenant.slug)}
                for notice in notices_due(each, usage, _keys(tenant.slug, known)):
                    if await self.record(tenant.slug, notice, "metering") is not None:
                        result.notices += 1
                last = month_of(month_of(now)[1] - timedelta(microseconds=1))[1]
                if not await self._closed(tenant.slug, month_of(last)[0]):
                    final = await self._usage(tenant, last)
                    result.closed += await self._settle(
                        tenant.slug, account.customer_id, each, final, final=True
                    )
                result.tenants += 1
            except Exception:
                logger.exception("metering of %s failed (next run retries)", account.tenant)
                result.errors += 1
        n = self._notices
        for row in await n.select().where(n.incident.is_null()):
            await self._tell_operator(_record(row))
        result.delivered = await self.deliver(now)
        return result

    async def _usage(self, tenant: TenantRecord, at: datetime) -> Usage:
        """The month's usage from the call log, reconciled with Twilio's Usage Records; the
        call log alone when they cannot be read (logged, the next run reads them again)."""
        usage = await usage_of(self._storage, tenant.slug, at)
        records = self.usage_records
        if records is None:
            return usage
        _, start, end = month_of(at)
        last = min(at, end - timedelta(microseconds=1)).astimezone(UTC).date()
        try:
            minutes = await asyncio.to_thread(
                records.inbound_minutes, tenant.subaccount_sid, start.date(), last
            )
        except Exception as error:
            logger.warning("metering %s: Twilio's usage records not read: %r", tenant.slug, error)
            return usage
        return reconciled(tenant.slug, usage, minutes)

    async def _payment_due(self, slug: str, account: Account) -> int:
        """The person and the operator told of a failed payment, once per grace period."""
        assert account.past_due_since is not None  # noqa: S101 (the caller checked)
        day = _key_day(account.past_due_since)
        crossing = Crossing(day, PAYMENT, 0, 0, self._grace.days)
        return int(await self.record(slug, crossing, "stripe") is not None)

    async def _suspension_due(self, slug: str, account: Account, now: datetime) -> int:
        """The person and the operator told that alerts are suspended, once per grace period
        (the key's day is the payment notice's: a new failure after a payment is a new one)."""
        found = await self.standing(slug, now)
        if found is None or found.phase is not Phase.ALERTS_SUSPENDED:
            return 0
        assert account.past_due_since is not None  # noqa: S101 (suspended: past due)
        day = _key_day(account.past_due_since)
        crossing = Crossing(day, SUSPENDED, 0, 0, self._grace.days)
        return int(await self.record(slug, crossing, "stripe") is not None)

    async def _export_offered(self, slug: str, account: Account, now: datetime) -> int:
        """The person offered their data's export, once per cancellation, while the number is
        retained (not once its release is due: nothing would be kept until the date told)."""
        assert account.canceled_at is not None  # noqa: S101 (the caller checked)
        found = await self.standing(slug, now)
        if found is None or found.phase is not Phase.RETAINED:
            return 0
        day = _key_day(account.canceled_at)
        crossing = Crossing(day, CANCELED, 0, 0, self._retention.days)
        return int(await self.record(slug, crossing, "stripe") is not None)

    async def standing(self, slug: str, now: datetime | None = None) -> Standing | None:
        """Where the tenant's subscription stands (``None``: no billing account)."""
        account = await self._accounts.get(slug)
        if account is None:
            return None
        notified = False
        if account.past_due_since is not None:
            day = _key_day(account.past_due_since)
            n = self._notices
            row = await n.select(n.status).where(n.key == f"{slug}:{day}:{PAYMENT}:0").first()
            notified = row is not None and row["status"] in _TOLD
        # A canceled account's number is released at once after its person's erasure (read
        # through the caller's layer: the requests are the people's, see ErasedAt).
        erased = None
        if account.canceled_at is not None and self._erased_at is not None:
            erased = await self._erased_at(self._storage, slug)
        return standing(
            account,
            now or self._clock(),
            grace=self._grace,
            retention=self._retention,
            notified=notified,
            erased_at=erased,
        )

    async def overview(self, slug: str, now: datetime | None = None) -> Overview | None:
        """The person's page: this month's use counted live from the tenant's tables (three
        counts), the plan's limits and the standing; ``None`` without a billing account."""
        now = now or self._clock()
        account = await self._accounts.get(slug)
        found = await self.standing(slug, now)
        if account is None or found is None:
            return None
        usage = await usage_of(self._storage, slug, now)
        each = plan(account.plan)
        tenant = await self._registry.get(slug)
        return Overview(
            slug,
            each,
            usage.period,
            _meters(each, usage.screened_minutes, usage.alerts, usage.contacts),
            found,
            account.subscription_status,
            None,
            "" if tenant is None else tenant.region,
        )

    async def overviews(
        self,
        slugs: list[str],
        now: datetime | None = None,
        *,
        regions: Mapping[str, str] | None = None,
    ) -> list[Overview]:
        """The operator page: every listed tenant's month as the last metering run recorded it
        (``usage_period``) and its standing, in three queries whatever the number of tenants
        (and one per canceled account: its person's erasure may end the keeping early);
        ``regions``: slug → the tenant's region, for its dates (else read from the registry)."""
        now = now or self._clock()
        if not slugs or not await self._accounts.exist():
            return []
        wanted = set(slugs)
        accounts = [a for a in await self._accounts.all() if a.tenant in wanted]
        period = month_of(now)[0]
        p, n = self._periods, self._notices
        rows = await p.select().where((p.period == period) & p.tenant.is_in(list(wanted)))
        used = {r["tenant"]: r for r in rows}
        told = {
            r["key"]
            for r in await n.select(n.key).where(
                (n.metric == PAYMENT) & n.status.is_in(list(_TOLD)) & n.tenant.is_in(list(wanted))
            )
        }
        found = []
        for account in accounts:
            each = plan(account.plan)
            row = used.get(account.tenant) or {}
            notified = False
            if account.past_due_since is not None:
                day = _key_day(account.past_due_since)
                notified = f"{account.tenant}:{day}:{PAYMENT}:0" in told
            erased = None
            if account.canceled_at is not None and self._erased_at is not None:
                erased = await self._erased_at(self._storage, account.tenant)
            where = standing(
                account,
                now,
                grace=self._grace,
                retention=self._retention,
                notified=notified,
                erased_at=erased,
            )
            found.append(
                Overview(
                    account.tenant,
                    each,
                    period,
                    _meters(
                        each,
                        int(row.get("screened_minutes", 0)),
                        int(row.get("alerts", 0)),
                        int(row.get("contacts", 0)),
                    ),
                    where,
                    account.subscription_status,
                    row.get("updated_at"),
                    await self._region(account.tenant, regions),
                )
            )
        return found

    async def _region(self, slug: str, regions: Mapping[str, str] | None) -> str:
        if regions is not None and slug in regions:
            return regions[slug]
        tenant = await self._registry.get(slug)
        return "" if tenant is None else tenant.region

    async def _closed(self, slug: str, period: str) -> bool:
        p = self._periods
        row = await p.select(p.closed).where(p.key == f"{slug}:{period}").first()
        return bool(row and row["closed"])

    async def _settle(
        self, slug: str, customer_id: str, each: Plan, usage: Usage, *, final: bool
    ) -> int:
        """Write the period's usage and overage; when ``final``, settle it (bill or absorb)
        and close it. 1 if it closed."""
        over = overage_of(each, usage)
        p = self._periods
        key = f"{slug}:{usage.period}"
        values: dict[Any, Any] = {
            p.plan: each.id,
            p.screened_minutes: usage.screened_minutes,
            p.alerts: usage.alerts,
            p.contacts: usage.contacts,
            p.overage_minutes: over.minutes,
            p.rule: over.rule,
            p.amount_cents: over.amount_cents,
            p.updated_at: self._clock(),
        }
        await p.insert(
            p(
                key=key,
                tenant=slug,
                period=usage.period,
                **{c._meta.name: v for c, v in values.items()},
            )
        ).on_conflict(target=p.key, action="DO NOTHING")
        await p.update(values).where((p.key == key) & p.closed.eq(False))
        if not final:
            return 0
        invoice_item = ""
        if over.amount_cents > 0:
            if self._billing is None:
                logger.error(
                    "overage of %s in %s (%d cents) not billed: no Stripe key; left open",
                    slug,
                    usage.period,
                    over.amount_cents,
                )
                return 0
            billing = self._billing
            invoice_item = await asyncio.to_thread(
                billing.bill_overage,
                customer_id,
                over.amount_cents,
                f"Ethiq: {over.minutes} screened minutes over the plan in {usage.period}",
                f"overage-{slug}-{usage.period}",
            )
        elif over.minutes:
            logger.info(
                "overage of %s in %s absorbed: %d minutes", slug, usage.period, over.minutes
            )
        await p.update({p.closed: True, p.invoice_item: invoice_item}).where(p.key == key)
        return 1

    # --- telling ---------------------------------------------------------------------------

    async def _tell_operator(self, record: NoticeRecord) -> NoticeRecord:
        try:
            incident = await self._operator(record)
        except Exception:
            logger.exception("quota notice %s: operator not told (next run retries)", record.key)
            return record
        n = self._notices
        await n.update({n.incident: incident}).where(n._meta.primary_key == record.id)
        return await self._get(record.id)

    async def deliver(self, now: datetime | None = None) -> int:
        """Send the person's due notices; how many were sent."""
        now = now or self._clock()
        n = self._notices
        sent = 0
        for row_id in await self._leased.due_ids(n, now):
            claimed = await self._leased.claim(n, row_id, now)
            if claimed is None:
                continue
            record = await self._get(row_id)
            sent += await self._send(record, int(claimed["attempts"]), now)
        return sent

    async def _send(self, record: NoticeRecord, attempts: int, now: datetime) -> int:
        n = self._notices
        tenant = await self._registry.get(record.tenant)
        person = await self._person(record.tenant)
        to = ""
        if person is not None:
            to = person.own_number if record.channel == "sms" else person.email
        if tenant is None or person is None or not to:
            await self._leased.finish(n, record.id, {"status": "skipped"}, self._clock())
            return 0
        about = record.metric in _ABOUT_SUBSCRIPTION
        kind = PersonText.SUBSCRIPTION if about else PersonText.USAGE
        found = await self._standing_or_none(record.tenant, now)
        stale = found is not None and found.phase is not Phase.ALERTS_SUSPENDED
        released = found is not None and found.phase is not Phase.RETAINED
        account = await self._accounts.get(record.tenant)
        # Paid (or canceled) since, or failed again on another day (that grace period has its
        # own notice): the failure this notice is about is over.
        paid = found is not None and (
            found.phase not in (Phase.GRACE, Phase.ALERTS_SUSPENDED)
            or not _of_period(record, account)
        )
        ends = self._end(record, account) if about else None
        if (
            (record.metric == SUSPENDED and stale)
            or (record.metric == PAYMENT and paid)
            or (record.metric == CANCELED and released)
            or (
                record.metric == SUSPENDED
                and ends is not None
                and await self._told_late(record, ends)
            )
        ):
            # Paid, or canceled, before it went out (between retries): no longer true (the
            # payment notice as the suspension's, never sent late); the number no longer kept
            # until the date the offer would name; or the payment notice, sent past the grace,
            # already said that alerts are suspended.
            await self._leased.finish(n, record.id, {"status": "skipped"}, self._clock())
            logger.info("quota notice %s not sent: the standing changed since", record.key)
            return 0
        if not texts_person(found, kind):
            await self._leased.finish(n, record.id, {"status": "skipped"}, self._clock())
            logger.warning(
                "quota notice %s not sent to the person: the subscription's standing "
                "suspends it (the operator was told)",
                record.key,
            )
            return 0
        each = None if account is None else plan(account.plan)
        export_url = f"{self._public.rstrip('/')}/people/{record.tenant}/privacy"
        subject, text = notice_text(
            record,
            person.language,
            each,
            export_url=export_url,
            region=tenant.region,  # the tenant's time zone, as its alerts' times
            ends=ends,
            now=now,
        )
        ref = f"#q{record.id}"
        try:
            if record.channel == "sms":
                sid = await self._leased.send(
                    tenant,
                    to,
                    reference=ref,
                    attempts=attempts,
                    body=lambda: to_gsm7(f"{text} Ref {ref}"),
                    status_callback=public_url(
                        self._public, paths.SMS_STATUS, f"tenant={tenant.slug}"
                    ),
                )
            else:
                body = html.escape(text)
                sid = await self._mailer.send(
                    Mail(to, subject, text, f"<p>{body}</p>", person.language)
                )
        except (SendError, MailError) as error:
            failure = error if isinstance(error, SendError) else SendError(str(error))
            await self._leased.failed(n, record.id, attempts, failure, now)
            return 0
        await self._leased.finish(
            n,
            record.id,
            {"status": "sent", "message_sid": sid, "sent_at": now, "next_attempt_at": None},
            self._clock(),
        )
        logger.info("quota notice %s sent by %s (%s)", record.key, record.channel, sid)
        return 1

    async def delivery(self, tenant: TenantRecord, params: Mapping[str, str]) -> bool:
        """An SMS status callback for a notice text: ``delivered``, or lost (``failed`` with
        Twilio's error code); ``False`` when the message is not a notice."""
        n = self._notices
        status, code = params.get("MessageStatus", ""), params.get("ErrorCode", "")
        values: dict[Any, Any] = {n.updated_at: self._clock()}
        if status in {"failed", "undelivered"}:
            values[n.status] = "failed"
            values[n.error_code] = int(code) if code.isdigit() else None
        elif status == "delivered":
            values[n.status] = "delivered"
        else:
            return False
        rows = (
            await n.update(values)
            .where((n.tenant == tenant.slug) & (n.message_sid == params.get("MessageSid", "")))
            .returning(n._meta.primary_key)
        )
        return bool(rows)

    def _end(self, record: NoticeRecord, account: Account | None) -> datetime:
        """When the grace (payment, suspension) or the retention (cancellation) of the
        notice's period ends, as :func:`standing` reckons it; from the record alone when the
        account has moved on to another period since."""
        if account is not None:
            since, length = (
                (account.canceled_at, self._retention)
                if record.metric == CANCELED
                else (account.past_due_since, self._grace)
            )
            if since is not None and _key_day(since) == record.period:
                return since + length  # the key's day: this very period
        return _reckoned_end(record)

    async def _told_late(self, record: NoticeRecord, ends: datetime) -> bool:
        """Whether the payment notice of this suspension's grace period went out once it was
        over (so its text said that alerts are suspended now)."""
        n = self._notices
        key = f"{record.tenant}:{record.period}:{PAYMENT}:0"
        row = await n.select(n.status, n.sent_at).where(n.key == key).first()
        if row is None or row["status"] not in _TOLD or row["sent_at"] is None:
            return False
        sent = row["sent_at"]
        sent = sent if sent.tzinfo else sent.replace(tzinfo=UTC)
        return bool(sent >= ends)

    async def _standing_or_none(self, slug: str, now: datetime) -> Standing | None:
        """The standing, ``None`` when unreadable: a notice is never lost to a read error."""
        try:
            return await self.standing(slug, now)
        except Exception:
            logger.exception("quota notice of %s: the standing could not be read", slug)
            return None

    async def _person(self, slug: str) -> Recipient | None:
        try:
            return await self._recipient(slug)
        except Exception:
            logger.exception("quota notice of %s: the person could not be read", slug)
            return None

    async def _get(self, row_id: int) -> NoticeRecord:
        n = self._notices
        row = await n.select().where(n._meta.primary_key == row_id).first()
        assert row is not None  # noqa: S101 (just written)
        return _record(row)


def _meters(each: Plan, minutes: int, alerts: int, contacts: int) -> tuple[Meter, ...]:
    return (
        Meter("screened_minutes", minutes, each.screened_minutes),
        Meter("alerts", alerts, each.alerts),
        Meter("contacts", contacts, each.contacts),
    )


def _key_day(at: datetime) -> str:
    """The UTC day a billing notice's key names for a failure or a cancellation at ``at``
    (an identifier: the person reads their own time zone's dates, :func:`local_time`)."""
    return at.astimezone(UTC).date().isoformat()


def _of_period(record: NoticeRecord, account: Account | None) -> bool:
    """Whether the account is still past due since the notice's day (its key's, UTC)."""
    since = None if account is None else account.past_due_since
    return since is not None and _key_day(since) == record.period


def _keys(slug: str, known: set[str]) -> list[str]:
    """Notice keys (``metering.Notice.key``: period:metric:threshold) of the tenant's rows."""
    prefix = f"{slug}:"
    return [k[len(prefix) :] for k in known if k.startswith(prefix)]


def _cents(value: str) -> int:
    try:
        return int((Decimal(value or "0") * 100).to_integral_value())
    except InvalidOperation:
        return 0


def _when(value: str) -> datetime | None:
    """Twilio's ``DateFired`` (RFC 2822, GMT)."""
    try:
        return parsedate_to_datetime(value).astimezone(UTC) if value else None
    except (TypeError, ValueError):
        return None


def _record(row: Mapping[str, Any]) -> NoticeRecord:
    return NoticeRecord(
        id=int(row["id"]),
        key=str(row["key"]),
        tenant=str(row["tenant"]),
        period=str(row["period"]),
        metric=str(row["metric"]),
        threshold=int(row["threshold"]),
        used=int(row["used"]),
        allowed=int(row["allowed"]),
        source=str(row["source"]),
        channel=str(row["channel"]),
        status=str(row["status"]),
        incident=None if row["incident"] is None else int(row["incident"]),
    )
