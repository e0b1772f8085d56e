"""The operator's onboarding routes and the sign-in flow over HTTP (Litestar's test client), on
SQLite + the in-process store and on PostgreSQL + Redis (sessions in Redis)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest

from runtime.fleet.kpi import onboarding_kpi
from runtime.people.onboarding import IN_PERSON, Step
from runtime.people.service import People
from runtime.settings import PeopleSettings, Settings
from tests.people.conftest import Inbox, parts
from tests.runtime.helpers import OPERATOR, harness, make_settings, make_tenant

AUTH = {"Authorization": f"Bearer {OPERATOR}"}
OWN = "+14385550142"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def settings(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    smtp: tuple[Inbox, int],
) -> Settings:
    _, port = smtp
    if request.param == "postgres":
        base = make_settings(
            request.getfixturevalue("postgres").url, request.getfixturevalue("redis").url
        )
    else:
        base = make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite")
    # The test client speaks plain HTTP: an http:// public URL keeps cookies without ``Secure``.
    twilio = base.twilio.model_copy(update={"public_url": "http://internal.test:8000"})
    return base.model_copy(update={"twilio": twilio, "people": PeopleSettings(smtp_port=port)})


def test_operator_enrols_and_follows_each_step(settings: Settings) -> None:
    async def run() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant(make_tenant(language="en-US"))
            body = {"slug": tenant.slug, "email": f"{tenant.slug}@example.org"}
            assert (await h.client.post("/operator/people/", json=body)).status_code == 401
            missing = await h.client.post(
                "/operator/people/", json={**body, "slug": "nobody-here"}, headers=AUTH
            )
            assert missing.status_code == 404
            bad = await h.client.post(
                "/operator/people/", json={**body, "email": "nope"}, headers=AUTH
            )
            assert bad.status_code == 400

            own = "+14385550142"
            enrolled = await h.client.post(
                "/operator/people/",
                json={**body, "language": "en-US", "own_number": own},
                headers=AUTH,
            )
            assert enrolled.status_code == 201, enrolled.text
            out = enrolled.json()
            assert out["current"] == "sip_app_configured"
            assert out["what_to_do"].startswith("Install a SIP app")
            # The welcome SMS goes from the tenant's number to the person's own, in English.
            [sms] = [m for m in h.sender.sent if m["to"] == own]
            assert sms["from"] == tenant.phone_number
            assert sms["body"].startswith("Ethiq: welcome!")
            assert f"/people/{tenant.slug}" in sms["body"]

            url = f"/operator/people/{tenant.slug}/onboarding"
            early = await h.client.post(url + "/test_call_passed", json={"how": "x"}, headers=AUTH)
            assert early.status_code == 409
            assert "sip_app_configured" in early.json()["detail"]
            unknown = await h.client.post(url + "/dance", json={"how": "x"}, headers=AUTH)
            assert unknown.status_code == 400
            for step in (
                "sip_app_configured",
                "forwarding_verified",
                "contacts_consented",
                "test_call_passed",
            ):
                done = await h.client.post(f"{url}/{step}", json={"how": "by hand"}, headers=AUTH)
                assert done.status_code == 201, done.text
            final = (await h.client.get(url, headers=AUTH)).json()
            assert final["active"]
            assert all(s["done"] and s["completed_at"] for s in final["steps"])
            listed = (await h.client.get("/operator/people/", headers=AUTH)).json()
            assert tenant.slug in [o["slug"] for o in listed]

    asyncio.run(run())


def test_each_step_completed_is_observed_once_by_step_and_by_whom(settings: Settings) -> None:
    """``ethiq_onboarding_step_seconds``: each step's time since the step before it, once per
    step (a step completed again is not), labelled by step and by who completed it, never by
    tenant; the first step (no start) and ``active`` (no time of its own) are not."""

    async def run() -> None:
        async with harness(settings) as h:
            registry = h.runtime.metrics.registry

            def observed() -> dict[tuple[str, str], float]:
                [family] = [
                    f for f in registry.collect() if f.name == "ethiq_onboarding_step_seconds"
                ]
                return {
                    (s.labels["step"], s.labels["by"]): s.value
                    for s in family.samples
                    if s.name.endswith("_count")
                }

            tenant = await h.add_tenant(make_tenant(language="en-US"))
            body = {"slug": tenant.slug, "email": f"{tenant.slug}@example.org"}
            assert (await h.client.post("/operator/people/", json=body, headers=AUTH)).is_success
            # Enrolment: identity and terms (no billing account: recorded as such) and the
            # number from the registry, each right after the account.
            assert observed() == {
                ("identity_verified", "person"): 1.0,
                ("terms_accepted", "person"): 1.0,
                ("number_provisioned", "system"): 1.0,
            }
            url = f"/operator/people/{tenant.slug}/onboarding/sip_app_configured"
            for _ in range(2):
                done = await h.client.post(url, json={"how": "by hand"}, headers=AUTH)
                assert done.is_success, done.text
            assert observed()[("sip_app_configured", "operator")] == 1.0
            [seconds] = [
                s.value
                for f in registry.collect()
                for s in f.samples
                if s.name == "ethiq_onboarding_step_seconds_sum"
                and s.labels["step"] == "sip_app_configured"
            ]
            assert 0.0 <= seconds < 60.0  # from the number's step, a moment ago
            [family] = [f for f in registry.collect() if f.name == "ethiq_onboarding_step_seconds"]
            assert {k for s in family.samples for k in s.labels} == {"step", "by", "le"}

    asyncio.run(run())


def test_sign_in_over_http_needs_csrf_and_a_fresh_link(
    settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp

    async def run() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant(make_tenant(language="fr-CA"))
            email = f"{tenant.slug}@example.org"
            enrolled = await h.client.post(
                "/operator/people/", json={"slug": tenant.slug, "email": email}, headers=AUTH
            )
            assert enrolled.status_code == 201
            landing = await h.client.get("/")
            assert landing.status_code == 200
            assert 'lang="fr-CA"' in landing.text
            csrf = h.client.cookies["csrftoken"]
            refused = await h.client.post("/login", data={"email": email})
            assert refused.status_code == 403
            sent = await h.client.post("/login", data={"email": email, "_csrf_token": csrf})
            assert sent.status_code == 200
            text, _ = parts(inbox.wait(email, "lien de connexion"))
            path = re.search(r"https?://[^/]+(/login/\S+)", text).group(1)  # type: ignore[union-attr]
            assert (await h.client.get(path)).status_code == 200
            signed_in = await h.client.post(
                path, data={"_csrf_token": csrf}, follow_redirects=False
            )
            assert signed_in.status_code == 303
            assert signed_in.headers["location"] == f"/people/{tenant.slug}"
            page = await h.client.get(f"/people/{tenant.slug}")
            assert page.status_code == 200
            assert tenant.phone_number in page.text
            again = await h.client.post(path, data={"_csrf_token": csrf})
            assert again.status_code == 400
            other = await h.add_tenant()
            assert (await h.client.get(f"/people/{other.slug}")).status_code == 403

    asyncio.run(run())


def test_sign_in_links_are_rate_limited_per_address_and_per_source(
    settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    """In the process on SQLite, in Redis (shared by every worker) on PostgreSQL + Redis."""
    inbox, _ = smtp
    people = settings.people.model_copy(
        update={"login_per_address": 2, "login_per_source": 3, "login_window_s": 3600}
    )
    limited = settings.model_copy(update={"people": people})

    async def run() -> None:
        async with harness(limited) as h:
            tenant = await h.add_tenant(make_tenant(language="en-US"))
            email = f"{tenant.slug}@example.org"
            body = {"slug": tenant.slug, "email": email, "language": "en-US"}
            assert (await h.client.post("/operator/people/", json=body, headers=AUTH)).status_code
            await h.client.get("/")
            csrf = h.client.cookies["csrftoken"]

            async def ask(address: str) -> int:
                form = {"email": address, "_csrf_token": csrf}
                response = await h.client.post("/login", data=form)
                return int(response.status_code)

            assert [await ask(email), await ask(email)] == [200, 200]
            refused = await h.client.post("/login", data={"email": email, "_csrf_token": csrf})
            assert refused.status_code == 429
            assert "Trop de liens de connexion" in refused.text  # no Accept-Language: French
            assert len(inbox.messages(email)) == 3  # the welcome and two links, no third
            # Another address from the same client: the source's limit (3) is reached too.
            assert await ask(f"other-{tenant.slug}@example.org") == 429

    asyncio.run(run())


def test_sign_in_link_by_sms_to_the_persons_own_number(settings: Settings) -> None:
    """The same single-use link as by email, texted from the person's Ethiq number to their
    own; counted against the same limits; an unknown number gets the same answer, no text."""
    people = settings.people.model_copy(update={"login_per_address": 2, "login_window_s": 3600})
    limited = settings.model_copy(update={"people": people})

    async def run() -> None:
        async with harness(limited) as h:
            tenant = await h.add_tenant(make_tenant(language="en-US"))
            own = "+14385550177"
            body = {
                "slug": tenant.slug,
                "email": f"{tenant.slug}@example.org",
                "language": "en-US",
                "own_number": own,
            }
            assert (await h.client.post("/operator/people/", json=body, headers=AUTH)).status_code
            landing = await h.client.get("/?lang=en-US")
            assert "Text me the link" in landing.text
            csrf = h.client.cookies["csrftoken"]

            async def ask(number: str) -> int:
                form = {"number": number, "_csrf_token": csrf}
                response = await h.client.post("/login/sms?lang=en-US", data=form)
                return int(response.status_code)

            def texts_to(number: str) -> list[dict[str, str]]:
                return [m for m in h.sender.sent if m["to"] == number and "sign-in" in m["body"]]

            forged = await h.client.post("/login/sms", data={"number": own})
            assert forged.status_code == 403  # no CSRF token
            assert await ask("(438) 555-0177") == 200  # as a person types it
            [sms] = texts_to(own)
            assert sms["from"] == tenant.phone_number
            assert "works once" in sms["body"]
            path = re.search(r"https?://[^/]+(/login/\S+)", sms["body"]).group(1)  # type: ignore[union-attr]
            assert (await h.client.get(path)).status_code == 200
            signed_in = await h.client.post(
                path, data={"_csrf_token": csrf}, follow_redirects=False
            )
            assert signed_in.headers["location"] == f"/people/{tenant.slug}"
            assert (await h.client.post(path, data={"_csrf_token": csrf})).status_code == 400

            stranger = "+14385550178"
            assert await ask(stranger) == 200  # the same answer: tells nothing
            assert texts_to(stranger) == []
            bad = await h.client.post(
                "/login/sms?lang=en-US", data={"number": "hello", "_csrf_token": csrf}
            )
            assert bad.status_code == 400
            assert "not a phone number" in bad.text
            assert await ask(own) == 200
            assert await ask(own) == 429  # the number's limit (2), as an address's
            assert len(texts_to(own)) == 2

    asyncio.run(run())


def test_a_signup_is_a_request_the_operator_turns_into_a_stack(
    settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    """The sign-up page records a request (no tenant, no number bought) and writes back, in
    the person's language; the operator lists it with the `ethiq tenant add` to run, then
    marks it done."""
    inbox, _ = smtp

    async def run() -> None:
        async with harness(settings) as h:
            page = await h.client.get("/signup?lang=en-US")
            assert page.status_code == 200
            assert "Ask for Ethiq protection" in page.text
            csrf = h.client.cookies["csrftoken"]
            form = {
                "name": "Hélène Tremblay",
                "email": "Helene@Example.org",
                "phone": "514 555 0144",
                "language": "fr-CA",
                "region": "CA-QC",
                "contact_name": "Marie",
                "contact_number": "514 555 0161",
            }
            forged = await h.client.post("/signup", data=form)
            assert forged.status_code == 403  # no CSRF token
            bad = await h.client.post("/signup", data={**form, "phone": "x", "_csrf_token": csrf})
            assert bad.status_code == 400
            no_contact = {**form, "contact_number": "", "_csrf_token": csrf}
            assert (await h.client.post("/signup", data=no_contact)).status_code == 400
            assert 'value="Hélène Tremblay"' in bad.text  # what was typed is kept
            assert '<option value="CA-QC" selected>Québec</option>' in bad.text
            elsewhere = {**form, "region": "FR-IDF", "_csrf_token": csrf}
            assert (await h.client.post("/signup", data=elsewhere)).status_code == 400
            before = len(inbox.messages("helene@example.org"))  # the module's inbox
            for _ in range(2):  # asking twice is one request
                sent = await h.client.post("/signup", data={**form, "_csrf_token": csrf})
                assert sent.status_code == 200
                assert "Merci, votre demande est reçue" in sent.text  # in the chosen language
            ack = inbox.wait("helene@example.org", "demande de protection", before + 1)
            text, html = parts(ack)
            assert "pour Hélène Tremblay" in text
            assert "Rien n'est acheté ni facturé avant votre accord" in text
            assert "/?lang=fr-CA" in html
            assert len(inbox.messages("helene@example.org")) == before + 1  # written once
            assert (await h.client.get("/operator/people/signups")).status_code == 401
            listed = await h.client.get("/operator/people/signups", headers=AUTH)
            [request] = listed.json()
            assert (request["name"], request["email"], request["phone"]) == (
                "Hélène Tremblay",
                "helene@example.org",
                "+15145550144",
            )
            assert request["command"] == (
                "ethiq tenant add helene-tremblay --email helene@example.org --lang fr-CA "
                "--person-name 'Hélène Tremblay' --region CA-QC --contact +15145550161:Marie"
            )
            # No tenant until its stack is applied.
            assert await h.runtime.registry.get("helene-tremblay") is None
            done = f"/operator/people/signups/{request['id']}/done"
            assert (await h.client.post(done, headers=AUTH)).status_code == 204
            assert (await h.client.post(done, headers=AUTH)).status_code == 404
            assert (await h.client.get("/operator/people/signups", headers=AUTH)).json() == []

    asyncio.run(run())


def test_every_operator_route_makes_the_onboarding_a_manual_one(settings: Settings) -> None:
    """The KPI's manual share counts an operator's hand whatever the route: a step recorded by
    hand, an identity checked in person, enrolment, Stripe's links, a test call, a SIP
    password. The person doing their steps and the system the rest is not manual."""

    async def run() -> None:
        async with harness(settings) as h:
            people: People = h.app.state.people

            async def manual(slug: str) -> bool:
                rows = await h.runtime.fleet.onboarding_rows()
                return onboarding_kpi([r for r in rows if r["slug"] == slug]).manual == 1

            async def enrolled(*, checked_in_person: bool = False) -> str:
                """A person enrolled by the system (as a sign-up is), their billing open."""
                tenant = await h.add_tenant(make_tenant(language="en-US"))
                await h.runtime.accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
                at = datetime.now(UTC)
                await h.runtime.accounts.accept_terms(tenant.slug, "2026-11", at)
                vid = (IN_PERSON + "Lise") if checked_in_person else "vs_1"
                await h.runtime.accounts.record_verification(tenant.slug, vid, "verified", at)
                await people.enroll(tenant.slug, f"{tenant.slug}@example.org", "en-US", OWN)
                await people.progress(tenant.slug)
                return tenant.slug

            alone = await enrolled()
            for step in (
                Step.SIP_APP_CONFIGURED,
                Step.FORWARDING_VERIFIED,
                Step.CONTACTS_CONSENTED,
                Step.TEST_CALL_PASSED,
            ):  # what progress() records once the person's phone and app proved it
                await people.complete(alone, step, "the person's test call answered")
            assert (await people.status(alone)).steps[-1].done
            assert not await manual(alone)

            in_person = await enrolled(checked_in_person=True)
            identity = (await people.status(in_person)).steps[1]
            assert identity.done, identity
            assert "in person by Lise" in identity.how
            assert await manual(in_person)

            by_hand = await enrolled()
            url = f"/operator/people/{by_hand}/onboarding/sip_app_configured"
            done = await h.client.post(url, json={"how": "set up on a call"}, headers=AUTH)
            assert done.status_code == 201, done.text
            assert await manual(by_hand)

            tenant = await h.add_tenant(make_tenant(language="en-US"))
            body = {"slug": tenant.slug, "email": f"{tenant.slug}@example.org"}
            assert (await h.client.post("/operator/people/", json=body, headers=AUTH)).is_success
            assert await manual(tenant.slug)

            for path in ("app-test", "forwarding-test", "test-call", "sip-password"):
                slug = await enrolled()
                await h.client.post(f"/operator/people/{slug}/{path}", headers=AUTH)
                assert await manual(slug), path

    asyncio.run(run())
