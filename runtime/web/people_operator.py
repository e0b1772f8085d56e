"""Operator routes of onboarding (behind the operator API's bearer token)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import ClientException, NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody

from runtime.alerts.invitations import ContactView
from runtime.billing.start import start_billing
from runtime.email import MailError
from runtime.people.forward_test import APP, END_TO_END, FORWARDING
from runtime.people.i18n import texts
from runtime.people.onboarding import BY_OPERATOR, OnboardingStatus, Step, StepOutOfOrder
from runtime.people.service import ForwardingTestRecord, TestCallError, UnknownTenant
from runtime.people.signups import valid_email
from runtime.people.sip import SipRotationError, sip_domain
from runtime.regions import Language
from runtime.storage import InvalidSlug, validate_slug
from runtime.tenants import InvalidTenant
from runtime.web.operator import operator_guard
from runtime.web.pages import NO_STORE, people_of
from runtime.web.state import runtime_of

__all__ = ["OnboardingOperator"]

AnyRequest = Request[Any, Any, Any]
OPERATOR_NAME = 48  # the audit's actor holds 64 characters: "operator " and the name


class EnrollIn(msgspec.Struct):
    slug: str
    email: str
    language: Language = "fr-CA"
    own_number: str = ""


class CompleteIn(msgspec.Struct):
    how: str


class StepOut(msgspec.Struct):
    step: str
    done: bool
    completed_at: datetime | None
    how: str
    by_person: bool


class ContactOut(msgspec.Struct):
    name: str
    number: str
    priority: int
    language: str
    state: str  # pending | invited | no_answer | accepted | refused | unreachable
    at: datetime | None
    how: str


class ForwardingTestOut(msgspec.Struct):
    call_sid: str
    status: str  # calling | passed | failed
    outcome: str
    forwarded_from: str
    started_at: datetime
    finished_at: datetime | None


class SipPasswordOut(msgspec.Struct):
    username: str
    domain: str
    password: str  # shown once: Twilio keeps the only other copy


class BillingStartIn(msgspec.Struct):
    email: str
    language: Language
    plan: str  # solo or family (runtime/billing/plans.py)


class BillingStartOut(msgspec.Struct):
    checkout_url: str  # "": the subscription already runs
    verification_url: str  # "": nothing for the person to do at Stripe Identity
    verification_status: str
    emailed: bool  # the links reached the person's email


class ErasureIn(msgspec.Struct):
    by: str  # the operator's name, for the audit (the request's "who asked")


class ErasureOut(msgspec.Struct):
    request_id: int
    state: str  # pending (the worker erases) | done
    queued: bool  # its job was queued now (else the daily privacy job runs it)


class SignupOut(msgspec.Struct):
    id: int
    name: str
    email: str
    phone: str
    language: str
    region: str  # where the person lives, as they said (a key of the served regions)
    requested_at: datetime
    command: str  # the `ethiq tenant add` that starts the stack (choose the tenant's name)


class RefusedSignupOut(msgspec.Struct):
    id: int
    name: str
    email: str
    phone: str
    language: str
    region: str
    requested_at: datetime
    tenant: str  # the stack written for it (registered: its enrolment was tried)
    reason: str  # why the enrolment was refused
    refused_at: datetime


class MonitoredOut(msgspec.Struct):
    number: str
    name: str
    verified: bool  # a forwarding test to it came back to the Ethiq number
    forwarding_test: ForwardingTestOut | None


class OnboardingOut(msgspec.Struct):
    slug: str
    active: bool
    current: str | None
    what_to_do: str | None  # the current step's instruction, as the person's page words it
    steps: list[StepOut]
    contacts: list[ContactOut] = msgspec.field(default_factory=list)
    forwarding_test: ForwardingTestOut | None = None  # the latest test call to their number
    app_test: ForwardingTestOut | None = None  # the latest test call to their SIP app
    test_call: ForwardingTestOut | None = None  # the latest end-to-end test call
    # The household's other phones (ethiq:monitoredNumbers) and their latest forwarding test.
    monitored: list[MonitoredOut] = msgspec.field(default_factory=list)


def _contacts(views: list[ContactView]) -> list[ContactOut]:
    return [
        ContactOut(v.name, v.number, v.priority, v.language, str(v.state), v.at, v.how)
        for v in views
    ]


def _test(test: ForwardingTestRecord | None) -> ForwardingTestOut | None:
    if test is None:
        return None
    return ForwardingTestOut(
        test.call_sid,
        test.status,
        test.outcome,
        test.forwarded_from,
        test.started_at,
        test.finished_at,
    )


def _out(
    status: OnboardingStatus,
    contacts: list[ContactView] | None = None,
    test: ForwardingTestRecord | None = None,
    app_test: ForwardingTestRecord | None = None,
    test_call: ForwardingTestRecord | None = None,
) -> OnboardingOut:
    current = status.current
    todo = next((s.todo for s in status.steps if s.step == current), "")
    return OnboardingOut(
        slug=status.slug,
        active=status.active,
        current=None if current is None else str(current),
        what_to_do=None if current is None else texts("en-US")[todo],
        steps=[
            StepOut(str(s.step), s.done, s.completed_at, s.how, s.by_person) for s in status.steps
        ],
        contacts=_contacts(contacts or []),
        forwarding_test=_test(test),
        app_test=_test(app_test),
        test_call=_test(test_call),
    )


async def _start_test(
    request: AnyRequest, slug: str, kind: str, number: str = ""
) -> ForwardingTestOut:
    people = people_of(request)
    if await people.person(slug) is None:
        raise NotFoundException(f"no person enrolled for {slug!r}")
    # The operator's hand on the onboarding, whether the call then goes through or not.
    await people.by_operator(slug, f"{kind}_test", "started a test call")
    try:
        test = await people.start_test(slug, kind, number)
    except ValueError as error:
        raise ClientException(str(error), status_code=409) from None
    except TestCallError as error:
        raise ClientException(str(error), status_code=502) from None
    out = _test(test)
    assert out is not None  # noqa: S101 (just started)
    return out


class OnboardingOperator(Controller):
    path = "/operator/people"
    guards = (operator_guard,)
    tags = ("operator",)

    @post("/", summary="Enrol a tenant's person: records the system's steps, sends the welcome")
    async def enroll(self, request: AnyRequest, data: JSONBody[EnrollIn]) -> OnboardingOut:
        try:
            people = people_of(request)
            status = await people.enroll(data.slug, data.email, data.language, data.own_number)
            # Enrolment by an operator is a manual step (a sign-up's own enrolment is not).
            await people.by_operator(data.slug, "enrolled", "enrolled the person")
        except UnknownTenant as error:
            raise NotFoundException(str(error)) from None
        except (InvalidTenant, ValueError) as error:
            raise ValidationException(str(error)) from None
        except MailError:
            await people.by_operator(data.slug, "enrolled", "enrolled the person")
            await runtime_of(request).jobs.notify(data.slug)
            raise ClientException(
                "enrolled, but the welcome email could not be sent (SMTP relay)", status_code=502
            ) from None
        # The contacts' invitations now, not at the next sweep (the job invites each once).
        await runtime_of(request).jobs.notify(data.slug)
        return _out(status)

    @get("/", summary="Every enrolled tenant's onboarding: the current (stuck) step first")
    async def everyone(self, request: AnyRequest) -> list[OnboardingOut]:
        people = people_of(request)
        return [
            _out(await people.progress(slug), await people.contacts(slug))
            for slug in await people.slugs()
        ]

    @get("/signups", summary="Requests for protection from the sign-up page, still to act on")
    async def signups(self, request: AnyRequest) -> list[SignupOut]:
        return [
            SignupOut(
                s.id, s.name, s.email, s.phone, s.language, s.region, s.requested_at, s.command()
            )
            for s in await people_of(request).signups.pending()
        ]

    @get("/signups/refused", summary="Sign-ups whose enrolment was refused: why and when")
    async def refused_signups(self, request: AnyRequest) -> list[RefusedSignupOut]:
        return [
            RefusedSignupOut(
                r.signup.id,
                r.signup.name,
                r.signup.email,
                r.signup.phone,
                r.signup.language,
                r.signup.region,
                r.signup.requested_at,
                r.tenant,
                r.reason,
                r.refused_at,
            )
            for r in await people_of(request).signups.refused()
        ]

    @post("/signups/{request_id:int}/done", status_code=204, summary="A request handled")
    async def signup_done(self, request: AnyRequest, request_id: FromPath[int]) -> None:
        if not await people_of(request).signups.done(request_id):
            raise NotFoundException(f"no pending or refused sign-up request {request_id}")

    @post(
        "/{slug:str}/billing",
        status_code=200,
        summary="Before the stack buys the number: email the person Stripe's links (card and "
        "terms on Checkout, identity on Stripe Identity) for the tenant name its stack will have",
    )
    async def billing(
        self, request: AnyRequest, slug: FromPath[str], data: JSONBody[BillingStartIn]
    ) -> BillingStartOut:
        state = runtime_of(request)
        if state.stripe is None:
            raise ClientException("Stripe is not configured (STRIPE_API_KEY)", status_code=503)
        people = people_of(request)
        try:
            validate_slug(slug)
            email = valid_email(data.email)
            links = await start_billing(
                state.stripe,
                state.accounts,
                tenant=slug,
                email=email,
                language=data.language,
                plan_id=data.plan,
                return_url=people.landing_url(data.language),
            )
        except (InvalidSlug, KeyError, ValueError) as error:
            raise ValidationException(str(error).strip("'\"")) from None
        try:
            await people.send_billing_links(
                email,
                data.language,
                verification_url=links.verification_url,
                checkout_url=links.checkout_url,
            )
        except MailError:
            emailed = False
        else:
            emailed = True
        await people.by_operator(slug, "billing_links", "started billing, Stripe's links")
        return BillingStartOut(
            links.checkout_url, links.verification_url, links.verification_status, emailed
        )

    @post(
        "/{slug:str}/erasure",
        status_code=202,
        summary="Ask for the erasure of a person's history on their behalf (the same request "
        "and worker job as their page's; audited with the operator's name)",
    )
    async def erasure(
        self, request: AnyRequest, slug: FromPath[str], data: JSONBody[ErasureIn]
    ) -> ErasureOut:
        by = " ".join(data.by.split())
        if not by or len(by) > OPERATOR_NAME:
            raise ValidationException(f"by: the operator's name, 1 to {OPERATOR_NAME} characters")
        try:
            validate_slug(slug)
        except InvalidSlug as error:
            raise ValidationException(str(error)) from None
        if await people_of(request).person(slug) is None:
            raise NotFoundException(f"no person enrolled for {slug!r}")
        jobs = runtime_of(request).privacy
        try:
            request_id = await jobs.privacy.request_erasure(slug, f"operator {by}")
        except LookupError as error:  # enrolled, but no tenant in the registry (removed)
            raise NotFoundException(str(error)) from None
        queued = await jobs.erase_soon(request_id)
        [found] = [r for r in await jobs.privacy.requests(slug) if r["id"] == request_id]
        return ErasureOut(request_id, str(found["state"]), queued)

    @get("/{slug:str}/onboarding", summary="A tenant's onboarding steps and contacts' consent")
    async def onboarding(self, request: AnyRequest, slug: FromPath[str]) -> OnboardingOut:
        people = people_of(request)
        if await people.person(slug) is None:
            raise NotFoundException(f"no person enrolled for {slug!r}")
        # The tests before progress: the steps are never older than the tests shown.
        test, app = await people.forwarding_test(slug, own=True), await people.app_test(slug)
        full, monitored = await people.end_to_end_test(slug), await people.monitored(slug)
        out = _out(await people.progress(slug), await people.contacts(slug), test, app, full)
        out.monitored = [
            MonitoredOut(m.number, m.name, m.verified, _test(m.test)) for m in monitored
        ]
        return out

    @post("/{slug:str}/forwarding-test", summary="Call the person's number: does it forward?")
    async def forwarding_test(
        self, request: AnyRequest, slug: FromPath[str], number: FromQuery[str] = ""
    ) -> ForwardingTestOut:
        """``?number=``: one of the tenant's monitored numbers instead of the person's own."""
        return await _start_test(request, slug, FORWARDING, number)

    @post("/{slug:str}/app-test", summary="Ring the person's SIP app: is it set up?")
    async def app_test(self, request: AnyRequest, slug: FromPath[str]) -> ForwardingTestOut:
        return await _start_test(request, slug, APP)

    @post("/{slug:str}/test-call", summary="The end-to-end test: their number rings their app?")
    async def test_call(self, request: AnyRequest, slug: FromPath[str]) -> ForwardingTestOut:
        return await _start_test(request, slug, END_TO_END)

    @post(
        "/{slug:str}/sip-password",
        summary="A new SIP password for the person's app (once)",
        cache_control=NO_STORE,
    )
    async def sip_password(self, request: AnyRequest, slug: FromPath[str]) -> SipPasswordOut:
        people = people_of(request)
        try:
            tenant = await people.tenant(slug)
            # The operator's hand on the onboarding, whether Twilio then takes it or not.
            await people.by_operator(slug, "sip_password", "asked for a new SIP password")
            password = await people.rotate_sip_password(slug, "an operator")
        except UnknownTenant as error:
            raise NotFoundException(str(error)) from None
        except SipRotationError as error:
            raise ClientException(str(error), status_code=502) from None
        return SipPasswordOut(tenant.sip_username, sip_domain(tenant), password)

    @post("/{slug:str}/onboarding/{step:str}", summary="Record a step done outside the runtime")
    async def complete(
        self,
        request: AnyRequest,
        slug: FromPath[str],
        step: FromPath[str],
        data: JSONBody[CompleteIn],
    ) -> OnboardingOut:
        people = people_of(request)
        if await people.person(slug) is None:
            raise NotFoundException(f"no person enrolled for {slug!r}")
        try:
            parsed = Step(step)
        except ValueError:
            raise ValidationException(
                f"unknown step {step!r}: one of {[str(s) for s in Step]}"
            ) from None
        try:
            # Marked as the operator's: the KPI counts onboardings that needed a manual step.
            return _out(await people.complete(slug, parsed, BY_OPERATOR + data.how))
        except StepOutOfOrder as error:
            raise ClientException(str(error), status_code=409) from None
