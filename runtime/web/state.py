"""Everything the app holds for its lifetime, built from settings in one place."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis

from runtime.alerts import Outbox, SmsSender, TwilioSmsSender
from runtime.alerts.invitations import Invitations
from runtime.alerts.jobs import AlertJobs
from runtime.alerts.notices import Notices
from runtime.alerts.records import CallAlerts
from runtime.billing import Accounts, StripeGateway
from runtime.billing import jobs as billing_jobs
from runtime.billing.lifecycle import PersonText
from runtime.billing.quotas import (
    CANCELED,
    PAYMENT,
    SPEND,
    SUSPENDED,
    NoticeRecord,
    Quotas,
    Recipient,
    RecipientOf,
)
from runtime.billing.standings import Standings
from runtime.billing.usage_records import TwilioUsageRecords
from runtime.calls import Blocklist, CallService, MemoryVelocity, RedisVelocity, Velocity
from runtime.calls.campaigns import Campaigns, MemoryCampaigns, RedisCampaigns, ScamSurge
from runtime.calls.live import CallUpdater, TwilioCallUpdater
from runtime.calls.preferences import CallerPreferences
from runtime.email import Mailer, SmtpMailer
from runtime.fleet.service import Fleet
from runtime.metrics import Metrics
from runtime.people.enrolment import SignupEnrolment
from runtime.people.forward_test import TwilioForwardingCaller
from runtime.people.onboarding import Standing
from runtime.people.ratelimit import LoginLimiter
from runtime.people.reach import person_recipient
from runtime.people.service import People, web_secret
from runtime.people.sip import TwilioSipRotator
from runtime.people.tables import Person
from runtime.privacy.asked import erasure_asked
from runtime.privacy.jobs import PrivacyJobs
from runtime.privacy.service import Privacy
from runtime.routing import TenantDirectory
from runtime.settings import Settings
from runtime.storage import PoolLimits, TenantStore, store_for_url
from runtime.storage.bind import bind_table
from runtime.telephony.twilio_api import TwilioCredentials
from runtime.tenants import Registry, RegistryKeyError, TokenCipher
from runtime.web.limits import WebhookLimits

__all__ = ["Runtime", "billing_standing", "runtime_of"]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Runtime:
    """The app's long-lived parts (stored in ``app.state.runtime``)."""

    settings: Settings
    storage: TenantStore
    registry: Registry
    store: Store
    redis: Redis | None
    directory: TenantDirectory
    blocklist: Blocklist
    calls: CallService
    outbox: Outbox
    invitations: Invitations
    notices: Notices
    jobs: AlertJobs
    metrics: Metrics
    limits: WebhookLimits
    fleet: Fleet
    quotas: Quotas
    standings: Standings
    accounts: Accounts
    stripe: StripeGateway | None  # None: no STRIPE_API_KEY (the embedded default)
    privacy: PrivacyJobs
    people: People  # enrolment, onboarding, sign-in (the pages' and the enrolment job's)
    enrolment: SignupEnrolment
    #: What holds Twilio connections (the SMS senders, the call updater): closed at shutdown.
    twilio: tuple[object, ...] = ()

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        sender: SmsSender | None = None,
        updater: CallUpdater | None = None,
        mailer: Mailer | None = None,
        clock: Callable[[], float] = time.time,
    ) -> Runtime:
        """``clock`` (epoch seconds): what the velocity windows, the campaign and surge flags,
        the call path and the on-call outbox read as now (tests move it)."""
        if not settings.security.registry_key:
            raise RegistryKeyError("ETHIQ_REGISTRY_KEY is not set: the runtime cannot read tokens")
        cipher = TokenCipher(settings.security.registry_key)
        db = settings.database
        storage = store_for_url(
            db.url,
            pool_size=db.pool_size,
            limits=PoolLimits(
                size=db.pool_size,
                acquire_timeout_s=db.acquire_timeout_s,
                statement_timeout_s=db.statement_timeout_s,
                idle_in_transaction_s=db.idle_in_transaction_s,
            ),
        )
        registry = Registry(storage, settings.security.registry_key)
        redis: Redis | None = None
        store: Store
        velocity: Velocity
        campaigns: Campaigns
        window_s = settings.store.velocity_window_s
        if settings.store.redis_url:
            redis = Redis.from_url(
                settings.store.redis_url,
                socket_connect_timeout=settings.store.timeout_s,
                socket_timeout=settings.store.timeout_s,
            )
            store = RedisStore(redis, namespace="ethiq")
            velocity = RedisVelocity(redis, window_s, clock=clock)
            campaigns = RedisCampaigns(redis, window_s, clock=clock)
            surge = ScamSurge(
                RedisVelocity(redis, window_s, prefix="ethiq:surge:", clock=clock),
                RedisCampaigns(redis, window_s, prefix="ethiq:surge", clock=clock),
                settings.store.scam_surge,
            )
        else:
            store = MemoryStore()
            velocity = MemoryVelocity(window_s, clock=clock)
            campaigns = MemoryCampaigns(window_s, clock=clock)
            surge = ScamSurge(
                MemoryVelocity(window_s, clock=clock),
                MemoryCampaigns(window_s, clock=clock),
                settings.store.scam_surge,
            )
        credentials = TwilioCredentials(
            settings.twilio.account_sid, settings.twilio.auth_token, settings.twilio.api_base_url
        )
        metrics = Metrics(settings.observability.metrics_tenants)
        # Rows of the platform database (a 0.1.0 list still in the store moves there), and
        # the platform-wide list in the store.
        blocklist = Blocklist(
            CallerPreferences(storage.platform_engine()),
            store,
            platform_ttl_s=settings.store.routing_check_s,
        )
        directory = TenantDirectory(
            registry,
            store,
            cipher,
            ttl_s=settings.store.routing_ttl_s,
            db_timeout_s=settings.database.timeout_s,
            store_timeout_s=settings.store.timeout_s,
            check_interval_s=settings.store.routing_check_s,
        )
        calls = CallService(
            settings=settings,
            storage=storage,
            blocklist=blocklist,
            velocity=velocity,
            updater=updater or TwilioCallUpdater(credentials, settings.twilio.timeout_s),
            metrics=metrics,
            alerts=CallAlerts(),
            campaigns=campaigns,
            surge=surge,
            clock=lambda: datetime.fromtimestamp(clock(), UTC),
        )
        sender = sender or TwilioSmsSender(credentials, settings.twilio.timeout_s)
        # the parent account's: operators are no tenant
        oncall_sms = TwilioSmsSender(credentials, settings.twilio.timeout_s)
        outbox = Outbox(
            registry=registry,
            storage=storage,
            sender=sender,
            settings=settings.alerts,
            public_base_url=settings.twilio.public_url,
            metrics=metrics,
        )
        invitations = Invitations(
            registry=registry,
            storage=storage,
            sender=sender,
            settings=settings.alerts,
            public_base_url=settings.twilio.public_url,
        )
        notices = Notices(
            storage=storage,
            sender=sender,
            settings=settings.alerts,
            public_base_url=settings.twilio.public_url,
            metrics=metrics,
            person=person_recipient(storage.platform_engine()),
        )
        jobs = AlertJobs(
            settings=settings,
            registry=registry,
            outbox=outbox,
            invitations=invitations,
            notices=notices,
        )
        fleet = Fleet(
            storage=storage,
            blocklist=blocklist,
            campaigns=campaigns,
            metrics=metrics,
            settings=settings,
            sms=oncall_sms,
            mailer=mailer or SmtpMailer(settings.people),
            clock=lambda: datetime.fromtimestamp(clock(), UTC),
        )
        fleet.schedule(jobs)
        calls.tell_operators = fleet.oncall.tell
        billing = settings.billing
        gateway = (
            StripeGateway(billing.stripe_api_key, base_url=billing.stripe_api_base_url)
            if billing.stripe_api_key
            else None
        )
        accounts = Accounts(storage)
        quotas = Quotas(
            storage=storage,
            registry=registry,
            accounts=accounts,
            sender=sender,
            mailer=mailer or SmtpMailer(settings.people),
            settings=settings.alerts,
            public_base_url=settings.twilio.public_url,
            recipient=_person_reader(storage),
            operator=_operator_hook(fleet),
            billing=gateway,
            grace=timedelta(days=billing.payment_grace_days),
            retention=timedelta(days=billing.number_retention_days),
            erased_at=erasure_asked,
            usage_records=TwilioUsageRecords(credentials) if credentials.account_sid else None,
        )
        standings = Standings(quotas.standing, billing.standing_cache_s)
        outbox.alerts_on = standings.alerts_on

        async def missed_call_text_on(slug: str, now: datetime, scam: bool) -> bool:
            return await standings.texts_person_on(slug, now, PersonText.MISSED_CALL, scam=scam)

        notices.texts_on = missed_call_text_on
        billing_jobs.schedule(
            jobs.app,
            quotas=quotas,
            accounts=accounts,
            redact=None if gateway is None else gateway.redact_verification,
            worker=settings.worker,
            billing=billing,
        )
        people = People(
            storage=storage,
            registry=registry,
            settings=settings.people,
            secret=web_secret(settings.people, settings.security.registry_key),
            public_url=settings.twilio.public_url,
            mailer=mailer or SmtpMailer(settings.people),
            sms=sender,
            caller=TwilioForwardingCaller(credentials),
            rotator=TwilioSipRotator(credentials),
            limiter=LoginLimiter(
                redis,
                per_address=settings.people.login_per_address,
                per_source=settings.people.login_per_source,
                window_s=settings.people.login_window_s,
            ),
            standing=billing_standing(accounts),
            metrics=metrics,
        )
        # Sign-ups whose stack the reconcile registered: their person enrolled by a job.
        enrolment = SignupEnrolment(jobs, people, registry, settings.worker)
        privacy = PrivacyJobs(
            jobs,
            Privacy(storage=storage, registry=registry, settings=settings.privacy),
            settings.worker,
            timeout_s=settings.database.timeout_s,
        )
        return cls(
            settings=settings,
            storage=storage,
            registry=registry,
            store=store,
            redis=redis,
            directory=directory,
            blocklist=blocklist,
            calls=calls,
            outbox=outbox,
            invitations=invitations,
            notices=notices,
            jobs=jobs,
            metrics=metrics,
            limits=WebhookLimits(
                redis,
                settings.server,
                metrics,
                velocity=velocity if isinstance(velocity, RedisVelocity) else None,
            ),
            fleet=fleet,
            quotas=quotas,
            standings=standings,
            accounts=accounts,
            stripe=gateway,
            privacy=privacy,
            people=people,
            enrolment=enrolment,
            twilio=(sender, oncall_sms, calls.updater),
        )

    async def startup(self) -> None:
        try:
            await asyncio.wait_for(self.registry.migrate(), 30.0)
        except Exception as error:
            logger.error("platform registry not ready at startup: %r", error)
        await self.fleet.startup()
        if self.settings.alerts.worker:
            self.jobs.start_inline()
        elif not self.jobs.durable:
            logger.error(
                "ETHIQ_OUTBOX_WORKER is off on the embedded database: no process delivers "
                "alerts (`ethiq worker` needs PostgreSQL)"
            )

    async def close_twilio(self) -> None:
        """Close this event loop's Twilio connections."""
        for part in self.twilio:
            close = getattr(part, "close", None)
            if close is not None:
                with suppress(Exception):
                    await close()

    async def shutdown(self) -> None:
        await self.calls.drain()  # the on-call alerts being written queue their job
        await self.jobs.stop_inline()
        await self.jobs.close()
        await self.fleet.incidents.drain()
        await self.registry.close()
        await self.close_twilio()
        if self.redis is not None:
            with suppress(Exception):
                await self.redis.aclose()


def billing_standing(accounts: Accounts) -> Callable[[str], Awaitable[Standing | None]]:
    """Billing's record of a tenant, as the onboarding steps read it."""

    async def read(slug: str) -> Standing | None:
        account = await accounts.get(slug)
        if account is None:
            return None
        return Standing(
            account.kyc_status,
            account.kyc_updated_at,
            account.verification_id,
            account.terms_version,
            account.terms_accepted_at,
            account.kyc_error,
        )

    return read


def _person_reader(storage: TenantStore) -> RecipientOf:
    """The person's language, email and own number (the people's record), for their notices."""
    person = bind_table(Person, storage.platform_engine())

    async def read(slug: str) -> Recipient | None:
        row = await (
            person.select(person.language, person.email, person.own_number)
            .where(person.slug == slug)
            .first()
        )
        if row is None:
            return None
        return Recipient(str(row["language"]), str(row["email"]), str(row["own_number"]))

    return read


def _operator_hook(fleet: Fleet) -> Callable[[NoticeRecord], Awaitable[int]]:
    """A quota notice for the operators: an incident (one per notice key), on the ops page."""

    async def tell(record: NoticeRecord) -> int:
        if record.metric == PAYMENT:
            title = (
                f"Tenant {record.tenant}: payment failed on {record.period}; alerts suspended "
                f"after {record.allowed} days of grace, once the person was told"
            )
            incident, _ = await fleet.incidents.open(
                f"quota:{record.key}", source="billing", title=title, severity="info"
            )
            return incident.id
        if record.metric == SUSPENDED:
            title = (
                f"Tenant {record.tenant}: alerts to the contacts suspended, payment failed on "
                f"{record.period} and still due after {record.allowed} days"
            )
            incident, _ = await fleet.incidents.open(
                f"quota:{record.key}", source="billing", title=title, severity="warning"
            )
            return incident.id
        if record.metric == CANCELED:
            title = (
                f"Tenant {record.tenant}: subscription canceled on {record.period}; number "
                f"kept {record.allowed} days, the person offered their data's export"
            )
            incident, _ = await fleet.incidents.open(
                f"quota:{record.key}", source="billing", title=title, severity="info"
            )
            return incident.id
        if record.metric == SPEND:
            amounts = f"{record.used / 100:.2f} of {record.allowed / 100:.2f} USD"
        else:
            amounts = f"{record.used} of {record.allowed}"
        incident, _ = await fleet.incidents.open(
            f"quota:{record.key}",
            source="quota",
            title=(
                f"Tenant {record.tenant} at {record.threshold} % of its {record.metric} in "
                f"{record.period} ({amounts})"
            ),
            severity="warning" if record.threshold >= 100 else "info",  # noqa: PLR2004
            detail=f"{record.source}; calls are still connected and screened",
        )
        return incident.id

    return tell


def runtime_of(request: ASGIConnection[Any, Any, Any, Any]) -> Runtime:
    """The app's :class:`Runtime`."""
    runtime: Runtime = request.app.state.runtime
    return runtime
