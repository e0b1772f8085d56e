"""The person's web pages: server-rendered, no JavaScript, bilingual, one tenant per session.

Sign-in is by magic link only. Opening the link shows a button that signs in (a POST, CSRF
protected): mail scanners that fetch links must not use up a single-use link. The session holds
the tenant's slug and when the person signed in; every ``/people/{slug}`` page refuses any other
slug with 403.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Stream, Template

from runtime.alerts.messages import zone_for
from runtime.billing.quotas import Overview
from runtime.calls.preferences import InvalidPreference, ListKind, parse_quiet_hours
from runtime.email import MailError
from runtime.people.changes import Op
from runtime.people.forward_test import APP, END_TO_END, FORWARDING
from runtime.people.forwarding import CARRIERS, codes_for
from runtime.people.i18n import negotiate, texts
from runtime.people.links import BadLink
from runtime.people.onboarding import STEPS
from runtime.people.service import (
    People,
    PersonRecord,
    TestCallError,
    TooManyLinks,
    UnknownTenant,
)
from runtime.people.sip import SipRotationError, qr_svg, sip_domain
from runtime.regions import LANGUAGES, REGIONS
from runtime.tenants import InvalidTenant, to_e164
from runtime.web.limits import client_source
from runtime.web.state import runtime_of

__all__ = ["PeoplePages", "people_of"]

logger = logging.getLogger(__name__)

AnyRequest = Request[Any, Any, Any]
NO_STORE = CacheControlHeader(no_store=True)  # a page holding a password: no copy anywhere
PLATFORMS = ("iphone", "android")


def people_of(request: AnyRequest) -> People:
    people: People = request.app.state.people
    return people


@dataclass
class LoginForm:
    email: str = ""


@dataclass
class PhoneLoginForm:
    number: str = ""


@dataclass
class SignupForm:
    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""
    region: str = ""
    contact_name: str = ""
    contact_number: str = ""


@dataclass
class NumberForm:
    number: str = ""


@dataclass
class ContactForm:
    name: str = ""
    number: str = ""
    language: str = ""  # the contact's own; "" : the person's


@dataclass
class QuietForm:
    starts: str = ""
    ends: str = ""
    action: str = "save"  # save | clear


@dataclass
class EraseForm:
    confirm: str = ""


@dataclass
class PhoneForm:
    own_number: str = ""
    platform: str = ""
    carrier: str = ""


def _lang(request: AnyRequest, person: PersonRecord | None = None) -> str:
    default = person.language if person else "fr-CA"
    query = request.query_params.get("lang")
    if query in LANGUAGES:
        return str(query)
    if person is not None:
        return person.language
    return negotiate(None, request.headers.get("accept-language"), default)


def _stale(slug: str) -> dict[str, str]:
    """The fresh-sign-in page's context for the privacy actions (a download of one's data and
    an erasure are as sensitive as the SIP password: a session left open is not enough)."""
    return {"slug": slug, "heading": "privacy_title"}


def _page(name: str, request: AnyRequest, lang: str, status: int = 200, **context: Any) -> Template:
    other = "en-US" if lang == "fr-CA" else "fr-CA"
    return Template(
        template_name=name,
        context={
            "t": texts(lang),
            "lang": lang,
            "other_lang": other,
            "path": request.url.path,
            **context,
        },
        status_code=status,
    )


async def _plan(request: AnyRequest, slug: str) -> Overview | None:
    """The person's plan, use and standing; ``None`` (no section) without a billing account
    or when the platform database does not answer: the rest of the page still shows."""
    try:
        return await runtime_of(request).quotas.overview(slug)
    except Exception:
        logger.exception("plan of %s not shown", slug)
        return None


def _session_slug(request: AnyRequest) -> str | None:
    slug = request.session.get("slug") if request.session else None
    return str(slug) if slug else None


def _source(request: AnyRequest) -> str:
    """The client's address (behind the load balancer: the address it saw)."""
    return client_source(request.scope, runtime_of(request).settings.server.trusted_proxies)


def _too_many(request: AnyRequest, lang: str) -> Template:
    t = texts(lang)
    minutes = people_of(request).settings.login_window_s // 60
    body = t["too_many_body"].format(minutes=minutes)
    return _page("error.html", request, lang, 429, title=t["too_many_title"], body=body)


class PeoplePages(Controller):
    include_in_schema = False

    @get("/")
    async def landing(self, request: AnyRequest) -> Template | Redirect:
        slug = _session_slug(request)
        if slug:
            return Redirect(f"/people/{slug}")
        return _page("landing.html", request, _lang(request))

    @post("/login", status_code=200)
    async def send_link(self, request: AnyRequest, data: URLEncodedBody[LoginForm]) -> Template:
        people = people_of(request)
        lang = _lang(request)
        try:
            await people.request_login(data.email, _source(request))
        except TooManyLinks:
            return _too_many(request, lang)
        except MailError:
            return _page("error.html", request, lang, 503, title="—", body="email unavailable")
        minutes = people.settings.login_ttl_s // 60
        return _page("sent.html", request, lang, minutes=minutes)

    @get("/signup")
    async def signup_page(self, request: AnyRequest) -> Template:
        return _page("signup.html", request, _lang(request), regions=REGIONS)

    @post("/signup", status_code=200)
    async def signup(self, request: AnyRequest, data: URLEncodedBody[SignupForm]) -> Template:
        """A request for protection: recorded, then a new stack file in a commit to review
        (``ethiq people commit-changes``); a form never creates a tenant. Counted against the
        sign-in links' limits (its email)."""
        people = people_of(request)
        lang = data.language if data.language in LANGUAGES else _lang(request)
        try:
            phone, contact = to_e164(data.phone), to_e164(data.contact_number)
        except InvalidTenant:
            return _page(
                "signup.html", request, lang, 400, error="bad_phone", form=data, regions=REGIONS
            )
        if not await people.allow_request(data.email, _source(request)):
            return _too_many(request, lang)
        try:
            new = await people.signups.request(
                data.name, data.email, phone, lang, data.region, (data.contact_name, contact)
            )
        except ValueError:
            return _page(
                "signup.html",
                request,
                lang,
                400,
                error="signup_invalid",
                form=data,
                regions=REGIONS,
            )
        if new:  # asking twice writes once
            with contextlib.suppress(MailError):  # logged; the request waits for an operator
                await people.acknowledge_signup(data.name, data.email, lang)
        return _page("signup.html", request, lang, thanks=True)

    @post("/login/sms", status_code=200)
    async def send_sms_link(
        self, request: AnyRequest, data: URLEncodedBody[PhoneLoginForm]
    ) -> Template:
        """A sign-in link by SMS to the person's own number (same tokens as by email)."""
        people = people_of(request)
        lang = _lang(request)
        try:
            number = to_e164(data.number)
        except InvalidTenant:
            return _page("landing.html", request, lang, 400, error="bad_phone")
        try:
            await people.request_sms_login(number, _source(request))
        except TooManyLinks:
            return _too_many(request, lang)
        minutes = people.settings.login_ttl_s // 60
        return _page("sent.html", request, lang, minutes=minutes, by_sms=True)

    @get("/login/{token:str}")
    async def confirm(self, request: AnyRequest, token: FromPath[str]) -> Template:
        people = people_of(request)
        lang = _lang(request)
        try:
            await people.check(token)
        except BadLink:
            return self._bad_link(request, lang)
        return _page("confirm.html", request, lang, token=token)

    @post("/login/{token:str}", status_code=303)
    async def login(self, request: AnyRequest, token: FromPath[str]) -> Template | Redirect:
        people = people_of(request)
        try:
            slug = await people.consume(token)
        except BadLink:
            return self._bad_link(request, _lang(request))
        request.clear_session()
        request.set_session({"slug": slug, "login_at": int(time.time())})
        return Redirect(f"/people/{slug}", status_code=303)

    @post("/logout", status_code=303)
    async def logout(self, request: AnyRequest) -> Redirect:
        request.clear_session()
        return Redirect("/", status_code=303)

    @get("/people/{slug:str}")
    async def person(self, request: AnyRequest, slug: FromPath[str]) -> Template | Redirect:
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, person = found
        return await self._person_page(request, people, person)

    @post("/people/{slug:str}/phone", status_code=303)
    async def save_phone(
        self, request: AnyRequest, slug: FromPath[str], data: URLEncodedBody[PhoneForm]
    ) -> Template | Redirect:
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, person = found
        platform = data.platform if data.platform in PLATFORMS else ""
        carrier = data.carrier if data.carrier in CARRIERS else ""
        try:
            number = to_e164(data.own_number)  # 10 digits are a North American number
            await people.update_phone(slug, number, platform, carrier)
        except InvalidTenant:
            return await self._person_page(request, people, person, error="bad_number", status=400)
        return Redirect(f"/people/{slug}?saved=1", status_code=303)

    @post("/people/{slug:str}/forwarding/test", status_code=303)
    async def forwarding_test(
        self, request: AnyRequest, slug: FromPath[str]
    ) -> Template | Redirect:
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, person = found
        try:
            await people.start_test(slug, FORWARDING)
        except (ValueError, TestCallError):
            return await self._person_page(request, people, person, status=502, test_error=True)
        return Redirect(f"/people/{slug}#test", status_code=303)

    @post("/people/{slug:str}/monitored/test", status_code=303)
    async def monitored_test(
        self, request: AnyRequest, slug: FromPath[str], data: URLEncodedBody[NumberForm]
    ) -> Template | Redirect:
        """The forwarding test call to one of the household's other phones."""
        return await self._start_test(request, slug, FORWARDING, "monitored", data.number)

    @post("/people/{slug:str}/test-call", status_code=303)
    async def end_to_end_test(
        self, request: AnyRequest, slug: FromPath[str]
    ) -> Template | Redirect:
        """The full test call: the person's number, forwarded, rings their app."""
        return await self._start_test(request, slug, END_TO_END, "full", anchor="full-test")

    async def _start_test(
        self,
        request: AnyRequest,
        slug: str,
        kind: str,
        error: str,
        number: str = "",
        anchor: str = "",
    ) -> Template | Redirect:
        """Start a test call for the signed-in person; back to its section of the page, with
        ``?error=`` when it could not start."""
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, _ = found
        section = anchor or error
        try:
            await people.start_test(slug, kind, number)
        except (ValueError, TestCallError):
            return Redirect(f"/people/{slug}?error={error}#{section}", status_code=303)
        return Redirect(f"/people/{slug}#{section}", status_code=303)

    @post("/people/{slug:str}/contacts", status_code=303)
    async def add_contact(
        self, request: AnyRequest, slug: FromPath[str], data: URLEncodedBody[ContactForm]
    ) -> Template | Redirect:
        """Ask for a new emergency contact: a change of the stack, pending until applied."""
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, person = found
        try:
            number = to_e164(data.number)
            await people.changes.request(slug, Op.ADD, number, data.name, data.language)
        except InvalidTenant:
            return await self._person_page(request, people, person, contacts_error="bad_number")
        except ValueError:
            return await self._person_page(request, people, person, contacts_error="bad_contact")
        return Redirect(f"/people/{slug}?saved=contacts#contacts", status_code=303)

    @post("/people/{slug:str}/contacts/{op:str}", status_code=303)
    async def change_contact(
        self,
        request: AnyRequest,
        slug: FromPath[str],
        op: FromPath[str],
        data: URLEncodedBody[NumberForm],
    ) -> Template | Redirect:
        """Remove a contact or move it up or down the alert order (a stack change too)."""
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, person = found
        if op not in {Op.REMOVE, Op.UP, Op.DOWN}:
            return _page("forbidden.html", request, _lang(request, person), 404)
        tenant = await people.tenant(slug)
        if data.number not in {c.number for c in tenant.contacts}:
            return await self._person_page(request, people, person, contacts_error="bad_contact")
        try:
            await people.changes.request(slug, Op(op), data.number)
        except ValueError:
            return await self._person_page(request, people, person, contacts_error="bad_contact")
        return Redirect(f"/people/{slug}?saved=contacts#contacts", status_code=303)

    @post("/people/{slug:str}/numbers/{kind:str}", status_code=303)
    async def add_number(
        self,
        request: AnyRequest,
        slug: FromPath[str],
        kind: FromPath[str],
        data: URLEncodedBody[NumberForm],
    ) -> Template | Redirect:
        """Put a number on the trusted or the blocked list (off the other one)."""
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, person = found
        if kind not in set(ListKind):
            return _page("forbidden.html", request, _lang(request, person), 404)
        blocklist = runtime_of(request).blocklist
        try:
            number = to_e164(data.number)
            if kind == ListKind.BLOCKED:
                await blocklist.add(slug, number)
            else:
                await blocklist.preferences.add(slug, ListKind.TRUSTED, number)
        except InvalidTenant:
            return await self._person_page(request, people, person, prefs_error="bad_number")
        except InvalidPreference:
            return await self._person_page(request, people, person, prefs_error="list_full")
        return Redirect(f"/people/{slug}?saved=prefs#prefs", status_code=303)

    @post("/people/{slug:str}/numbers/{kind:str}/remove", status_code=303)
    async def remove_number(
        self,
        request: AnyRequest,
        slug: FromPath[str],
        kind: FromPath[str],
        data: URLEncodedBody[NumberForm],
    ) -> Template | Redirect:
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        if kind not in set(ListKind):
            return _page("forbidden.html", request, _lang(request, found[1]), 404)
        blocklist = runtime_of(request).blocklist
        if kind == ListKind.BLOCKED:
            await blocklist.remove(slug, data.number)
        else:
            await blocklist.preferences.remove(slug, ListKind.TRUSTED, data.number)
        return Redirect(f"/people/{slug}?saved=prefs#prefs", status_code=303)

    @post("/people/{slug:str}/quiet", status_code=303)
    async def quiet_hours(
        self, request: AnyRequest, slug: FromPath[str], data: URLEncodedBody[QuietForm]
    ) -> Template | Redirect:
        """Quiet hours in the tenant's time zone (from its region), or none."""
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, person = found
        preferences = runtime_of(request).blocklist.preferences
        if data.action == "clear":
            await preferences.set_quiet_hours(slug, None)
        else:
            tenant = await people.tenant(slug)
            zone = zone_for(tenant.region)
            try:
                hours = parse_quiet_hours(data.starts, data.ends, zone.key if zone else "UTC")
            except InvalidPreference:
                return await self._person_page(request, people, person, prefs_error="bad_time")
            await preferences.set_quiet_hours(slug, hours)
        return Redirect(f"/people/{slug}?saved=prefs#prefs", status_code=303)

    @get("/people/{slug:str}/sip")
    async def sip(self, request: AnyRequest, slug: FromPath[str]) -> Template | Redirect:
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, person = found
        lang = _lang(request, person)
        if not self._fresh(request, people):
            return _page("fresh.html", request, lang, slug=slug, heading="sip_title")
        tenant = await people.tenant(slug)
        error = request.query_params.get("error")
        return _page(
            "sip.html",
            request,
            lang,
            slug=slug,
            domain=sip_domain(tenant),
            username=tenant.sip_username,
            rotate_error=error == "rotate",
            app_test=await people.app_test(slug),
            app_test_error=error == "test",
        )

    @post("/people/{slug:str}/sip/test", status_code=303)
    async def app_test(self, request: AnyRequest, slug: FromPath[str]) -> Template | Redirect:
        """Ring the person's SIP app: answering it completes the onboarding step."""
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, _ = found
        try:
            await people.start_test(slug, APP)
        except (ValueError, TestCallError):
            return Redirect(f"/people/{slug}/sip?error=test#test", status_code=303)
        return Redirect(f"/people/{slug}/sip#test", status_code=303)

    @post("/people/{slug:str}/sip/password", status_code=200, cache_control=NO_STORE)
    async def sip_password(self, request: AnyRequest, slug: FromPath[str]) -> Template | Redirect:
        """A new SIP password, shown in this one response (never stored, never cached) with
        its QR code; the old password stops working at once."""
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, person = found
        lang = _lang(request, person)
        if not self._fresh(request, people):
            return _page("fresh.html", request, lang, slug=slug, heading="sip_title")
        tenant = await people.tenant(slug)
        try:
            password = await people.rotate_sip_password(slug, "the person (page)")
        except SipRotationError:
            return Redirect(f"/people/{slug}/sip?error=rotate", status_code=303)
        return _page(
            "sip_password.html",
            request,
            lang,
            slug=slug,
            domain=sip_domain(tenant),
            username=tenant.sip_username,
            password=password,
            qr=qr_svg(tenant, password),
        )

    @get("/people/{slug:str}/privacy")
    async def privacy(self, request: AnyRequest, slug: FromPath[str]) -> Template | Redirect:
        """Download one's data, ask for the erasure of one's history (see docs/privacy.md)."""
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        return await self._privacy_page(request, found[1])

    @post("/people/{slug:str}/privacy/export", status_code=200, cache_control=NO_STORE)
    async def export(
        self, request: AnyRequest, slug: FromPath[str]
    ) -> Stream | Template | Redirect:
        """The tenant's data as a JSON file (a POST with the CSRF token: a download is an
        access to personal data, audited; never cached), streamed as it is read: a long
        history never sits in memory."""
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        if not self._fresh(request, found[0]):
            return _page("fresh.html", request, _lang(request, found[1]), 403, **_stale(slug))
        chunks = await runtime_of(request).privacy.privacy.export(slug, "person")
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        return Stream(
            chunks,
            media_type="application/json; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="ethiq-{slug}-{day}.json"'},
        )

    @post("/people/{slug:str}/privacy/erase", status_code=303)
    async def erase(
        self, request: AnyRequest, slug: FromPath[str], data: URLEncodedBody[EraseForm]
    ) -> Template | Redirect:
        """A confirmed erasure request: the confirmation word typed (either language's), then
        the request recorded and its job queued; the worker erases (idempotent, audited)."""
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        person = found[1]
        if not self._fresh(request, found[0]):
            return _page("fresh.html", request, _lang(request, person), 403, **_stale(slug))
        typed = data.confirm.strip().upper()
        if typed not in {texts(lang)["erase_word"] for lang in LANGUAGES}:
            return await self._privacy_page(request, person, bad_word=True, status=400)
        jobs = runtime_of(request).privacy
        request_id = await jobs.privacy.request_erasure(slug, "person")
        await jobs.erase_soon(request_id)
        return Redirect(f"/people/{slug}/privacy?erase=requested#erase", status_code=303)

    async def _privacy_page(
        self,
        request: AnyRequest,
        person: PersonRecord,
        *,
        bad_word: bool = False,
        status: int = 200,
    ) -> Template:
        lang = _lang(request, person)
        privacy = runtime_of(request).privacy.privacy
        tenant = await people_of(request).tenant(person.slug)
        requests = [
            {
                "state": r["state"],
                "at": f"{r['requested_at']:%Y-%m-%d %H:%M}",
                "done": f"{r['done_at']:%Y-%m-%d %H:%M}" if r["done_at"] else "",
            }
            for r in await privacy.requests(person.slug)
        ]
        return _page(
            "privacy.html",
            request,
            lang,
            status,
            slug=person.slug,
            retention_days=privacy.settings.transcript_days(tenant.region),
            backup_days=privacy.settings.backup_days,
            requests=requests,
            requested=request.query_params.get("erase") == "requested",
            bad_word=bad_word,
        )

    @staticmethod
    def _fresh(request: AnyRequest, people: People) -> bool:
        login_at = int(request.session.get("login_at", 0))
        return time.time() - login_at <= people.settings.fresh_login_s

    @post("/people/{slug:str}/sip/link", status_code=200)
    async def sip_link(self, request: AnyRequest, slug: FromPath[str]) -> Template | Redirect:
        found = await self._own(request, slug)
        if not isinstance(found, tuple):
            return found
        people, person = found
        lang = _lang(request, person)
        try:
            await people.request_login(person.email, _source(request))
        except TooManyLinks:
            return _too_many(request, lang)
        return _page("sent.html", request, lang, minutes=people.settings.login_ttl_s // 60)

    async def _own(
        self, request: AnyRequest, slug: str
    ) -> tuple[People, PersonRecord] | Template | Redirect:
        """The session's person if ``slug`` is theirs; else the sign-in page or a 403 page."""
        own = _session_slug(request)
        if own is None:
            return Redirect("/")
        lang = _lang(request)
        if own != slug:
            return _page("forbidden.html", request, lang, 403)
        people = people_of(request)
        person = await people.person(slug)
        if person is None:
            request.clear_session()
            return Redirect("/")
        return people, person

    async def _person_page(
        self,
        request: AnyRequest,
        people: People,
        person: PersonRecord,
        error: str = "",
        status: int = 200,
        *,
        test_error: bool = False,
        prefs_error: str = "",
        contacts_error: str = "",
    ) -> Template:
        lang = _lang(request, person)
        try:
            tenant = await people.tenant(person.slug)
        except UnknownTenant:
            return _page("forbidden.html", request, lang, 404)
        # The tests before progress (the steps are never older than the tests shown).
        test = await people.forwarding_test(person.slug, own=True)
        monitored = await people.monitored(person.slug)
        full_test = await people.end_to_end_test(person.slug)
        onboarding = await people.progress(person.slug)
        t = texts(lang)
        number = tenant.phone_number
        preferences = runtime_of(request).blocklist.preferences
        if prefs_error or contacts_error:
            status = 400
        return _page(
            "person.html",
            request,
            lang,
            status,
            plan=await _plan(request, person.slug),
            trusted=await preferences.numbers(person.slug, ListKind.TRUSTED),
            blocked=await runtime_of(request).blocklist.numbers(person.slug),
            quiet=await preferences.quiet_hours(person.slug),
            prefs_error=prefs_error,
            contacts_error=contacts_error,
            contacts_saved=request.query_params.get("saved") == "contacts",
            changes=await people.changes.views(person.slug, tenant.contacts),
            person=person,
            number=number,
            onboarding=onboarding,
            contacts=await people.contacts(person.slug),
            us_texting=tenant.us_texting,  # "", "pending" or "approved": texts to US numbers
            toll_free=tenant.toll_free,  # then its verification: texts to Canadian ones too
            test=test,
            test_error=test_error,
            full_test=full_test,
            full_test_error=request.query_params.get("error") == "full",
            steps=STEPS,
            iphone_steps=t["iphone_steps"].format(number=number).split("|"),
            android_steps=t["android_steps"].format(number=number).split("|"),
            carriers=sorted(CARRIERS.values(), key=lambda c: (c.country, c.name)),
            codes=codes_for(person.carrier, number) if person.carrier else None,
            monitored=[(m, codes_for(m.carrier, number) if m.carrier else None) for m in monitored],
            monitored_error=request.query_params.get("error") == "monitored",
            saved=request.query_params.get("saved") == "1",
            prefs_saved=request.query_params.get("saved") == "prefs",
            error=error,
        )

    @staticmethod
    def _bad_link(request: AnyRequest, lang: str) -> Template:
        minutes = people_of(request).settings.login_ttl_s // 60
        return _page("bad_link.html", request, lang, 400, minutes=minutes)
