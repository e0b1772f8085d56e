"""Onboarding steps, magic links and the welcome email on SQLite and PostgreSQL, real SMTP."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from runtime.billing import Accounts
from runtime.billing.tables import BillingAccount
from runtime.email import SmtpMailer
from runtime.people.forwarding import CARRIERS, codes_for
from runtime.people.i18n import texts
from runtime.people.links import BadLink, LinkSigner
from runtime.people.onboarding import STEPS, Step, StepOutOfOrder
from runtime.people.service import People, UnknownTenant
from runtime.people.sip import account_uri, qr_svg
from runtime.regions import CARRIER_KEYS
from runtime.settings import PeopleSettings
from runtime.storage import TenantStore, store_for_url
from runtime.storage.bind import bind_table
from runtime.telephony.passwords import new_sip_password
from runtime.tenants import Registry, TenantRecord
from runtime.web.state import billing_standing
from tests.people.conftest import Inbox, parts
from tests.runtime.helpers import REGISTRY_KEY
from tests.storage.conftest import unique_number, unique_slug


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres").url
        return url
    return f"sqlite:///{tmp_path}/ethiq.sqlite"


@pytest.fixture
def tenant() -> TenantRecord:
    """A tenant no other test uses (the PostgreSQL database is shared by the module)."""
    slug = unique_slug("maison")
    return TenantRecord(
        slug=slug,
        phone_number=unique_number(),
        sip_address=f"sip:{slug}@{slug}.sip.twilio.com",
        sip_username=slug,
        subaccount_sid="AC" + uuid.uuid4().hex,
        auth_token="secret-token",  # noqa: S106 (a test tenant's)
        language="fr-CA",
    )


@pytest.fixture
def people(database_url: str, tenant: TenantRecord, smtp: tuple[Inbox, int]) -> People:
    _, port = smtp
    storage = store_for_url(database_url)
    registry = Registry(storage, REGISTRY_KEY)
    settings = PeopleSettings(smtp_port=port, login_ttl_s=60)
    service = People(
        storage=storage,
        registry=registry,
        settings=settings,
        secret=b"k" * 32,
        public_url="https://ethiq.example.org",
        mailer=SmtpMailer(settings),
    )

    async def setup() -> None:
        await registry.migrate()
        await registry.upsert(tenant)
        await service.migrate()
        assert await service.migrate() == []  # applied once, never twice

    asyncio.run(setup())
    return service


def test_enrol_records_the_systems_steps_and_sends_a_french_welcome(
    people: People, tenant: TenantRecord, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    email = f"Lise.{tenant.slug}@Example.org "
    status = asyncio.run(people.enroll(tenant.slug, email, "fr-CA"))
    # No billing account: the tenant's number predates identity checks, and says so.
    assert [s.step for s in status.steps if s.done] == [
        Step.ACCOUNT_CREATED,
        Step.IDENTITY_VERIFIED,
        Step.TERMS_ACCEPTED,
        Step.NUMBER_PROVISIONED,
    ]
    assert status.current is Step.SIP_APP_CONFIGURED
    assert "predates identity checks" in status.steps[1].how
    assert tenant.phone_number in status.steps[3].how
    welcome = inbox.wait(email.strip().lower(), "Bienvenue")
    assert welcome["Content-Language"] == "fr-CA"
    text, html = parts(welcome)
    assert tenant.phone_number in text
    assert f"https://ethiq.example.org/people/{tenant.slug}" in text
    assert f'href="https://ethiq.example.org/people/{tenant.slug}"' in html
    assert "mot de passe" in text  # says none will ever be emailed


def test_steps_complete_in_order_once_and_active_follows(
    people: People, tenant: TenantRecord
) -> None:
    async def run() -> None:
        await people.enroll(tenant.slug, f"{tenant.slug}@example.org", "en-US")
        with pytest.raises(StepOutOfOrder, match="sip_app_configured"):
            await people.complete(tenant.slug, Step.TEST_CALL_PASSED, "too early")
        for step in STEPS[4:-1]:
            status = await people.complete(tenant.slug, step, f"{step} by test")
        assert status.active
        assert status.steps[-1].how == "every step before it completed"
        again = await people.complete(tenant.slug, Step.SIP_APP_CONFIGURED, "twice")
        assert again.steps[4].how == "sip_app_configured by test"  # the first record stays

    asyncio.run(run())


def test_unknown_tenant_and_bad_or_taken_email_are_refused(
    people: People, tenant: TenantRecord, database_url: str
) -> None:
    with pytest.raises(UnknownTenant):
        asyncio.run(people.enroll("nobody", "a@example.org", "fr-CA"))
    with pytest.raises(ValueError, match="email"):
        asyncio.run(people.enroll(tenant.slug, "not-an-email", "fr-CA"))
    assert asyncio.run(people.person(tenant.slug)) is None  # nothing half-written
    slug = unique_slug("autre")
    other = replace(
        tenant, slug=slug, phone_number=unique_number(), subaccount_sid="AC" + uuid.uuid4().hex
    )
    asyncio.run(Registry(store_for_url(database_url), REGISTRY_KEY).upsert(other))
    asyncio.run(people.enroll(tenant.slug, f"{tenant.slug}@example.org", "fr-CA"))
    with pytest.raises(ValueError, match="another tenant"):
        asyncio.run(people.enroll(slug, f"{tenant.slug}@example.org", "fr-CA"))
    assert asyncio.run(people.person(slug)) is None


def test_magic_link_is_single_use_and_only_for_its_owner(
    people: People, tenant: TenantRecord, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    email = f"marc.{tenant.slug}@example.org"

    async def run() -> None:
        await people.enroll(tenant.slug, email, "en-US")
        assert not await people.request_login("stranger@example.org")  # nothing sent
        assert await people.request_login(email.upper())

    asyncio.run(run())
    text, _ = parts(inbox.wait(email, "sign-in link"))
    token = re.search(r"/login/(\S+)", text).group(1)  # type: ignore[union-attr]
    assert asyncio.run(people.check(token)) == tenant.slug  # opening it does not use it
    assert asyncio.run(people.consume(token)) == tenant.slug
    with pytest.raises(BadLink, match="already used"):
        asyncio.run(people.consume(token))
    assert inbox.messages("stranger@example.org") == []


def test_forged_and_expired_links_are_refused() -> None:
    signer = LinkSigner(b"s" * 32, ttl_s=60)
    token, claims = signer.issue("maison-dupuis", now=1_000.0)
    assert signer.verify(token, now=1_030.0) == claims
    with pytest.raises(BadLink, match="expired"):
        signer.verify(token, now=1_061.0)
    _payload, _, signature = token.partition(".")
    other, _ = LinkSigner(b"s" * 32, ttl_s=60).issue("autre-maison", now=1_000.0)
    with pytest.raises(BadLink, match="not one we sent"):
        signer.verify(f"{other.partition('.')[0]}.{signature}", now=1_030.0)
    with pytest.raises(BadLink, match="not one we sent"):
        LinkSigner(b"t" * 32, ttl_s=60).verify(token, now=1_030.0)


def test_forwarding_codes_fill_in_the_ethiq_number() -> None:
    telus = codes_for("telus", "+15145550111")
    assert (telus.activate, telus.deactivate) == ("*21*5145550111#", "#21#")
    bell = codes_for("bell", "+15145550111")
    assert (bell.activate, bell.deactivate) == ("**21*+15145550111#", "##21#")
    assert bell.conditional == "**004*+15145550111#"
    verizon = codes_for("verizon", "+12125550111")
    assert (verizon.activate, verizon.deactivate, verizon.conditional) == (
        "*722125550111",
        "*73",
        None,
    )
    # T-Mobile's page gives no code but forwards to 10- or 11-digit numbers only: not "+1…".
    tmobile = codes_for("tmobile", "+12125550111")
    assert (tmobile.activate, tmobile.deactivate) == ("**21*2125550111#", "##21#")
    assert (tmobile.conditional, tmobile.conditional_off) == ("**004*2125550111#", "##004#")
    assert {c.country for c in CARRIERS.values()} == {"CA", "US"}
    # Koodo's and Vidéotron's own pages give TELUS's form: *21* + the number + #, #21#.
    for key in ("koodo", "videotron"):
        codes = codes_for(key, "+15145550111")
        assert (codes.activate, codes.deactivate) == ("*21*5145550111#", "#21#"), key
    # Each source in each language (the page's). A code is checked only where the carrier's
    # own page states it; every other source says it is not: those codes are unverified.
    english, french = texts("en-US"), texts("fr-CA")
    checked = {key for key, carrier in CARRIERS.items() if carrier.page}
    assert checked == {"telus", "koodo", "videotron", "verizon"}
    for key, carrier in CARRIERS.items():
        en, fr = english[carrier.source_key], french[carrier.source_key]
        assert en != fr, key
        if carrier.page:
            assert carrier.page in en, key
            assert carrier.page in fr, key
        else:
            assert "not checked" in en, key
            assert "non vérifiée" in fr, key
    # Verizon's page gives *72, not *73: the source says where *73 came from, unverified.
    verizon_en, verizon_fr = english["source_verizon"], french["source_verizon"]
    assert "*73" in verizon_en
    assert "not checked on Verizon's page" in verizon_en
    assert "*73" in verizon_fr
    assert "non vérifié sur la page de Verizon" in verizon_fr
    # T-Mobile's source says where the 10-digit form came from: its own page's number rule.
    assert "10- or 11-digit numbers" in english["source_tmobile"]
    assert "10 ou 11 chiffres" in french["source_tmobile"]


def test_the_sip_qr_code_holds_the_account_and_passwords_follow_twilios_rules(
    tenant: TenantRecord,
) -> None:
    odd = replace(tenant, sip_username="a b@c")
    assert account_uri(odd, "Pa:ss/1") == (
        f"sip:a%20b%40c:Pa%3Ass%2F1@{tenant.slug}.sip.twilio.com;transport=tls"
    )
    assert qr_svg(tenant, "Secret123abc").startswith("<svg")
    passwords = {new_sip_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) >= 12
        assert any(c.isupper() for c in password)
        assert any(c.islower() for c in password)
        assert any(c.isdigit() for c in password)


def test_identity_and_terms_come_before_the_number_and_a_failure_says_what_to_do(
    database_url: str, tenant: TenantRecord, smtp: tuple[Inbox, int]
) -> None:
    """The billing steps complete from billing's record (the web layer's reader, on the real
    ``billing_account`` table); a failed or expired check names what to do in both languages."""
    storage, accounts, service = _with_billing(database_url, smtp)

    async def run() -> None:
        await storage.ensure_platform()
        await Registry(storage, REGISTRY_KEY).upsert(tenant)
        await service.migrate()
        await accounts.open(tenant.slug, f"cus_{tenant.slug}", "family")
        at = datetime.now(UTC)
        await accounts.record_verification(
            tenant.slug, "vs_1", "requires_input", at, error="document_unverified_other"
        )
        status = await service.enroll(tenant.slug, f"{tenant.slug}@example.org", "en-US")
        assert status.current is Step.IDENTITY_VERIFIED  # the number step waits for it
        [identity] = [s for s in status.steps if s.step is Step.IDENTITY_VERIFIED]
        assert identity.todo == "do_identity_verified_requires_input_document"
        for language in ("fr-CA", "en-US"):
            assert texts(language)[identity.todo]
        assert "did not succeed" in texts("en-US")[identity.todo]

        await accounts.record_verification(tenant.slug, "vs_1", "canceled", at)
        status = await service.progress(tenant.slug)
        assert status.steps[1].todo == "do_identity_verified_canceled"  # expired: a new link

        await accounts.record_verification(tenant.slug, "vs_2", "verified", at)
        status = await service.progress(tenant.slug)
        assert status.current is Step.TERMS_ACCEPTED
        assert status.steps[1].how.startswith("verification vs_2 verified at ")

        await accounts.accept_terms(tenant.slug, "2026-12", at)
        status = await service.progress(tenant.slug)
        assert status.current is Step.SIP_APP_CONFIGURED
        assert status.steps[2].how.startswith("terms 2026-12 accepted at ")
        assert tenant.phone_number in status.steps[3].how

    asyncio.run(run())


def _with_billing(
    database_url: str, smtp: tuple[Inbox, int]
) -> tuple[TenantStore, Accounts, People]:
    """People reading billing's record through the web layer's reader."""
    _, port = smtp
    storage = store_for_url(database_url)
    accounts = Accounts(storage)
    service = People(
        storage=storage,
        registry=Registry(storage, REGISTRY_KEY),
        settings=PeopleSettings(smtp_port=port, login_ttl_s=60),
        secret=b"k" * 32,
        public_url="https://ethiq.example.org",
        mailer=SmtpMailer(PeopleSettings(smtp_port=port)),
        standing=billing_standing(accounts),
    )
    return storage, accounts, service


# Stripe's last_error.code of a failed check -> the kind of text the person reads.
FAILED_CHECKS = [
    ("document_expired", "do_identity_verified_requires_input_document"),
    ("id_number_mismatch", "do_identity_verified_requires_input_document"),
    ("selfie_face_mismatch", "do_identity_verified_requires_input_selfie"),
    ("abandoned", "do_identity_verified_requires_input_abandoned"),
    ("consent_declined", "do_identity_verified_requires_input_abandoned"),
    ("under_supported_age", "do_identity_verified_requires_input"),
    ("unknown", "do_identity_verified_requires_input"),  # an error without a code
]


def test_a_new_session_says_verify_your_identity_and_a_failed_one_says_what_failed(
    database_url: str, tenant: TenantRecord, smtp: tuple[Inbox, int]
) -> None:
    """Stripe's ``requires_input`` is both a session waiting for the person to start and a
    failed check: without an error the page asks them to verify their identity (the start
    text, not "did not succeed"); with one it names what failed, in both languages. A row
    recorded before errors were kept (NULL) is read as waiting: the person may always retry."""
    storage, accounts, service = _with_billing(database_url, smtp)
    table = bind_table(BillingAccount, storage.platform_engine())

    async def todo() -> str:
        status = await service.progress(tenant.slug)
        assert status.current is Step.IDENTITY_VERIFIED
        return status.steps[1].todo

    async def run() -> None:
        await storage.ensure_platform()
        await Registry(storage, REGISTRY_KEY).upsert(tenant)
        await service.migrate()
        await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
        await service.enroll(tenant.slug, f"{tenant.slug}@example.org", "fr-CA")
        at = datetime.now(UTC)
        await accounts.record_verification(tenant.slug, "vs_new", "requires_input", at)
        assert await todo() == "do_identity_verified"
        assert "did not succeed" not in texts("en-US")["do_identity_verified"]
        assert texts("en-US")["do_identity_verified"].startswith("Verify your identity")
        assert texts("fr-CA")["do_identity_verified"].startswith("Vérifiez votre identité")

        seen = set()
        for code, key in FAILED_CHECKS:
            await accounts.record_verification(
                tenant.slug, "vs_new", "requires_input", at, error=code
            )
            assert (code, await todo()) == (code, key)
            seen.add(key)
        english, french = texts("en-US"), texts("fr-CA")
        assert len({english[k] for k in seen}) == len({french[k] for k in seen}) == len(seen) == 4
        assert all("did not succeed" in english[k] for k in seen - {FAILED_CHECKS[3][1]})
        assert all("n'a pas abouti" in french[k] for k in seen - {FAILED_CHECKS[3][1]})
        assert "selfie" in english[FAILED_CHECKS[2][1]]
        assert "égoportrait" in french[FAILED_CHECKS[2][1]]
        assert "ID document" in english[FAILED_CHECKS[0][1]]
        assert "pièce d'identité" in french[FAILED_CHECKS[0][1]]

        # Recorded before the error was kept: NULL, the start text.
        await table.update({table.kyc_error: None}).where(table.tenant == tenant.slug)
        account = await accounts.get(tenant.slug)
        assert account is not None
        assert (account.kyc_status, account.kyc_error) == ("requires_input", None)
        assert await todo() == "do_identity_verified"

    asyncio.run(run())


def test_the_carriers_a_stack_may_name_are_those_with_forwarding_codes() -> None:
    """The tenant program checks a monitored number's carrier against a list of keys only, so
    that it never imports the pages' code: the two must name the same carriers."""
    assert tuple(CARRIERS) == CARRIER_KEYS
