"""The person's pages in a real browser: Debian's chromium driven by Playwright against the
runtime served by Granian (``ethiq serve``), sign-in by the magic link read from a real SMTP
server, axe-core on every page (no serious or critical violation), another tenant refused.

``ETHIQ_SCREENSHOTS=docs/screenshots`` also saves one phone-sized screenshot per page there.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route, sync_playwright

from ethiq.sandbox.server import free_port
from runtime.people.i18n import texts
from runtime.settings import PeopleSettings
from runtime.storage import store_for_url
from runtime.telephony import paths
from runtime.telephony.passwords import new_sip_password
from runtime.telephony.signatures import SIGNATURE_HEADER, public_url, sign
from runtime.tenants import MonitoredNumber, Registry, TenantContact, TenantRecord
from tests.people.conftest import Inbox, parts
from tests.runtime.helpers import OPERATOR as HARNESS_OPERATOR
from tests.runtime.helpers import REGISTRY_KEY, harness, make_settings, make_tenant

pytestmark = pytest.mark.browser

OPERATOR = "op-token-pages"
STRIPE_KEY = "sk_test_" + "p" * 24
# Stripe's hosted pages (Checkout, Identity) are on Stripe's hosts, out of reach offline.
STRIPE_PAGES = re.compile(r"^https://[a-z]+\.stripe\.com/")
READY_S = 120.0  # a loaded 2-core machine can take a while to start a worker
CHROMIUM = shutil.which("chromium")
SERVE = "from ethiq.cli import app; app()"  # `ethiq serve`, with this interpreter


def _tenant(
    slug: str,
    number: str,
    sid_digit: str,
    contacts: tuple[TenantContact, ...] = (),
    **extra: Any,
) -> TenantRecord:
    return TenantRecord(
        slug=slug,
        phone_number=number,
        sip_address=f"sip:{slug}@{slug}.sip.twilio.com",
        sip_username=slug,
        subaccount_sid="AC" + sid_digit * 32,
        auth_token="token-" + slug,
        language="fr-CA",
        contacts=contacts,
        person_name="Alice",
        **extra,
    )


ALICE = _tenant(
    "maison-tremblay",
    "+15145550123",
    "a",
    (
        TenantContact("+15145550161", "Marie", priority=1),
        TenantContact("+15145550162", "Paul", priority=2),
    ),
)
# A New York tenant whose A2P 10DLC registration Twilio has not approved yet (the stack's
# Registration writes it: infra/tenant.py).
BOB = _tenant("famille-smith", "+12125550199", "b", region="US-NY", us_texting="pending")


async def _register(database_url: str, *tenants: TenantRecord) -> None:
    registry = Registry(store_for_url(database_url), REGISTRY_KEY)
    await registry.migrate()
    for tenant in tenants or (ALICE, BOB):
        await registry.upsert(tenant)
        await store_for_url(database_url).ensure(tenant.slug)
    await registry.close()


served_database: dict[str, str] = {}  # base URL -> the served runtime's DATABASE_URL


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Inbox, int], stripe_mock: str
) -> Iterator[str]:
    """The runtime served by Granian on loopback, with both tenants' people enrolled, Stripe
    answered by stripe-mock."""
    _, smtp_port = smtp
    tmp = tmp_path_factory.mktemp("pages")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{tmp}/ethiq.sqlite"
    asyncio.run(_register(database_url))
    served_database[base] = database_url
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ETHIQ_PUBLIC_URL": base,
        "ETHIQ_REGISTRY_KEY": REGISTRY_KEY,
        "ETHIQ_OPERATOR_TOKEN": OPERATOR,
        "ETHIQ_SMTP_HOST": "127.0.0.1",
        "ETHIQ_SMTP_PORT": str(smtp_port),
        "ETHIQ_OUTBOX_WORKER": "0",
        "STRIPE_API_KEY": STRIPE_KEY,
        "STRIPE_API_BASE_URL": stripe_mock,
        # Twilio unreachable at once (a closed port): what the pages say when it is down.
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{free_port()}",
    }
    env.pop("REDIS_URL", None)
    log_path = tmp / "runtime.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp,
        )
    try:
        with httpx.Client(base_url=base, timeout=10.0) as http:
            deadline = time.monotonic() + READY_S
            while True:
                if server.poll() is not None:
                    raise AssertionError(log_path.read_text())
                try:
                    if http.get("/health/live").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError("runtime not live: " + log_path.read_text())
                time.sleep(0.05)
            auth = {"Authorization": f"Bearer {OPERATOR}"}
            for tenant, email, language in (
                (ALICE, "alice@example.org", "fr-CA"),
                (BOB, "bob@example.org", "en-US"),
            ):
                enrolled = http.post(
                    "/operator/people/",
                    json={"slug": tenant.slug, "email": email, "language": language},
                    headers=auth,
                )
                assert enrolled.status_code == 201, enrolled.text
                assert enrolled.json()["current"] == "sip_app_configured"
            # Marie answers the invitation (a signed SMS webhook, as Twilio forwards it).
            params = {
                "MessageSid": "SM" + "c" * 32,
                "AccountSid": ALICE.subaccount_sid,
                "From": "+15145550161",
                "To": ALICE.phone_number,
                "Body": "OUI",
            }
            url = public_url(base, paths.SMS, "")
            headers = {SIGNATURE_HEADER: sign(ALICE.auth_token, url, params)}
            assert http.post(paths.SMS, data=params, headers=headers).status_code == 200
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run tools/setup.sh")
    with sync_playwright() as playwright:
        # Debian's chromium (Playwright's own browser download is not used); root needs
        # --no-sandbox.
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


def _phone(browser: Browser, lang: str = "fr-CA") -> Page:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale=lang, device_scale_factor=1
    )
    return context.new_page()


def _accessible(page: Page, name: str) -> None:
    """axe-core finds no serious or critical violation; optionally save a screenshot."""
    results = Axe().run(page)
    violations = results.response["violations"]
    print(
        f"axe {name}: {len(violations)} violations {[(v['id'], v['impact']) for v in violations]}"
    )
    serious = [v for v in violations if v["impact"] in {"serious", "critical"}]
    assert serious == [], f"{name}: {results.generate_report()}"
    target = os.environ.get("ETHIQ_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)


def _voice(base: str, caller: str) -> str:
    """The TwiML the runtime answers to a call from ``caller`` to Alice (signed as Twilio)."""
    params = {
        "CallSid": "CA" + caller[-10:].rjust(32, "0"),
        "AccountSid": ALICE.subaccount_sid,
        "From": caller,
        "To": ALICE.phone_number,
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    headers = {SIGNATURE_HEADER: sign(ALICE.auth_token, public_url(base, paths.VOICE, ""), params)}
    answer = httpx.post(base + paths.VOICE, data=params, headers=headers, timeout=10.0)
    assert answer.status_code == 200, answer.text
    return answer.text


def _link(inbox: Inbox, to: str, subject: str, count: int) -> str:
    text, html = parts(inbox.wait(to, subject, count))
    match = re.search(r"https?://\S+/login/\S+", text)
    assert match, text
    assert match.group(0) in html
    return match.group(0)


def _sign_in(page: Page, base: str, inbox: Inbox, email: str, subject: str, count: int) -> None:
    page.goto(base + "/")
    page.get_by_label(re.compile("courriel|Email", re.IGNORECASE)).fill(email)
    page.get_by_role("button", name=re.compile("^(M'envoyer le lien|Send me the link)$")).click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(_link(inbox, email, subject, count))
    page.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/people/"))


def test_person_signs_in_by_magic_link_and_sees_their_onboarding(
    served: str, browser: Browser, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    welcome_text, _ = parts(inbox.wait("alice@example.org", "Bienvenue"))
    assert f"{served}/people/maison-tremblay" in welcome_text
    page = _phone(browser)

    page.goto(served + "/")
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert page.get_by_role("heading", level=1).inner_text() == "Se connecter"
    _accessible(page, "login")
    page.get_by_label("Adresse courriel").fill("Alice@Example.org")
    page.get_by_role("button", name="M'envoyer le lien", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez vos courriels"
    _accessible(page, "login-sent")

    link = _link(inbox, "alice@example.org", "lien de connexion", 1)
    page.goto(link)
    _accessible(page, "login-confirm")
    page.get_by_role("button", name="Me connecter").click()
    page.wait_for_url(f"{served}/people/maison-tremblay")
    body = page.locator("main").inner_text()
    assert "+15145550123" in body
    assert "Fait — Compte créé" in body
    assert "Prochaine étape : Installez une application SIP" in body
    assert page.locator("[aria-current=step]").count() == 1
    assert page.locator("#us-texting").count() == 0  # a Canadian tenant: no US sender
    # Each contact's answer to their invitation (the worker is off here: Paul's is not sent).
    contacts = page.locator("ol.contacts li").all_inner_texts()
    assert "Marie · +15145550161 — A accepté" in contacts[0]
    assert "« OUI »" in contacts[0]
    assert "Paul · +15145550162 — Invitation en cours d'envoi" in contacts[1]

    # Their phone and carrier: the carrier's exact codes appear with the Ethiq number in them.
    page.get_by_label("Votre numéro de cellulaire").fill("514 555 0177")
    page.get_by_label("Votre téléphone", exact=True).select_option("android")
    page.get_by_label("Votre fournisseur").select_option("telus")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(re.compile(r"saved=1"))
    assert page.get_by_role("status").inner_text() == "Enregistré."
    codes = page.locator("code.dial").all_inner_texts()
    assert codes[:2] == ["*21*5145550123#", "#21#"]
    assert "TELUS" in page.locator("main").inner_text()
    source = page.locator("#codes-source").inner_text()
    assert source.startswith("Source : Soutien de TELUS Mobilité, renvoi d'appel"), source
    assert page.get_by_label("Votre numéro de cellulaire").input_value() == "+15145550177"
    _accessible(page, "person")

    # A contact change is a request: pending until the stack is committed and applied.
    page.get_by_role("button", name="Descendre Marie dans l'ordre").click()
    page.wait_for_url(re.compile(r"saved=contacts"))
    assert (
        "En attente — Descendre +15145550161"
        in page.locator("ol[aria-labelledby=changes]").inner_text()
    )

    # Preferences: a trusted number, a blocked one, quiet hours; the voice webhook obeys them
    # (a trusted caller rings the SIP app: tests/runtime/test_caller_preferences.py).
    page.get_by_label("Numéro de téléphone").first.fill("514 555 0188")
    page.get_by_role("button", name="Ajouter aux numéros de confiance").click()
    page.wait_for_url(re.compile(r"saved=prefs"))
    page.get_by_label("Numéro de téléphone").nth(1).fill("not a number")
    page.get_by_role("button", name="Bloquer ce numéro").click()
    assert page.get_by_role("alert").inner_text().startswith("Ce numéro n'est pas valide")
    page.get_by_label("Numéro de téléphone").nth(1).fill("+1 (438) 555-0199")
    page.get_by_role("button", name="Bloquer ce numéro").click()
    page.get_by_label("Début").fill("00:00")
    page.get_by_label("Fin").fill("23:59")
    page.get_by_role("button", name="Enregistrer les heures de silence").click()
    assert "+15145550188" in page.locator("ul[aria-labelledby=trusted]").inner_text()
    assert "+14385550199" in page.locator("ul[aria-labelledby=blocked]").inner_text()
    assert "Heures de silence : 00:00-23:59 (heure de America/Toronto)." in page.content()
    _accessible(page, "preferences")
    assert "<Reject" in _voice(served, "+14385550199")
    stranger = _voice(served, "+15145550100")  # quiet hours: a screened voicemail
    assert "<Record" in stranger
    assert "<Transcription" in stranger
    assert "<Dial" not in stranger
    page.get_by_role("button", name="Retirer +15145550188").click()
    page.get_by_role("button", name="Supprimer les heures de silence").click()
    assert "Aucune heure de silence." in page.locator("main").inner_text()
    assert page.locator("ul[aria-labelledby=trusted]").count() == 0  # empty again

    page.get_by_role("link", name="Voir les réglages SIP").click()
    settings = page.locator("main").inner_text()
    assert "maison-tremblay.sip.twilio.com" in settings
    assert "TLS" in settings
    assert "token-maison-tremblay" not in page.content()
    _accessible(page, "sip-settings")
    # A new password needs Twilio; unreachable, the page says the old one still works (the
    # password shown once: tests/runtime/test_call_path.py, against the sandbox).
    page.get_by_role("button", name="Créer un nouveau mot de passe").click()
    page.wait_for_url(re.compile(r"error=rotate"))
    assert "l'ancien fonctionne encore" in page.get_by_role("alert").inner_text()
    # So does ringing the app (its answer completes the step: tests/runtime/test_call_path.py).
    page.get_by_role("button", name="Faire sonner mon application").click()
    page.wait_for_url(re.compile(r"error=test"))
    assert "n'a pas pu être lancé" in page.get_by_role("alert").inner_text()

    # The link signed in once: a second use is refused.
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Ce lien ne fonctionne plus"
    _accessible(page, "link-used")

    # English on request.
    page.goto(f"{served}/people/maison-tremblay?lang=en-US")
    assert page.locator("html").get_attribute("lang") == "en-US"
    assert page.get_by_role("heading", level=1).inner_text() == "Your Ethiq protection"
    source = page.locator("#codes-source").inner_text()
    assert source.startswith("Source: TELUS Mobility support, call forwarding"), source
    page.context.close()


def test_the_emailed_stripe_link_hands_off_and_returns_to_the_persons_page(
    served: str, browser: Browser, smtp: tuple[Inbox, int]
) -> None:
    """The operator sends Alice Stripe's links (``POST /operator/people/{slug}/billing``,
    Stripe being stripe-mock); she opens the email's link in Chromium, which goes to Stripe's
    hosted page, and comes back to her page, which now has her plan: axe checks it.

    Stripe's hosted pages are not part of stripe-mock and Stripe is out of reach here, so the
    browser's request to them is caught (what Chromium asked for is asserted: the link of the
    email, on Stripe's host) and answered as Stripe does once the person is done: a redirect
    to the session's return URL (``success_url``/``return_url``,
    https://docs.stripe.com/payments/checkout/custom-success-page), the runtime's front door
    in her language (``People.landing_url``)."""
    inbox, _ = smtp
    email = "alice@example.org"
    page = _phone(browser)
    signed_in = [m for m in inbox.messages(email) if "lien de connexion" in str(m["Subject"])]
    _sign_in(page, served, inbox, email, "lien de connexion", len(signed_in) + 1)
    assert page.locator("#plan").count() == 0  # no billing account yet: no plan section

    body = {"email": email, "language": "fr-CA", "plan": "family"}
    sent = httpx.post(
        f"{served}/operator/people/{ALICE.slug}/billing",
        json=body,
        headers={"Authorization": f"Bearer {OPERATOR}"},
        timeout=30.0,
    )
    assert sent.status_code == 200, sent.text
    links = sent.json()
    assert links["emailed"] is True
    text, html = parts(inbox.wait(email, "vérifiez votre identité"))
    first = links["verification_url"] or links["checkout_url"]
    assert STRIPE_PAGES.match(first), first
    assert links["checkout_url"] in text

    asked: list[str] = []
    landing = f"{served}/?lang=fr-CA"

    def stripe(route: Route) -> None:
        asked.append(route.request.url)
        route.fulfill(status=303, headers={"Location": landing})

    page.context.route(STRIPE_PAGES, stripe)
    page.set_content(html)  # the email as her mail client shows it
    page.get_by_role("link", name=first).click()
    page.wait_for_url(f"{served}/people/{ALICE.slug}")
    assert asked == [first]  # Chromium went to Stripe's page, the email's link exactly
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    section = page.locator("#plan")
    assert section.inner_text() == "Votre forfait"
    assert "Forfait Famille" in page.locator("main").inner_text()
    meters = page.locator("ul[aria-labelledby=plan] li").all_inner_texts()
    assert meters
    assert meters[0].startswith("Minutes d'appels filtrés")
    _accessible(page, "person-plan")
    page.context.close()


def test_another_tenants_page_is_refused(
    served: str, browser: Browser, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    page = _phone(browser, "en-US")
    page.goto(served + "/")
    page.get_by_role("link", name="Not protected yet? Ask for Ethiq protection").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ask for Ethiq protection"
    _accessible(page, "signup")
    _sign_in(page, served, inbox, "bob@example.org", "sign-in link", 1)
    assert page.get_by_role("heading", level=1).inner_text() == "Your Ethiq protection"
    # US texting not approved yet: the page says so, and what it means for his US contacts.
    texting = page.locator("#us-texting-state")
    assert page.locator("#us-texting").inner_text() == "Texts to your US contacts"
    assert texting.inner_text().startswith("Pending registration.")
    assert "goes on to the next contact" in texting.inner_text()
    page.goto(f"{served}/people/famille-smith?lang=fr-CA")
    assert page.locator("#us-texting").inner_text() == "Textos à vos proches des États-Unis"
    assert texting.inner_text().startswith("En attente d'enregistrement.")
    assert "passe au proche suivant" in texting.inner_text()
    # Once the stack reads it approved, the page says so (and no longer warns).
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        approved = replace(BOB, us_texting="approved")
        pool.submit(asyncio.run, _register(served_database[served], approved)).result()
    page.reload()
    assert texting.inner_text().startswith("Approuvé. Vos proches qui ont un numéro américain")
    page.goto(f"{served}/people/famille-smith?lang=en-US")
    assert texting.inner_text() == "Approved. Your contacts with a US number get alert texts."
    # Bob's own data: a download (a JSON attachment of his tenant only), then an erasure
    # asked for with the typed word (a wrong word first).
    page.get_by_role("link", name="Download or erase your data").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your data"
    _accessible(page, "privacy")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data (JSON)").click()
    saved = Path(download.value.path())
    assert download.value.suggested_filename.startswith("ethiq-famille-smith-")
    exported = json.loads(saved.read_text())
    assert exported["tenant"] == "famille-smith"
    assert "+15145550123" not in saved.read_text()  # nothing of Alice's
    page.get_by_label("To confirm, type ERASE").fill("yes")
    page.get_by_role("button", name="Erase my history").click()
    assert "nothing was erased" in page.get_by_role("alert").inner_text()
    page.get_by_label("To confirm, type ERASE").fill("ERASE")
    page.get_by_role("button", name="Erase my history").click()
    assert "erasure request is recorded" in page.get_by_role("status").inner_text()
    assert "in progress" in page.locator("#erasures").inner_text()
    for path in (
        "/people/maison-tremblay",
        "/people/maison-tremblay/sip",
        "/people/maison-tremblay/privacy",
    ):
        response = page.goto(served + path)
        assert response is not None
        assert response.status == 403
        assert "+15145550123" not in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == "Access refused"
    _accessible(page, "forbidden")
    page.context.close()

    # Without a session, a person's page sends to sign-in; a form without the CSRF token fails.
    with httpx.Client(base_url=served, follow_redirects=False) as http:
        assert http.get("/people/famille-smith").headers["location"] == "/"
        assert http.post("/login", data={"email": "bob@example.org"}).status_code == 403
        forged = http.post("/people/famille-smith/numbers/blocked", data={"number": "+15145550100"})
        assert forged.status_code == 403


# The section on texts to contacts, for both senders that need Twilio's approval: a New York
# long code (A2P 10DLC) and a Quebec toll-free number (its Toll-Free Verification also gates
# texts to Canadian numbers), each as its stack writes it to the registry (infra/tenant.py).
TEXTING = {
    "us": _tenant("texting-ny", "+12125550177", "d", region="US-NY", us_texting="pending"),
    "toll-free": _tenant("texting-qc", "+18445550142", "e", region="CA-QC", us_texting="pending"),
}
# What the person reads: (title, first words, words that must be there), per sender, state and
# language.
SAYS = {
    ("us", "pending", "en-US"): (
        "Texts to your US contacts",
        "Pending registration. US carriers require",
        "goes on to the next contact in your list",
    ),
    ("us", "pending", "fr-CA"): (
        "Textos à vos proches des États-Unis",
        "En attente d'enregistrement. Les opérateurs américains",
        "passe au proche suivant de votre liste",
    ),
    ("us", "approved", "en-US"): (
        "Texts to your US contacts",
        "Approved. Your contacts with a US number get alert texts.",
        "",
    ),
    ("us", "approved", "fr-CA"): (
        "Textos à vos proches des États-Unis",
        "Approuvé. Vos proches qui ont un numéro américain reçoivent",
        "",
    ),
    ("toll-free", "pending", "en-US"): (
        "Texts to your contacts",
        "Pending verification. Canadian and US carriers require the toll-free number",
        "alert texts do not reach your contacts",
    ),
    ("toll-free", "pending", "fr-CA"): (
        "Textos à vos proches",
        "En attente de vérification. Les opérateurs canadiens et américains",
        "ne parviennent pas à vos proches",
    ),
    ("toll-free", "approved", "en-US"): (
        "Texts to your contacts",
        "Verified. Your contacts get alert texts.",
        "",
    ),
    ("toll-free", "approved", "fr-CA"): (
        "Textos à vos proches",
        "Vérifié. Vos proches reçoivent les alertes par texto.",
        "",
    ),
}


@pytest.mark.parametrize("sender", sorted(TEXTING))
def test_the_texts_to_contacts_section_is_accessible_and_says_where_texting_stands(
    served: str, browser: Browser, smtp: tuple[Inbox, int], sender: str
) -> None:
    """Pending, then approved once the stack reads it so: in both languages the section says
    where the sender's registration stands, and axe finds no violation at all in it."""
    inbox, _ = smtp
    tenant = TEXTING[sender]
    database_url = served_database[served]
    email = f"{tenant.slug}@example.org"
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        pool.submit(asyncio.run, _register(database_url, tenant)).result()
    with httpx.Client(base_url=served, timeout=10.0) as http:
        enrolled = http.post(
            "/operator/people/",
            json={"slug": tenant.slug, "email": email, "language": "en-US"},
            headers={"Authorization": f"Bearer {OPERATOR}"},
        )
        assert enrolled.status_code == 201, enrolled.text
    page = _phone(browser, "en-US")
    _sign_in(page, served, inbox, email, "sign-in link", 1)
    for state in ("pending", "approved"):
        if state == "approved":
            with ThreadPoolExecutor(1) as pool:
                approved = replace(tenant, us_texting="approved")
                pool.submit(asyncio.run, _register(database_url, approved)).result()
        for lang in ("en-US", "fr-CA"):
            page.goto(f"{served}/people/{tenant.slug}?lang={lang}")
            title, starts, says = SAYS[(sender, state, lang)]
            assert page.locator("#us-texting").inner_text() == title
            text = page.locator("#us-texting-state").inner_text()
            assert text.startswith(starts), text
            assert says in text
            warned = page.locator("#us-texting-state.warning").count()
            assert warned == (1 if state == "pending" else 0)
            results = Axe().run(page, context={"include": [["#us-texting"], ["#us-texting-state"]]})
            violations = results.response["violations"]
            assert violations == [], f"{sender} {state} {lang}: {results.generate_report()}"
            # The section itself was checked (its contrast too), not an empty selection.
            passed = {r["id"]: r["nodes"] for r in results.response["passes"]}
            assert "color-contrast" in passed
            checked = {tuple(n["target"]) for nodes in passed.values() for n in nodes}
            assert checked <= {("#us-texting",), ("#us-texting-state",)}, checked
            _accessible(page, f"texting-{sender}-{state}-{lang}")
    page.context.close()


# A family stack's two other phones: a spouse's on Bell, a son's whose carrier is not declared.
FAMILY = _tenant(
    "famille-roy",
    "+15145550188",
    "f",
    (TenantContact("+15145550171", "Marie", priority=1),),
    monitored_numbers=(
        MonitoredNumber("+15145550172", "Paul", "bell"),
        MonitoredNumber("+15145550173", "Luc"),
    ),
)


def test_the_monitored_numbers_section_is_accessible_with_each_phones_codes(
    served: str, browser: Browser, smtp: tuple[Inbox, int]
) -> None:
    """Each monitored phone is listed with its carrier's codes (the Ethiq number filled in),
    not verified yet and its own test call button, in both languages; axe finds no violation
    in the section."""
    inbox, _ = smtp
    email = f"{FAMILY.slug}@example.org"
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        pool.submit(asyncio.run, _register(served_database[served], FAMILY)).result()
    with httpx.Client(base_url=served, timeout=10.0) as http:
        enrolled = http.post(
            "/operator/people/",
            json={"slug": FAMILY.slug, "email": email, "language": "en-US"},
            headers={"Authorization": f"Bearer {OPERATOR}"},
        )
        assert enrolled.status_code == 201, enrolled.text
    page = _phone(browser, "en-US")
    _sign_in(page, served, inbox, email, "sign-in link", 1)
    for lang, unverified, button in (
        ("en-US", "Forwarding not verified yet", "Start this phone's test call"),
        ("fr-CA", "Renvoi pas encore vérifié", "Lancer l'appel d'essai de ce téléphone"),
    ):
        page.goto(f"{served}/people/{FAMILY.slug}?lang={lang}")
        phones = page.locator("#monitored ~ section.monitored")
        assert phones.count() == 2
        paul, luc = phones.nth(0), phones.nth(1)
        assert paul.get_by_role("heading").inner_text() == "Paul · +15145550172"
        assert paul.locator("code.dial").all_inner_texts()[:2] == [
            f"**21*{FAMILY.phone_number}#",
            "##21#",
        ]
        assert luc.locator("code.dial").count() == 0  # neither its nor the person's carrier
        for phone in (paul, luc):
            assert phone.locator("[data-verified]").inner_text() == unverified
            assert phone.get_by_role("button", name=button).count() == 1
        results = Axe().run(page, context={"include": [["section.monitored"]]})
        violations = results.response["violations"]
        assert violations == [], f"{lang}: {results.generate_report()}"
        _accessible(page, f"monitored-{lang}")
    page.context.close()


def test_the_new_sip_password_page_is_accessible(
    browser: Browser, smtp: tuple[Inbox, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page that shows a new SIP password once, as the runtime's own route renders it
    (signed in, CSRF, the real QR code). Twilio setting the password is proven against the
    sandbox (tests/runtime/test_call_path.py); here a stand-in rotator answers (the served
    runtime above has Twilio unreachable)."""
    inbox, port = smtp
    base = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    twilio = base.twilio.model_copy(update={"public_url": "http://internal.test:8000"})
    settings = base.model_copy(update={"twilio": twilio, "people": PeopleSettings(smtp_port=port)})
    password = new_sip_password()

    class Rotator:
        async def rotate(self, tenant: TenantRecord) -> str:
            return password

    async def shown() -> str:
        async with harness(settings) as h:
            tenant = await h.add_tenant(make_tenant())
            email = f"{tenant.slug}@example.org"
            body = {"slug": tenant.slug, "email": email}
            auth = {"Authorization": f"Bearer {HARNESS_OPERATOR}"}
            assert (await h.client.post("/operator/people/", json=body, headers=auth)).status_code
            monkeypatch.setattr(h.app.state.people, "_rotator", Rotator())
            await h.client.get("/")
            csrf = str(h.client.cookies["csrftoken"])
            await h.client.post("/login", data={"email": email, "_csrf_token": csrf})
            text, _ = parts(inbox.wait(email, "lien de connexion"))
            path = re.search(r"https?://[^/]+(/login/\S+)", text).group(1)  # type: ignore[union-attr]
            assert (await h.client.post(path, data={"_csrf_token": csrf})).status_code in {200, 303}
            url = f"/people/{tenant.slug}/sip/password"
            response = await h.client.post(url, data={"_csrf_token": csrf})
            assert response.status_code == 200, response.text
            assert response.headers["cache-control"] == "no-store"
            return response.text

    # Playwright's sync API runs an event loop in this thread: the app runs in another.
    with ThreadPoolExecutor(1) as pool:
        html = pool.submit(asyncio.run, shown()).result()
    page = _phone(browser)
    page.set_content(html)
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert page.locator("#sip-password").inner_text() == password
    assert page.get_by_role("img", name=texts("fr-CA")["sip_qr_label"]).count() == 1  # the QR
    _accessible(page, "sip-password")
    page.context.close()
