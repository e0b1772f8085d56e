"""People of each tenant: enrolment, onboarding steps, welcome messages and magic-link sign-in.

Everything lives in the platform database (piccolo app ``people``), migrated after the registry.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import jinja2
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from runtime.alerts import SmsSender
from runtime.alerts.invitations import ContactState, ContactView, contact_views
from runtime.alerts.sender import SendError
from runtime.alerts.tables import bind_tables
from runtime.email import Mail, Mailer, MailError
from runtime.metrics import Metrics
from runtime.people.changes import ContactChanges
from runtime.people.forward_test import (
    APP,
    END_TO_END,
    FORWARD_TEST_TIMEOUT_S,
    FORWARDING,
    ForwardingCaller,
    TestCallError,
    app_twiml,
    arrival_twiml,
    end_to_end_arrival_twiml,
    end_to_end_twiml,
    outbound_twiml,
)
from runtime.people.i18n import texts
from runtime.people.links import BadLink, LinkSigner
from runtime.people.onboarding import (
    BY_OPERATOR,
    IN_PERSON,
    OPERATOR_ACTION,
    STEPS,
    OnboardingStatus,
    Standing,
    Step,
    identity_issue,
)
from runtime.people.onboarding import by_operator as operators_hand
from runtime.people.ratelimit import LoginLimiter
from runtime.people.signups import SignupRequests
from runtime.people.signups import valid_email as _email
from runtime.people.sip import SipRotationError, SipRotator
from runtime.people.tables import ForwardingTest, LoginLink, OnboardingStep, Person
from runtime.regions import LANGUAGES, Language
from runtime.settings import PeopleSettings
from runtime.storage.bind import bind_table
from runtime.storage.migrations import MigrationSet, apply_migrations
from runtime.storage.names import PLATFORM_SCHEMA, validate_slug
from runtime.storage.postgres import LOCK_CLASS
from runtime.storage.tenant_store import TenantStore
from runtime.telephony import paths
from runtime.telephony.signatures import public_url as signed_url
from runtime.telephony.twiml import secure_sip_uri
from runtime.tenants import Registry, TenantRecord, validate_e164

__all__ = [
    "PEOPLE_MIGRATIONS",
    "ForwardingTestRecord",
    "MonitoredView",
    "People",
    "PersonRecord",
    "TestCallError",
    "TooManyLinks",
    "UnknownTenant",
    "migrate_people",
    "web_secret",
]

logger = logging.getLogger(__name__)

PEOPLE_MIGRATIONS: Final = MigrationSet("people", "runtime.people.piccolo_migrations")
TEMPLATES: Final = Path(__file__).parent / "templates"


class UnknownTenant(LookupError):
    """No tenant with this slug in the registry."""


class TooManyLinks(RuntimeError):
    """Too many sign-in links asked for this address or from this source in the window."""


def web_secret(settings: PeopleSettings, registry_key: tuple[str, ...]) -> bytes:
    """``ETHIQ_WEB_SECRET``, else a key derived from the (newest) registry key."""
    if settings.secret:
        return settings.secret.encode("utf-8")
    return hmac.new(registry_key[0].encode("ascii"), b"ethiq web secret", hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class PersonRecord:
    slug: str
    email: str
    language: Language
    own_number: str = ""
    platform: str = ""
    carrier: str = ""


@dataclass(frozen=True, slots=True)
class ForwardingTestRecord:
    token: str
    call_sid: str
    status: str  # calling | passed | failed
    outcome: str  # how it ended: forwarded, completed (answered), no-answer, busy, failed, …
    forwarded_from: str
    started_at: datetime
    finished_at: datetime | None
    kind: str = FORWARDING
    number: str = ""  # the number called (forwarding, end-to-end); "" : the app


@dataclass(frozen=True, slots=True)
class MonitoredView:
    """One of the household's other phones (``ethiq:monitoredNumbers``) as the person's page
    shows it: its latest forwarding test, ``verified`` once one came back."""

    number: str
    name: str
    carrier: str  # its own carrier's key, else the person's; "" : neither known
    test: ForwardingTestRecord | None

    @property
    def verified(self) -> bool:
        return self.test is not None and self.test.status == "passed"


class People:
    """Built once per app (see :func:`runtime.web.people.people_web`)."""

    def __init__(
        self,
        *,
        storage: TenantStore,
        registry: Registry,
        settings: PeopleSettings,
        secret: bytes,
        public_url: str,
        mailer: Mailer,
        sms: SmsSender | None = None,
        caller: ForwardingCaller | None = None,
        limiter: LoginLimiter | None = None,
        rotator: SipRotator | None = None,
        standing: Callable[[str], Awaitable[Standing | None]] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        engine = storage.platform_engine()
        self._metrics = metrics
        self._standing = standing
        self._storage = storage
        self._engine = engine
        self._person = bind_table(Person, engine)
        self._step = bind_table(OnboardingStep, engine)
        self._link = bind_table(LoginLink, engine)
        self._test = bind_table(ForwardingTest, engine)
        self._caller = caller
        self._rotator = rotator
        self.changes = ContactChanges(engine)  # contacts: requests the stack commit applies
        self.signups = SignupRequests(engine)  # requests for protection: an operator acts
        self._limiter = limiter or LoginLimiter(
            None,
            per_address=settings.login_per_address,
            per_source=settings.login_per_source,
            window_s=settings.login_window_s,
        )
        self._registry = registry
        self.settings = settings
        self.links = LinkSigner(secret, settings.login_ttl_s)
        self._public = public_url.rstrip("/")
        self._mailer = mailer
        self._sms = sms
        self._emails = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES / "email"), autoescape=True
        )

    async def migrate(self) -> list[str]:
        """Apply the app's migrations to the platform database (after the registry's)."""
        return await migrate_people(self._engine)

    # --- people ---------------------------------------------------------------------------

    async def enroll(
        self, slug: str, email: str, language: Language, own_number: str = ""
    ) -> OnboardingStatus:
        """Create (or update) the person of tenant ``slug``, record the steps the system has
        done, and send the welcome email (and SMS when their own number is known)."""
        tenant = await self._tenant(slug)
        email = _email(email)
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}: use one of {LANGUAGES}")
        if own_number:
            validate_e164(own_number)
        other = await self.by_email(email)
        if other is not None and other.slug != slug:
            # The email signs in to exactly one tenant (a helper of two people needs two).
            raise ValueError(f"{email} already signs in to another tenant")
        now = datetime.now(UTC)
        p = self._person
        values: dict[str, Any] = {
            "slug": slug,
            "email": email,
            "language": language,
            "own_number": own_number,
            "created_at": now,
            "updated_at": now,
        }
        await p.insert(p(**values)).on_conflict(
            target=p.slug,
            action="DO UPDATE",
            values=[p.email, p.language, p.own_number, p.updated_at],
        )
        await self.complete(slug, Step.ACCOUNT_CREATED, f"enrolled with {email}")
        await self._billing_steps(slug, tenant)
        person = await self.person(slug)
        assert person is not None  # noqa: S101 (just written)
        await self.welcome(person, tenant)
        return await self.status(slug)

    async def person(self, slug: str) -> PersonRecord | None:
        p = self._person
        row = await p.select().where(p.slug == validate_slug(slug)).first()
        return None if row is None else _record(row)

    async def slugs(self) -> list[str]:
        """Every tenant with an enrolled person, by slug."""
        p = self._person
        return [str(r["slug"]) for r in await p.select(p.slug).order_by(p.slug)]

    async def by_email(self, email: str) -> PersonRecord | None:
        p = self._person
        row = await p.select().where(p.email == _email(email)).first()
        return None if row is None else _record(row)

    async def update_phone(self, slug: str, own_number: str, platform: str, carrier: str) -> None:
        p = self._person
        await p.update(
            {
                p.own_number: validate_e164(own_number),
                p.platform: platform,
                p.carrier: carrier,
                p.updated_at: datetime.now(UTC),
            }
        ).where(p.slug == validate_slug(slug))

    async def tenant(self, slug: str) -> TenantRecord:
        return await self._tenant(slug)

    async def rotate_sip_password(self, slug: str, by: str) -> str:
        """A new password for the person's SIP app (see :mod:`.sip`), returned once: never
        stored nor logged. :class:`SipRotationError` if Twilio refused (the old one works)."""
        tenant = await self._tenant(slug)
        if self._rotator is None:
            raise SipRotationError("no way to reach Twilio is configured")
        password = await self._rotator.rotate(tenant)
        logger.info("SIP password of %s rotated by %s", slug, by)
        return password

    # --- onboarding -----------------------------------------------------------------------

    async def status(self, slug: str) -> OnboardingStatus:
        s = self._step
        rows = await s.select().where(s.slug == validate_slug(slug))
        done = {Step(r["step"]): (r["completed_at"], r["how"]) for r in rows if r["step"] in STEPS}
        issues: dict[Step, str] = {}
        if Step.IDENTITY_VERIFIED not in done and self._standing is not None:
            issues[Step.IDENTITY_VERIFIED] = identity_issue(await self._standing(slug))
        return OnboardingStatus.of(slug, done, issues)

    async def _billing_steps(self, slug: str, tenant: TenantRecord) -> OnboardingStatus:
        """Complete identity, terms and number from billing's record and the registry.

        A registered tenant without any billing account bought its number before activation
        gating: both steps are recorded as such (the number's state says "held" likewise);
        otherwise each completes only once billing recorded it, and the number step after
        them (the stack could buy the number only then)."""
        status = await self.status(slug)
        standing = None if self._standing is None else await self._standing(slug)
        if status.current is Step.IDENTITY_VERIFIED:
            if standing is None:
                how = "no billing account: the number predates identity checks"
                status = await self.complete(slug, Step.IDENTITY_VERIFIED, how)
            elif standing.kyc_status == "verified":
                when = standing.kyc_updated_at
                at = f" at {when:%Y-%m-%d %H:%M} UTC" if when else ""
                vid = standing.verification_id
                how = (
                    f"{BY_OPERATOR}identity checked in person by {vid.removeprefix(IN_PERSON)}{at}"
                    if vid.startswith(IN_PERSON)
                    else f"verification {vid or '(redacted)'} verified{at}"
                )
                status = await self.complete(slug, Step.IDENTITY_VERIFIED, how)
        if status.current is Step.TERMS_ACCEPTED:
            if standing is None:
                how = "no billing account: the number predates recorded terms"
                status = await self.complete(slug, Step.TERMS_ACCEPTED, how)
            elif standing.terms_version and standing.terms_accepted_at:
                how = (
                    f"terms {standing.terms_version} accepted at "
                    f"{standing.terms_accepted_at:%Y-%m-%d %H:%M} UTC"
                )
                status = await self.complete(slug, Step.TERMS_ACCEPTED, how)
        if status.current is Step.NUMBER_PROVISIONED and tenant.phone_number:
            how = f"{tenant.phone_number} in the platform registry"
            status = await self.complete(slug, Step.NUMBER_PROVISIONED, how)
        return status

    async def contacts(self, slug: str) -> list[ContactView]:
        """The tenant's declared contacts with their consent state (invited, accepted …)."""
        tenant = await self._tenant(slug)
        return await contact_views(bind_tables(self._storage.engine(slug)), tenant.contacts)

    async def progress(self, slug: str) -> OnboardingStatus:
        """Complete the current step when the tenant's data proves it: the SIP app answered
        its test call, a forwarding test call came back, a contact said yes, the end-to-end
        test call was answered in the app, billing recorded the identity check or the terms."""
        status = await self.status(slug)
        if status.current in (Step.IDENTITY_VERIFIED, Step.TERMS_ACCEPTED):
            status = await self._billing_steps(slug, await self._tenant(slug))
        if status.current is Step.SIP_APP_CONFIGURED:
            app = await self.app_test(slug)
            if app is not None and app.status == "passed":
                at = f" at {app.finished_at:%Y-%m-%d %H:%M} UTC" if app.finished_at else ""
                how = f"test call {app.call_sid or app.token} answered by the SIP app{at}"
                status = await self.complete(slug, Step.SIP_APP_CONFIGURED, how)
        if status.current is Step.FORWARDING_VERIFIED:
            test = await self.forwarding_test(slug, own=True)
            if test is not None and test.status == "passed":
                via = (
                    f"ForwardedFrom {test.forwarded_from}"
                    if test.forwarded_from
                    else ("no ForwardedFrom: the carrier does not pass it")
                )
                at = f"{test.finished_at:%Y-%m-%d %H:%M} UTC" if test.finished_at else ""
                ref = test.call_sid or test.token
                how = f"test call {ref} came back to the Ethiq number {at} ({via})"
                status = await self.complete(slug, Step.FORWARDING_VERIFIED, how)
        if status.current is Step.CONTACTS_CONSENTED:
            accepted = [v for v in await self.contacts(slug) if v.state is ContactState.ACCEPTED]
            if accepted:
                first = min(accepted, key=lambda v: v.at or datetime.now(UTC))
                at = f" at {first.at:%Y-%m-%d %H:%M} UTC" if first.at else ""
                how = f"{first.name} replied {first.how!r} by SMS{at}"
                status = await self.complete(slug, Step.CONTACTS_CONSENTED, how)
        if status.current is Step.TEST_CALL_PASSED:
            full = await self.end_to_end_test(slug)
            if full is not None and full.status == "passed":
                at = f" at {full.finished_at:%Y-%m-%d %H:%M} UTC" if full.finished_at else ""
                via = f" from {full.forwarded_from}" if full.forwarded_from else ""
                ref = full.call_sid or full.token
                how = f"test call {ref} forwarded{via}, answered in the SIP app{at}"
                status = await self.complete(slug, Step.TEST_CALL_PASSED, how)
        return status

    # --- forwarding test call --------------------------------------------------------------

    async def start_test(self, slug: str, kind: str, number: str = "") -> ForwardingTestRecord:
        """Place a test call of ``kind`` from the Ethiq number (see :mod:`.forward_test`):
        ``forwarding`` and ``end-to-end`` call the person's own number (``ValueError`` while
        it is unknown), ``app`` rings their SIP app. A ``forwarding`` test may call one of the
        tenant's monitored numbers instead (``number``; any other is a ``ValueError``)."""
        person, tenant = await self.person(slug), await self._tenant(slug)
        if person is None:
            raise ValueError(f"no person enrolled for {slug!r}")
        if number and number != person.own_number:
            if kind != FORWARDING or number not in {m.number for m in tenant.monitored_numbers}:
                raise ValueError(f"{number} is not a monitored number of {slug!r}")
            return await self._start_test(tenant, kind, number, outbound_twiml(person.language))
        if kind == APP:
            to, twiml = secure_sip_uri(tenant.sip_address), app_twiml(person.language)
        elif kind in (FORWARDING, END_TO_END):
            if not person.own_number:
                raise ValueError("the person's own number is not known yet")
            words = outbound_twiml if kind == FORWARDING else end_to_end_twiml
            to, twiml = person.own_number, words(person.language)
        else:
            raise ValueError(f"unknown kind of test call {kind!r}")
        return await self._start_test(tenant, kind, to, twiml)

    async def _start_test(
        self, tenant: TenantRecord, kind: str, to: str, twiml: str
    ) -> ForwardingTestRecord:
        slug = tenant.slug
        if self._caller is None:
            raise TestCallError("no way to place calls is configured")
        # Recorded before the call is placed: it may come back before Twilio's answer does.
        token = secrets.token_hex(16)
        t = self._test
        own = "" if kind == APP else to
        now = datetime.now(UTC)
        await t.insert(
            t(token=token, kind=kind, slug=slug, own_number=own, status="calling", started_at=now)
        )
        query = f"tenant={slug}&test={token}"
        callback = signed_url(self._public, paths.FORWARD_TEST_STATUS, query)
        try:
            call_sid = await self._caller.call(tenant, to, twiml, callback)
        except TestCallError:
            await t.update(
                {t.status: "failed", t.outcome: "not-placed", t.finished_at: datetime.now(UTC)}
            ).where(t.token == token)
            raise
        await t.update({t.call_sid: call_sid}).where(t.token == token)
        logger.info("%s test of %s: calling %s (%s)", kind, slug, to, call_sid)
        test = await self._latest_test(slug, kind)
        assert test is not None  # noqa: S101 (just written)
        return test

    async def forwarding_test(self, slug: str, *, own: bool = False) -> ForwardingTestRecord | None:
        """The latest forwarding test call of the tenant; ``own``: of the person's own number
        (the onboarding step's), whatever the tests of its monitored numbers."""
        if not own:
            return await self._latest_test(slug, FORWARDING)
        person = await self.person(slug)
        number = person.own_number if person is not None else ""
        return await self._latest_test(slug, FORWARDING, number=number or None)

    async def monitored(self, slug: str) -> list[MonitoredView]:
        """The tenant's monitored numbers beyond the person's own, each with its latest
        forwarding test (one query per number: a plan allows a few)."""
        tenant, person = await self._tenant(slug), await self.person(slug)
        carrier = person.carrier if person is not None else ""
        return [
            MonitoredView(
                m.number,
                m.name,
                m.carrier or carrier,
                await self._latest_test(slug, FORWARDING, number=m.number),
            )
            for m in tenant.monitored_numbers
        ]

    async def app_test(self, slug: str) -> ForwardingTestRecord | None:
        """The latest test call to the tenant's SIP app."""
        return await self._latest_test(slug, APP)

    async def end_to_end_test(self, slug: str) -> ForwardingTestRecord | None:
        """The latest end-to-end test call of the tenant."""
        return await self._latest_test(slug, END_TO_END)

    async def _latest_test(
        self, slug: str, *kinds: str, calling: bool = False, number: str | None = None
    ) -> ForwardingTestRecord | None:
        t = self._test
        where = (t.slug == validate_slug(slug)) & t.kind.is_in(list(kinds))
        if calling:
            where &= t.status == "calling"
        if number is not None:
            where &= t.own_number == number
        row = (
            await t.select()
            .where(where)
            .order_by(t.started_at, ascending=False)
            .order_by(t._meta.primary_key, ascending=False)
            .first()
        )
        if row is None:
            return None
        return ForwardingTestRecord(
            row["token"],
            row["call_sid"],
            row["status"],
            row["outcome"],
            row["forwarded_from"],
            row["started_at"],
            row["finished_at"],
            row["kind"],
            row["own_number"],
        )

    async def forwarding_arrived(self, tenant: TenantRecord, params: dict[str, str]) -> str | None:
        """A call from the Ethiq number to itself: a test call coming back, if one is under way.
        Its answer (``None``: no test under way): words and ``<Hangup>`` for the forwarding
        test (its step is then green or says what came back instead), ringing the app for the
        end-to-end one (:func:`end_to_end_arrival_twiml`)."""
        forwarded_from = params.get("ForwardedFrom", "")
        # The test of the number the call was forwarded from (a monitored number's or the
        # person's own), else the latest under way.
        test = (
            forwarded_from
            and await self._latest_test(
                tenant.slug, FORWARDING, END_TO_END, calling=True, number=forwarded_from
            )
        ) or await self._latest_test(tenant.slug, FORWARDING, END_TO_END, calling=True)
        if test is None:
            return None
        if datetime.now(UTC) - _aware(test.started_at) > timedelta(
            seconds=FORWARD_TEST_TIMEOUT_S + 60
        ):
            return None
        # Forwarded by the phone it called: the person's own or one of the monitored numbers.
        ok = not forwarded_from or forwarded_from == test.number
        t = self._test
        ringing_app = ok and test.kind == END_TO_END
        update: dict[Any, Any] = {t.forwarded_from: forwarded_from[:32]}
        if ringing_app:  # still calling: the app's answer decides (the <Dial> action)
            update[t.outcome] = "forwarded"
        else:
            update |= {
                t.status: "passed" if ok else "failed",
                t.outcome: "forwarded" if ok else "forwarded-elsewhere",
                t.finished_at: datetime.now(UTC),
            }
        await t.update(update).where((t.token == test.token) & (t.status == "calling"))
        logger.info(
            "%s test of %s came back (ForwardedFrom %s)",
            test.kind,
            tenant.slug,
            forwarded_from or "missing",
        )
        if ringing_app:
            query = f"tenant={tenant.slug}&test={test.token}"
            action = signed_url(self._public, paths.FORWARD_TEST_STATUS, query)
            return end_to_end_arrival_twiml(tenant.sip_address, action)
        await self.progress(tenant.slug)
        return arrival_twiml(tenant.language)

    async def forwarding_status(
        self, tenant: TenantRecord, token: str, params: dict[str, str]
    ) -> None:
        """Twilio's status callback of a test call once it ended, or the ``<Dial action>`` of
        the end-to-end test's arrival (``DialCallStatus``: ``completed`` once the app answered).

        A forwarding test that ended without coming back failed, with how it ended; so did an
        end-to-end test that never came back (once back, the app's answer decides). A call to
        the app that ended ``completed`` was answered there: Twilio reports an unanswered one
        as ``no-answer``, ``busy`` or ``failed``
        (https://www.twilio.com/docs/voice/api/call-resource#call-status-values)."""
        dialled = params.get("DialCallStatus")
        status = dialled or params.get("CallStatus", "")
        if status not in {"completed", "busy", "no-answer", "failed", "canceled"}:
            return
        t = self._test
        where = (t.token == token) & (t.slug == tenant.slug) & (t.status == "calling")
        row = await t.select(t.kind, t.outcome).where(where).first()
        if row is None:
            return
        kind = row["kind"]
        if kind == END_TO_END and row["outcome"] == "forwarded" and dialled is None:
            return  # back and ringing the app: its <Dial action> says how that went
        if dialled is not None and kind != END_TO_END:
            return
        answered = status == "completed" and (kind == APP or dialled is not None)
        outcome = ("app-" + status) if dialled is not None else status
        await t.update(
            {
                t.status: "passed" if answered else "failed",
                t.outcome: "answered" if answered else outcome,
                t.finished_at: datetime.now(UTC),
            }
        ).where(where)
        if answered:
            logger.info("%s test of %s: the SIP app answered", kind, tenant.slug)
            await self.progress(tenant.slug)

    async def complete(self, slug: str, step: Step, how: str) -> OnboardingStatus:
        """Record ``step`` as completed (once; in order); completes ``active`` after the last."""
        status = await self.status(slug)
        if status.check_can_complete(step):
            completed_at = await self._record_step(slug, step, how)
            if completed_at is not None:
                self._observe_step(status, step, how, completed_at)
            status = await self.status(slug)
        if status.current is Step.ACTIVE:
            await self._record_step(slug, Step.ACTIVE, "every step before it completed")
            status = await self.status(slug)
        return status

    async def by_operator(self, slug: str, action: str, how: str) -> None:
        """Record that an operator did ``action`` for tenant ``slug``'s onboarding outside its
        steps (the first time only): the onboarding counts as one that needed a manual step."""
        await self._record_step(slug, OPERATOR_ACTION + action, BY_OPERATOR + how)

    async def _record_step(self, slug: str, step: str, how: str) -> datetime | None:
        """Record ``step``; when it completed, or ``None`` if it had been recorded before."""
        s = self._step
        now = datetime.now(UTC)
        row = s(key=f"{slug}:{step}", slug=slug, step=step, how=how)
        row.completed_at = now
        inserted = (
            await s.insert(row).on_conflict(target=s.key, action="DO NOTHING").returning(s.key)
        )
        logger.info("onboarding %s: %s (%s)", slug, step, how)
        return now if inserted else None

    def _observe_step(
        self, before: OnboardingStatus, step: Step, how: str, completed_at: datetime
    ) -> None:
        """Observe how long ``step`` took: from the step before it (done, as steps complete in
        order) to ``completed_at``. The first step has no start, ``active`` none of its own."""
        index = STEPS.index(step)
        previous = before.steps[index - 1].completed_at if index else None
        if self._metrics is None or previous is None or step is Step.ACTIVE:
            return
        state = before.steps[index]
        by = "operator" if operators_hand(how) else ("person" if state.by_person else "system")
        seconds = max((completed_at - previous).total_seconds(), 0.0)
        self._metrics.onboarding_step_seconds.labels(str(step), by).observe(seconds)

    # --- messages -------------------------------------------------------------------------

    def page_url(self, slug: str) -> str:
        return f"{self._public}/people/{slug}"

    async def welcome(self, person: PersonRecord, tenant: TenantRecord) -> None:
        t = texts(person.language)
        link = self.page_url(person.slug)
        body = t["welcome_body"].format(number=tenant.phone_number, link=link)
        await self._mail(person, t["welcome_subject"], body, link)
        if person.own_number and self._sms is not None:
            sms = t["welcome_sms"].format(number=tenant.phone_number, link=link)
            try:
                callback = signed_url(self._public, paths.SMS_STATUS, f"tenant={tenant.slug}")
                await self._sms.send(tenant, person.own_number, sms, callback)
            except SendError as error:
                logger.error("welcome SMS to %s not sent: %s", person.slug, error)

    async def request_login(self, email: str, source: str = "") -> bool:
        """Email a magic link if ``email`` belongs to someone; ``False`` (silently) if not.

        Counted against the limits first, known address or not (the answer tells nothing);
        :class:`TooManyLinks` past one of them."""
        if not await self._limiter.allow(email, source):
            raise TooManyLinks("too many sign-in links asked for")
        try:
            person = await self.by_email(email)
        except ValueError:
            return False
        if person is None:
            return False
        t = texts(person.language)
        link = await self._new_link(person.slug)
        minutes = self.settings.login_ttl_s // 60
        body = t["login_body"].format(link=link, minutes=minutes)
        await self._mail(person, t["login_subject"], body, link)
        return True

    async def allow_request(self, address: str, source: str) -> bool:
        """Count one request of a form that makes Ethiq write or send (sign-up) against the
        sign-in links' limits."""
        return await self._limiter.allow(address, source)

    async def request_sms_login(self, number: str, source: str = "") -> bool:
        """Text a magic link to ``number`` if it is a person's own (from their Ethiq number);
        ``False`` (silently) if not. The same limits (the number is the address) and the same
        signed, expiring, single-use links as by email.

        The number is the one the person gave on their page or at enrolment, the one the
        forwarding test proves; several people sharing one each get their own link."""
        number = validate_e164(number)
        if not await self._limiter.allow(number, source):
            raise TooManyLinks("too many sign-in links asked for")
        if self._sms is None:
            return False
        p = self._person
        rows = await p.select().where(p.own_number == number).order_by(p.slug).limit(5)
        sent = False
        for person in map(_record, rows):
            tenant = await self._registry.get(person.slug)
            if tenant is None:
                continue
            t = texts(person.language)
            link = await self._new_link(person.slug)
            body = t["login_sms"].format(link=link, minutes=self.settings.login_ttl_s // 60)
            callback = signed_url(self._public, paths.SMS_STATUS, f"tenant={tenant.slug}")
            try:
                await self._sms.send(tenant, number, body, callback)
            except SendError as error:  # e.g. 21610: the person had texted STOP
                logger.error("sign-in SMS to the person of %s not sent: %s", person.slug, error)
                continue
            sent = True
        return sent

    async def _new_link(self, slug: str) -> str:
        """A new magic link for ``slug``, recorded so that it can be used once."""
        token, claims = self.links.issue(slug)
        l = self._link  # noqa: E741
        await l.insert(l(nonce=claims.nonce, slug=slug, created_at=datetime.now(UTC)))
        return f"{self._public}/login/{token}"

    async def check(self, token: str) -> str:
        """The slug of a genuine, unexpired link not used yet (without using it)."""
        claims = self.links.verify(token)
        l = self._link  # noqa: E741
        row = await l.select(l.used_at).where(l.nonce == claims.nonce).first()
        if row is None or row["used_at"] is not None:
            raise BadLink("this link was already used")
        return claims.slug

    async def consume(self, token: str) -> str:
        """The slug a genuine, unexpired, unused link signs in to; the link is used up."""
        claims = self.links.verify(token)
        l = self._link  # noqa: E741
        used = (
            await l.update({l.used_at: datetime.now(UTC)})
            .where((l.nonce == claims.nonce) & (l.slug == claims.slug) & l.used_at.is_null())
            .returning(l.slug)
        )
        if not used:
            raise BadLink("this link was already used")
        return claims.slug

    def landing_url(self, language: str) -> str:
        """The pages' front door, where Stripe's hosted pages send the person back."""
        return f"{self._public}/?lang={language}"

    async def send_billing_links(
        self, email: str, language: str, *, verification_url: str, checkout_url: str
    ) -> None:
        """Email the person Stripe's hosted links (runtime.billing.start; "" : that step needs
        nothing): what to do on each, and that Ethiq never sees the card or the documents."""
        t = texts(language)
        steps = []
        if verification_url:
            steps.append(t["billing_links_identity"].format(link=verification_url))
        if checkout_url:
            steps.append(t["billing_links_checkout"].format(link=checkout_url))
        if not steps:
            steps.append(t["billing_links_nothing"])
        body = t["billing_links_body"].format(steps="\n\n".join(steps))
        links = [url for url in (verification_url, checkout_url) if url]
        link = links[0] if links else self.landing_url(language)
        try:
            await self._send_mail(
                email, language, t["billing_links_subject"], body, link, tuple(links[1:])
            )
        except MailError as error:
            logger.error("Stripe links not sent: %s", error)
            raise

    async def acknowledge_signup(self, name: str, email: str, language: str) -> None:
        """Write back to whoever asked for protection on the sign-up page: received, and what
        comes next (an operator prepares the stack; nothing is bought or charged before)."""
        t = texts(language)
        link = self.landing_url(language)
        body = t["signup_ack_body"].format(name=" ".join(name.split()), link=link)
        try:
            await self._send_mail(_email(email), language, t["signup_ack_subject"], body, link)
        except MailError as error:
            logger.error("sign-up acknowledgement not sent: %s", error)
            raise

    async def _mail(self, person: PersonRecord, subject: str, body: str, link: str) -> None:
        try:
            await self._send_mail(person.email, person.language, subject, body, link)
        except MailError as error:
            logger.error("email to the person of %s not sent: %s", person.slug, error)
            raise

    async def _send_mail(
        self,
        to: str,
        language: str,
        subject: str,
        body: str,
        link: str,
        more_links: tuple[str, ...] = (),
    ) -> None:
        """``link``, and each of ``more_links``, is a button of the HTML part (in the
        paragraph that names it); the plain-text part is ``body`` as written."""
        html = self._emails.get_template("message.html").render(
            language=language,
            subject=subject,
            paragraphs=body.split("\n\n"),
            links=(link, *more_links),
        )
        await self._mailer.send(Mail(to, subject, body, html, language))

    async def _tenant(self, slug: str) -> TenantRecord:
        tenant = await self._registry.get(slug)
        if tenant is None:
            raise UnknownTenant(f"no tenant {slug!r}")
        return tenant


async def migrate_people(engine: Engine[Any]) -> list[str]:
    """Apply the people app's migrations to the platform database ``engine`` (after the
    registry's), under the platform schema's advisory lock on PostgreSQL: the pages' start-up
    and ``ethiq worker`` (whose privacy jobs use its tables) both run it."""

    async def lock() -> None:
        if isinstance(engine, PostgresEngine):
            await engine.run_querystring(
                QueryString(
                    "SELECT pg_advisory_xact_lock({}, hashtext({}))",
                    LOCK_CLASS,
                    PLATFORM_SCHEMA,
                )
            )

    return await apply_migrations(engine, PEOPLE_MIGRATIONS, lock)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _record(row: dict[str, Any]) -> PersonRecord:
    return PersonRecord(
        slug=row["slug"],
        email=row["email"],
        language=row["language"],
        own_number=row["own_number"],
        platform=row["platform"],
        carrier=row["carrier"],
    )
