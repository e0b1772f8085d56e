"""Privacy rights: a person downloads their data and erases their history from their page (only
their own tenant's, never another's), transcripts expire per region, erasure is a job of the
worker; callers in all-party-consent regions hear the consent notice first."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest
from procrastinate.periodic import PeriodicDeferrer

from runtime.alerts.tables import bind_tables
from runtime.people.service import migrate_people
from runtime.privacy.jobs import ERASE, RETENTION
from runtime.privacy.service import EXPORT_FORMAT, EXPORT_PAGE, Privacy
from runtime.privacy.tables import ErasureRequest
from runtime.settings import PeopleSettings, PrivacySettings, Settings
from runtime.storage import TenantStore, bind_table, store_for_url
from runtime.tenants import Registry, TenantRecord
from runtime.web import pages
from tests.people.conftest import Inbox, parts
from tests.runtime import helpers
from tests.runtime.helpers import (
    OPERATOR,
    REGISTRY_KEY,
    SCAM_LINES_FR,
    Harness,
    harness,
    make_settings,
    make_tenant,
    parse_twiml,
    sid,
)
from tests.runtime.test_transcription import consent_all

AUTH = {"Authorization": f"Bearer {OPERATOR}"}


@pytest.fixture
def settings(tmp_path: Path, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Pages on plain http (their cookies are not Secure), webhooks signed for that URL."""
    _, port = smtp
    monkeypatch.setattr(helpers, "PUBLIC", "http://internal.test:8000")
    base = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    twilio = base.twilio.model_copy(update={"public_url": helpers.PUBLIC})
    return base.model_copy(update={"twilio": twilio, "people": PeopleSettings(smtp_port=port)})


async def _sign_in(h: Harness, inbox: Inbox, tenant: TenantRecord) -> str:
    email = f"{tenant.slug}@example.org"
    body = {"slug": tenant.slug, "email": email}
    assert (await h.client.post("/operator/people/", json=body, headers=AUTH)).status_code == 201
    await h.client.get("/")
    csrf = str(h.client.cookies["csrftoken"])
    await h.client.post("/login", data={"email": email, "_csrf_token": csrf})
    text, _ = parts(inbox.wait(email, "lien de connexion"))
    path = re.search(r"https?://[^/]+(/login/\S+)", text).group(1)  # type: ignore[union-attr]
    assert (await h.client.post(path, data={"_csrf_token": csrf})).status_code in {200, 303}
    return csrf


async def _scam_call(h: Harness, tenant: TenantRecord) -> str:
    """A call whose transcript is a scam: segments, a verdict timeline and alerts."""
    await consent_all(h, tenant)
    call_sid, answer = await h.call(tenant)
    assert answer.status_code == 200
    for sequence, line in enumerate(SCAM_LINES_FR, start=1):
        assert (await h.say(tenant, call_sid, sequence, line)).status_code == 204
    return call_sid


async def _counts(h: Harness, tenant: TenantRecord) -> dict[str, int]:
    t = bind_tables(h.runtime.storage.engine(tenant.slug))
    return {
        "calls": await t.Call.count(),
        "segments": await t.Segment.count(),
        "verdicts": await t.VerdictEvent.count(),
        "alerts": await t.Alert.count(),
        "contacts": await t.Contact.count(),
        "consents": await t.Consent.count(),
    }


def test_a_person_downloads_and_erases_only_their_own_tenants_data(
    settings: Settings, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, _ = smtp
    mine, other = make_tenant(region="CA-QC"), make_tenant(region="US-CA", language="en-US")

    async def scenario() -> None:
        async with harness(settings) as h:
            for tenant in (mine, other):
                await h.add_tenant(tenant)
            my_call, other_call = await _scam_call(h, mine), await _scam_call(h, other)
            csrf = await _sign_in(h, inbox, mine)
            base = f"/people/{mine.slug}/privacy"

            page = await h.client.get(base)
            assert page.status_code == 200
            assert 'action="/people/' + mine.slug + '/privacy/erase"' in page.text
            assert "90 jours" in page.text  # Quebec: ETHIQ_TRANSCRIPT_RETENTION_DAYS' CA
            assert (await h.client.post(f"{base}/export")).status_code == 403  # no CSRF token
            theirs = await h.client.post(
                f"/people/{other.slug}/privacy/export", data={"_csrf_token": csrf}
            )
            assert theirs.status_code == 403
            assert other.phone_number not in theirs.text

            download = await h.client.post(f"{base}/export", data={"_csrf_token": csrf})
            assert download.status_code == 200
            assert download.headers["content-disposition"].startswith(
                f'attachment; filename="ethiq-{mine.slug}-'
            )
            assert download.headers["content-type"].startswith("application/json")
            assert "no-store" in download.headers["cache-control"]
            assert "content-length" not in download.headers  # streamed as it is read
            data = download.json()
            assert (data["format"], data["tenant"]) == (EXPORT_FORMAT, mine.slug)
            assert data["profile"]["person"]["email"] == f"{mine.slug}@example.org"
            [call] = data["calls"]
            assert (call["sid"], call["verdict"]) == (my_call, "scam")
            assert call["reasons"]
            assert call["verdict_timeline"]
            assert [s["text"] for s in call["transcript"]] == list(SCAM_LINES_FR)
            assert {a["contact_number"] for a in data["alerts"]} <= {
                c.number for c in mine.contacts
            }
            assert data["alerts"]
            assert data["consent_records"]
            assert set(data["billing"]) == {
                "account",
                "usage_periods",
                "quota_notices",
                "replaced_identity_sessions",
            }
            # Nothing of the other tenant, nor any secret, is in the file.
            for foreign in (other_call, other.phone_number, other.slug, "US-CA"):
                assert foreign not in download.text
            assert mine.auth_token not in download.text

            # Erasure: the typed word is required (either language's), CSRF-safe.
            before = await _counts(h, mine)
            assert (before["calls"], before["segments"], before["alerts"]) == (
                1,
                3,
                1,
            )  # the first contact in the chain
            wrong = await h.client.post(
                f"{base}/erase", data={"confirm": "oui", "_csrf_token": csrf}
            )
            assert wrong.status_code == 400
            assert "a été effacé" in wrong.text  # nothing was
            forged = await h.client.post(f"{base}/erase", data={"confirm": "EFFACER"})
            assert forged.status_code == 403
            assert await _counts(h, mine) == before
            # A session signed in long ago is not enough: a fresh sign-in first, as for the SIP
            # password (ETHIQ_FRESH_LOGIN_S). The pages' clock moves past it.
            later = time.time() + settings.people.fresh_login_s + 1
            with monkeypatch.context() as clock:
                clock.setattr(pages, "time", SimpleNamespace(time=lambda: later))
                for action, data in (("export", {}), ("erase", {"confirm": "EFFACER"})):
                    stale = await h.client.post(
                        f"{base}/{action}", data={**data, "_csrf_token": csrf}
                    )
                    assert stale.status_code == 403
                    assert "demande une connexion récente" in stale.text
            assert await _counts(h, mine) == before
            assert [a["action"] for a in await h.runtime.privacy.privacy.audit(mine.slug)] == [
                "export"  # the download above; the stale ones read nothing
            ]

            # One declared contact was removed from the stack since: it goes with the history.
            kept, removed = mine.contacts[0], mine.contacts[1]
            await h.runtime.registry.upsert(replace(mine, contacts=(kept,)))
            asked = await h.client.post(
                f"{base}/erase",
                data={"confirm": " effacer ", "_csrf_token": csrf},
                follow_redirects=False,
            )
            assert asked.status_code == 303
            assert (await h.client.get(asked.headers["location"])).text.count("en cours") == 1
            # The worker's daily job runs requests whose job never ran (none runs in the test).
            await h.runtime.privacy.run_due()
            after = await _counts(h, mine)
            assert after == {
                "calls": 0,
                "segments": 0,
                "verdicts": 0,
                "alerts": 0,
                "contacts": 1,  # still declared: kept with its consent
                "consents": 1,
            }
            assert (await _counts(h, other))["segments"] == 3  # the other tenant is untouched
            assert "faite le" in (await h.client.get(base)).text

            # Audited with counts only; a second run (a retried job) erases nothing more.
            privacy = h.runtime.privacy.privacy
            [request] = await privacy.requests(mine.slug)
            again = await privacy.erase(int(request["id"]))
            assert again.erased == {}
            audit = await privacy.audit(mine.slug)
            assert [(a["action"], a["actor"]) for a in audit] == [
                ("export", "person"),
                ("erase_request", "person"),  # who asked, when
                ("erase", "worker"),  # when it was done, what was erased
            ]
            erased = audit[2]["counts"]
            assert (erased["call"], erased["transcript_segment"]) == (1, 3)
            assert (erased["contact"], erased["contacts_kept"]) == (1, 1)
            text = json.dumps(audit, default=str)
            for personal in (kept.number, removed.number, mine.phone_number, "@example.org"):
                assert personal not in text

            # A caller of the all-party-consent tenant hears the notice before transcription.
            _, answer = await h.call(other)
            root = parse_twiml(answer.text)
            assert [child.tag for child in root][:3] == ["Say", "Say", "Start"]
            assert "transcribed" in (root[0].text or "")
            _, plain = await h.call(mine)
            assert parse_twiml(plain.text)[0].tag == "Start"  # Quebec: one-party consent

            # An operator asks on the other person's behalf: the same request and job, audited
            # with the operator's name; only that tenant's history goes.
            await h.client.post(
                "/operator/people/",
                json={"slug": other.slug, "email": "o@example.org"},
                headers=AUTH,
            )
            route = f"/operator/people/{other.slug}/erasure"
            body = {"by": "Dana  Ops"}
            assert (await h.client.post(route, json=body)).status_code == 401
            bad = {"Authorization": "Bearer wrong"}
            assert (await h.client.post(route, json=body, headers=bad)).status_code == 401
            unknown = await h.client.post(
                "/operator/people/nobody-here/erasure", json=body, headers=AUTH
            )
            assert unknown.status_code == 404
            invalid = await h.client.post(
                "/operator/people/Bad_Slug/erasure", json=body, headers=AUTH
            )
            assert invalid.status_code == 400
            nameless = await h.client.post(route, json={"by": " "}, headers=AUTH)
            assert nameless.status_code == 400
            mine_before = await _counts(h, mine)
            assert (await _counts(h, other))["calls"] == 2
            asked = await h.client.post(route, json=body, headers=AUTH)
            assert asked.status_code == 202
            assert asked.json()["state"] == "pending"
            await h.runtime.privacy.run_due()
            assert (await _counts(h, other))["calls"] == 0
            assert await _counts(h, mine) == mine_before
            audit = await privacy.audit(other.slug)
            assert [(a["action"], a["actor"]) for a in audit] == [
                ("erase_request", "operator Dana Ops"),
                ("erase", "worker"),
            ]
            [done] = await privacy.requests(other.slug)
            assert (done["state"], done["requested_by"]) == ("done", "operator Dana Ops")

    asyncio.run(scenario())


def test_transcripts_expire_per_region_and_the_call_and_verdict_stay(tmp_path: Path) -> None:
    """On SQLite (the embedded default); on PostgreSQL, the worker test below runs it."""
    database_url = f"sqlite:///{tmp_path}/ethiq.sqlite"
    now = datetime.now(UTC)
    quebec, new_york = make_tenant(region="CA-QC"), make_tenant(region="US-NY")

    async def scenario() -> None:
        storage = store_for_url(database_url)
        registry = Registry(storage, REGISTRY_KEY)
        await registry.migrate()
        privacy = Privacy(
            storage=storage,
            registry=registry,
            settings=PrivacySettings(transcript_retention="CA=90,US=30"),
            clock=lambda: now,
        )
        await _people_tables(storage)
        for tenant in (quebec, new_york):
            await registry.upsert(tenant)
            await storage.ensure(tenant.slug)
            await _call_with_segments(storage, tenant, now, ages_days=(100, 40, 1))
        result = await privacy.purge_transcripts()
        assert (result.segments, result.errors) == (1 + 2, 0)
        assert await _ages(storage, quebec, now) == [40, 1]  # 90 days in Canada
        assert await _ages(storage, new_york, now) == [1]  # 30 in the US
        for tenant in (quebec, new_york):
            t = bind_tables(storage.engine(tenant.slug))
            assert await t.Call.count() == 1
            verdicts = await t.VerdictEvent.select().output(load_json=True)
            assert len(verdicts) == 3  # every verdict stays, with its reasons
            assert all(v["reasons"] == ["gift cards"] for v in verdicts)
        again = await privacy.purge_transcripts()
        assert again.segments == 0
        [audit] = await privacy.audit(new_york.slug)
        assert (audit["action"], audit["counts"]) == ("retention", {"transcript_segment": 2})
        await storage.close()

    asyncio.run(scenario())


async def _people_tables(storage: Any) -> None:
    await migrate_people(storage.platform_engine())


async def _call_with_segments(
    storage: Any, tenant: TenantRecord, now: datetime, ages_days: tuple[int, ...]
) -> None:
    t = bind_tables(storage.engine(tenant.slug))
    started = now - timedelta(days=max(ages_days))
    await t.Call.insert(
        t.Call(
            sid=sid("CA"),
            from_number="+15145550199",
            to_number=tenant.phone_number,
            started_at=started,
            verdict="scam",
            reasons=["gift cards"],
        )
    )
    call_id = (await t.Call.select(t.Call.id).first())["id"]  # type: ignore[index]
    for sequence, age in enumerate(ages_days, start=1):
        at = now - timedelta(days=age)
        await t.Segment.insert(
            t.Segment(
                call=call_id,
                track="inbound_track",
                sequence=sequence,
                text=f"said {age} days ago",
                final=True,
                received_at=at,
            )
        )
        segment = await t.Segment.select(t.Segment.id).where(t.Segment.sequence == sequence).first()
        assert segment is not None
        await t.VerdictEvent.insert(
            t.VerdictEvent(
                call=call_id,
                segment=segment["id"],
                risk=0.9,
                verdict="scam",
                reasons=["gift cards"],
                created_at=at,
            )
        )


async def _ages(storage: Any, tenant: TenantRecord, now: datetime) -> list[int]:
    t = bind_tables(storage.engine(tenant.slug))
    rows = await t.Segment.select(t.Segment.received_at).order_by(t.Segment.received_at)
    return [
        round((now - r["received_at"].replace(tzinfo=UTC)).total_seconds() / 86400) for r in rows
    ]


@pytest.mark.services
def test_erasure_and_retention_are_jobs_of_the_worker(postgres: Any) -> None:
    """On PostgreSQL, as `ethiq worker` runs them: the page's request is a queued job; a
    request whose job was lost is run by the daily job."""
    settings = make_settings(postgres.url)

    async def scenario() -> None:
        async with harness(settings) as h:
            jobs = h.runtime.jobs
            periodic = {
                key: task.cron
                for key, task in jobs.app.periodic_registry.periodic_tasks.items()
                if key[0] == RETENTION
            }
            assert periodic == {(RETENTION, "privacy"): settings.worker.privacy}
            tenant = await h.add_tenant(make_tenant(region="CA-QC"))
            await _scam_call(h, tenant)
            privacy = h.runtime.privacy
            # The streamed download on PostgreSQL: one valid document, the call's transcript.
            chunks = [c async for c in await privacy.privacy.export(tenant.slug)]
            [exported] = json.loads(b"".join(chunks))["calls"]
            assert [s["text"] for s in exported["transcript"]] == list(SCAM_LINES_FR)
            queued = await privacy.privacy.request_erasure(tenant.slug)
            assert await privacy.privacy.request_erasure(tenant.slug) == queued  # joins it
            assert await privacy.erase_soon(queued)
            assert not await privacy.erase_soon(queued)  # one job per request
            await jobs.app.run_worker_async(
                queues=jobs.queues, wait=False, install_signal_handlers=False
            )
            [done] = await privacy.privacy.requests(tenant.slug)
            assert (done["state"], done["erased"]["call"]) == ("done", 1)
            assert (await _counts(h, tenant))["segments"] == 0

            # A crash lost the job of a second request: the periodic job runs it, after the
            # transcript retention (a US tenant's 40-day-old segment goes, yesterday's stays).
            await _scam_call(h, tenant)
            lost = await privacy.privacy.request_erasure(tenant.slug)
            us = await h.add_tenant(make_tenant(region="US-NY"))
            now = datetime.now(UTC)
            await _call_with_segments(h.runtime.storage, us, now, ages_days=(40, 1))
            tick = int(datetime.now(UTC).timestamp())
            await PeriodicDeferrer(jobs.app.periodic_registry).defer_jobs(
                [
                    (task, tick)
                    for key, task in jobs.app.periodic_registry.periodic_tasks.items()
                    if key[0] == RETENTION
                ]
            )
            await jobs.app.run_worker_async(
                queues=jobs.queues, wait=False, install_signal_handlers=False
            )
            r = bind_table(ErasureRequest, h.runtime.storage.platform_engine())
            row = await r.select(r.state).where(r._meta.primary_key == lost).first()
            assert row is not None
            assert row["state"] == "done"
            assert (await _counts(h, tenant))["calls"] == 0
            assert await _ages(h.runtime.storage, us, now) == [1]
            assert ((await _counts(h, us))["calls"], (await _counts(h, us))["verdicts"]) == (1, 2)
            assert ERASE.startswith("ethiq.privacy.")

    asyncio.run(scenario())


_FAILURES = (sqlite3.IntegrityError, asyncpg.PostgresError, asyncpg.InterfaceError)
# Raised by the database mid-erasure (the contacts go last), or the connection killed there.
_FAIL_POSTGRES = {
    "failing statement": "RAISE EXCEPTION 'injected failure'",
    "killed connection": "PERFORM pg_terminate_backend(pg_backend_pid())",
}


async def _history(storage: Any, tenant: TenantRecord, now: datetime) -> None:
    """Two calls with transcripts and verdicts, an alert, a notice, an SMS received, and two
    contacts with their consent: the first declared by the stack, the second no longer."""
    t = bind_tables(storage.engine(tenant.slug))
    await _call_with_segments(storage, tenant, now, ages_days=(3, 2, 1))
    call_id = (await t.Call.select(t.Call.id).first())["id"]  # type: ignore[index]
    await t.Call.insert(
        t.Call(sid=sid("CA"), from_number="+1", to_number=tenant.phone_number, started_at=now)
    )
    for number in (tenant.contacts[0].number, "+15145550177"):
        await t.Contact.insert(t.Contact(number=number, name="Contact"))
        contact = await t.Contact.select(t.Contact.id).where(t.Contact.number == number).first()
        assert contact is not None
        await t.Consent.insert(t.Consent(contact=contact["id"], kind="accept", at=now))
        undeclared = int(contact["id"])  # the last one
    await t.Alert.insert(
        t.Alert(call=call_id, contact=undeclared, kind="scam", created_at=now, updated_at=now)
    )
    await t.Notice.insert(
        t.Notice(
            key=f"missed-call:{call_id}",
            call=call_id,
            kind="missed-call",
            created_at=now,
            updated_at=now,
        )
    )
    await t.InboundMessage.insert(
        t.InboundMessage(sid=sid("SM"), from_number="+1", received_at=now)
    )


async def _tenant_rows(storage: Any, tenant: TenantRecord) -> dict[str, int]:
    t = bind_tables(storage.engine(tenant.slug))
    tables = ("Call", "Segment", "VerdictEvent", "Alert", "Notice", "InboundMessage", "Contact")
    return {name: await getattr(t, name).count() for name in (*tables, "Consent")}


async def _erase_failing(
    privacy: Privacy, request_id: int, engine: Any, event: str, what: str, body: str
) -> None:
    """Run the erasure with a trigger ``BEFORE <event>`` (e.g. ``DELETE ON contact``) that fails
    it: raises on SQLite (``body`` empty), runs ``body`` on PostgreSQL (a raise, or killing the
    connection); the erasure must fail, then the trigger is dropped."""
    table = event.split(" ON ")[1]
    if not body:  # SQLite
        await engine.run_ddl(
            f"CREATE TRIGGER ethiq_fails BEFORE {event} BEGIN SELECT RAISE(ABORT, 'injected'); END"
        )
    else:
        ret = "OLD" if event.startswith("DELETE") else "NEW"
        await engine.run_ddl(
            "CREATE OR REPLACE FUNCTION ethiq_fails() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {body}; RETURN {ret}; END $$"
        )
        await engine.run_ddl(
            f"CREATE TRIGGER ethiq_fails BEFORE {event} FOR EACH ROW EXECUTE FUNCTION ethiq_fails()"
        )
    with pytest.raises(_FAILURES) as failed:
        await privacy.erase(request_id)
    assert "injected" in str(failed.value) or what == "killed connection", failed.value
    await engine.run_ddl("DROP TRIGGER ethiq_fails" + ("" if not body else f" ON {table}"))


async def _erasable(
    database_url: str, tenant: TenantRecord, now: datetime
) -> tuple[TenantStore, Privacy, dict[str, int]]:
    """A registered tenant's store with a history to erase: its store, the privacy service and
    the tenant's row counts before any erasure."""
    storage = store_for_url(database_url, pool_size=2)
    registry = Registry(storage, REGISTRY_KEY)
    await registry.migrate()
    await _people_tables(storage)
    privacy = Privacy(
        storage=storage, registry=registry, settings=PrivacySettings(), clock=lambda: now
    )
    await registry.upsert(tenant)
    await storage.ensure(tenant.slug)
    await _history(storage, tenant, now - timedelta(seconds=1))
    return storage, privacy, await _tenant_rows(storage, tenant)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.services)]
)
def test_an_erasure_cut_short_erases_nothing_and_its_retry_erases_all(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """One transaction in the tenant's store: a statement that fails mid-erasure (a trigger on
    the last table erased) or, on PostgreSQL, the connection killed there, leaves every row
    and the request pending; the next run erases it all, audited once."""
    if backend == "sqlite":
        database_url, failures = f"sqlite:///{tmp_path}/ethiq.sqlite", {"failing statement": ""}
    else:
        database_url, failures = request.getfixturevalue("postgres").url, _FAIL_POSTGRES
    now = datetime.now(UTC)
    tenant = make_tenant(region="CA-QC")

    async def scenario() -> None:
        storage, privacy, before = await _erasable(database_url, tenant, now)
        assert before == {
            "Call": 2,
            "Segment": 3,
            "VerdictEvent": 3,
            "Alert": 1,
            "Notice": 1,
            "InboundMessage": 1,
            "Contact": 2,
            "Consent": 2,
        }
        request_id = await privacy.request_erasure(tenant.slug)
        engine = storage.engine(tenant.slug)
        for what, body in failures.items():
            await _erase_failing(privacy, request_id, engine, "DELETE ON contact", what, body)
            assert await _tenant_rows(storage, tenant) == before, what  # nothing half-erased
            [pending] = await privacy.requests(tenant.slug)
            assert (pending["state"], pending["erased"]) == ("pending", {}), what
        assert [a["action"] for a in await privacy.audit(tenant.slug)] == ["erase_request"]

        result = await privacy.erase(request_id)
        assert await _tenant_rows(storage, tenant) == {
            **dict.fromkeys(before, 0),
            "Contact": 1,  # declared by the stack: kept with its consent
            "Consent": 1,
        }
        assert result.erased["call"] == 2
        assert result.erased["transcript_segment"] == 3
        assert (result.erased["contact"], result.erased["consent"], result.kept_contacts) == (
            1,
            1,
            1,
        )
        [done] = await privacy.requests(tenant.slug)
        assert (done["state"], done["erased"]["verdict"]) == ("done", 3)
        audit = await privacy.audit(tenant.slug)
        assert [a["action"] for a in audit] == ["erase_request", "erase"]
        assert (await privacy.erase(request_id)).erased == {}  # a retried job: nothing more
        await storage.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.services)]
)
def test_an_erasure_cut_between_its_two_commits_audits_every_row_on_its_retry(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The tenant's transaction commits, then the platform's fails (a statement raising, or on
    PostgreSQL the connection killed, as the request is marked done): the tenant's rows are
    gone, the request stays pending, and its retry, which deletes nothing more there, audits
    the rows the first run erased, read from the tenant's store."""
    if backend == "sqlite":
        database_url, failures = f"sqlite:///{tmp_path}/ethiq.sqlite", {"failing statement": ""}
    else:
        database_url, failures = request.getfixturevalue("postgres").url, _FAIL_POSTGRES
    now = datetime.now(UTC)
    tenant = make_tenant(region="CA-QC")

    async def scenario() -> None:
        storage, privacy, before = await _erasable(database_url, tenant, now)
        request_id = await privacy.request_erasure(tenant.slug)
        platform = storage.platform_engine()
        for what, body in failures.items():
            await _erase_failing(
                privacy, request_id, platform, "UPDATE ON erasure_request", what, body
            )
            [pending] = await privacy.requests(tenant.slug)
            assert pending["state"] == "pending", what
            assert [a["action"] for a in await privacy.audit(tenant.slug)] == ["erase_request"]
        after = {**dict.fromkeys(before, 0), "Contact": 1, "Consent": 1}
        assert await _tenant_rows(storage, tenant) == after  # the first run's commit stands

        result = await privacy.erase(request_id)
        erased = {
            "call": before["Call"],
            "transcript_segment": before["Segment"],
            "verdict": before["VerdictEvent"],
            "alert": before["Alert"],
            "person_notice": before["Notice"],
            "inbound_message": before["InboundMessage"],
            "contact": 1,
            "consent": 1,
            "invitation": 0,
        }
        audit = await privacy.audit(tenant.slug)
        assert [a["action"] for a in audit] == ["erase_request", "erase"]
        counts = audit[-1]["counts"]
        assert {name: counts[name] for name in erased} == erased
        assert (counts["contacts_kept"], result.kept_contacts) == (1, 1)
        assert {name: result.erased[name] for name in erased} == erased
        [done] = await privacy.requests(tenant.slug)
        assert done["state"] == "done"
        assert {name: done["erased"][name] for name in erased} == erased
        assert (await privacy.erase(request_id)).erased == {}  # a retried job: nothing more
        assert await _tenant_rows(storage, tenant) == after
        await storage.close()

    asyncio.run(scenario())


def test_a_long_history_is_exported_whole_page_by_page(tmp_path: Path) -> None:
    """More calls than fit a page (:data:`EXPORT_PAGE`): the streamed document is valid JSON
    holding every call once, in order, each with its own transcript and timeline, every alert
    and SMS; no chunk carries more than a page of calls."""
    now = datetime.now(UTC)
    tenant = make_tenant(region="CA-QC")
    n = 2 * EXPORT_PAGE + 57

    async def scenario() -> None:
        storage = store_for_url(f"sqlite:///{tmp_path}/ethiq.sqlite", pool_size=1)
        registry = Registry(storage, REGISTRY_KEY)
        await registry.migrate()
        await _people_tables(storage)
        privacy = Privacy(
            storage=storage, registry=registry, settings=PrivacySettings(), clock=lambda: now
        )
        await registry.upsert(tenant)
        await storage.ensure(tenant.slug)
        t = bind_tables(storage.engine(tenant.slug))
        await t.Contact.insert(t.Contact(number=tenant.contacts[0].number, name="Contact"))
        at = now - timedelta(days=1)
        sids = [f"CA{i:032x}" for i in range(n)]
        await t.Call.insert(
            *(
                t.Call(sid=s, from_number="+15145550199", to_number="+1", started_at=at)
                for s in sids
            )
        )
        ids = [r["id"] for r in await t.Call.select(t.Call.id).order_by(t.Call.id)]
        await t.Segment.insert(
            *(
                t.Segment(
                    call=i, track="inbound_track", sequence=q, text=f"{i}-{q}", received_at=at
                )
                for i in ids
                for q in (1, 2)
            )
        )
        await t.VerdictEvent.insert(
            *(t.VerdictEvent(call=i, risk=0.1, verdict="safe", created_at=at) for i in ids)
        )
        await t.Alert.insert(
            *(
                t.Alert(call=i, contact=1, kind="scam", created_at=at, updated_at=at)
                for i in ids[::2]
            )
        )
        await t.InboundMessage.insert(
            *(
                t.InboundMessage(sid=f"SM{i:032x}", from_number="+1", received_at=at)
                for i in range(3)
            )
        )

        chunks = [chunk async for chunk in await privacy.export(tenant.slug)]
        assert max(chunk.count(b'"sid": "CA') for chunk in chunks) <= EXPORT_PAGE
        document = json.loads(b"".join(chunks))
        assert (document["format"], document["tenant"]) == (EXPORT_FORMAT, tenant.slug)
        calls = document["calls"]
        assert [c["sid"] for c in calls] == sids  # every call once, in order
        for c in calls:
            assert [s["text"] for s in c["transcript"]] == [f"{c['id']}-1", f"{c['id']}-2"]
            assert [v["verdict"] for v in c["verdict_timeline"]] == ["safe"]
        assert len(document["alerts"]) == len(ids[::2])
        assert {a["contact_number"] for a in document["alerts"]} == {tenant.contacts[0].number}
        assert len(document["messages_received"]) == 3
        assert document["profile"]["ethiq_number"] == tenant.phone_number
        assert set(document["billing"]) == {
            "account",
            "usage_periods",
            "quota_notices",
            "replaced_identity_sessions",
        }
        [audit] = document["privacy"]["audit"]  # written before the first byte
        assert audit["counts"]["calls"] == n
        assert audit["counts"]["transcript_segments"] == 2 * n
        with pytest.raises(LookupError):
            await privacy.export("nobody-here")
        await storage.close()

    asyncio.run(scenario())
