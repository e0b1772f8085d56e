"""Operators across tenants, through the operator API of the real app: a campaign caller is
flagged, counted and logged once; a platform-wide block rejects the caller on every tenant,
survives a restart and keeps its audit trail; Alertmanager's webhook opens incidents that only
an operator closes; the KPIs are computed from those records."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from procrastinate.periodic import PeriodicDeferrer
from prometheus_client import CollectorRegistry
from redis import Redis

from runtime.fleet.kpi import Provisioned, onboarding_kpi, provisioning_kpi
from runtime.fleet.service import PROVISIONING_JOB, record_provisioning
from runtime.fleet.tables import Incident
from runtime.metrics import OTHER_TENANTS, Metrics
from runtime.people.onboarding import BY_OPERATOR, STEPS, Step
from runtime.settings import Settings
from runtime.storage.bind import bind_table
from runtime.telephony import paths
from runtime.telephony.signatures import public_url
from runtime.web.operator_pages import DEGRADED_RECENT
from tests.runtime.helpers import (
    OPERATOR,
    SCAM_LINES_FR,
    harness,
    make_settings,
    unique_caller,
)

AUTH = {"Authorization": f"Bearer {OPERATOR}"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if request.param == "postgres":
        # A Redis database of this module's own, emptied: the surge count spans every tenant,
        # so other modules' scam verdicts within the window would count too.
        redis_url = request.getfixturevalue("redis").url.rsplit("/", 1)[0] + "/7"
        Redis.from_url(redis_url).flushdb()
        base = make_settings(request.getfixturevalue("postgres").url, redis_url)
    else:
        base = make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite")
    store = base.store.model_copy(update={"campaign_tenants": 3, "scam_surge": 2})
    return base.model_copy(update={"store": store})


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


class _Lines(logging.Handler):
    """Log lines of one logger (Litestar's logging config replaces the root's handlers, so
    pytest's caplog misses them)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_caller_reaching_many_tenants_is_flagged_once(settings: Settings) -> None:
    lines = _Lines()
    service_logger = logging.getLogger("runtime.calls.service")

    async def run() -> None:
        async with harness(settings) as h:
            tenants = [await h.add_tenant() for _ in range(4)]
            caller, other = unique_caller(), unique_caller()
            registry = h.runtime.metrics.registry
            service_logger.addHandler(lines)
            try:
                for tenant in tenants[:2]:
                    await h.call(tenant, caller)
                await h.call(tenants[0], other)
                assert _value(registry, "ethiq_campaign_callers_total") == 0
                await h.call(tenants[2], caller)  # the third tenant: a campaign
                assert _value(registry, "ethiq_campaign_callers_total") == 1
                await h.call(tenants[3], caller)  # still the same window: counted once
                assert _value(registry, "ethiq_campaign_callers_total") == 1
            finally:
                service_logger.removeHandler(lines)
            logged = [line for line in lines.lines if "campaign" in line]
            assert len(logged) == 1
            assert f"caller {caller} reached 3 tenants" in logged[0]
            assert f"ethiq block {caller}" in logged[0]
            assert (await h.client.get("/operator/campaigns")).status_code == 401
            listed = (await h.client.get("/operator/campaigns", headers=AUTH)).json()
            [found] = [c for c in listed if c["caller"] == caller]
            assert found["tenants"] == 4
            assert found["blocked"] is False
            assert other not in [c["caller"] for c in listed]

    asyncio.run(run())


def test_a_surge_of_scam_verdicts_across_tenants_is_logged_once(settings: Settings) -> None:
    if not settings.store.redis_url:
        pytest.skip("the in-process shapes are the campaign test's; this one proves Redis's")
    lines = _Lines()
    service_logger = logging.getLogger("runtime.calls.service")

    async def run() -> None:
        async with harness(settings) as h:
            tenants = [await h.add_tenant() for _ in range(3)]
            service_logger.addHandler(lines)
            try:
                for tenant in tenants:  # three scams on three tenants; the second one surges
                    call_sid, _ = await h.call(tenant)
                    for sequence, line in enumerate(SCAM_LINES_FR, start=1):
                        assert (await h.say(tenant, call_sid, sequence, line)).is_success
            finally:
                service_logger.removeHandler(lines)
            scams = h.runtime.metrics.registry
            assert (
                sum(
                    _value(
                        scams,
                        "ethiq_call_verdicts_total",
                        verdict="scam",
                        tenant=t.slug,
                        region="QC",
                        typology="bank_impersonation",  # the bank's "fraud department"
                    )
                    for t in tenants
                )
                == 3
            )
        surges = [line for line in lines.lines if line.startswith("scam surge")]
        assert len(surges) == 1, lines.lines
        assert surges[0].startswith("scam surge: 2 scam verdicts across tenants within 600 s")

    asyncio.run(run())


def test_scam_verdicts_at_answer_count_for_the_surge_once_per_call(settings: Settings) -> None:
    """A call judged scam from its metadata alone (the person's own number spoofed, STIR/SHAKEN
    failed, a caller reaching many tenants) never escalates during the call: it still counts as
    a scam verdict for ``EthiqScamSurge`` and the typology trend, and for the runtime's surge
    line, once per call whatever Twilio retries."""
    screening = settings.screening.model_copy(update={"sensitivity": "high"})
    settings = settings.model_copy(update={"screening": screening})
    lines = _Lines()
    service_logger = logging.getLogger("runtime.calls.service")
    caller = unique_caller()
    spoofed = {"ForwardedFrom": caller, "StirVerstat": "TN-Validation-Failed"}

    async def run() -> None:
        async with harness(settings) as h:
            tenants = [await h.add_tenant() for _ in range(4)]
            registry = h.runtime.metrics.registry

            def scams() -> float:
                return sum(
                    _value(
                        registry,
                        "ethiq_call_verdicts_total",
                        verdict="scam",
                        tenant=t.slug,
                        region="QC",
                        typology="other",  # no cue said which kind
                    )
                    for t in tenants
                )

            service_logger.addHandler(lines)
            try:
                for tenant in tenants[:2]:  # one and two tenants reached: only suspicious
                    await h.call(tenant, caller, **spoofed)
                assert scams() == 0
                _, answered = await h.call(tenants[2], caller, **spoofed)  # three: scam
                assert answered.is_success
                assert (
                    _value(
                        registry,
                        "ethiq_calls_total",
                        verdict="scam",
                        tenant=tenants[2].slug,
                        region="QC",
                    )
                    == 1
                )
                assert scams() == 1
                call_sid, _ = await h.call(tenants[3], caller, **spoofed)
                assert scams() == 2
                retried = {
                    "CallSid": call_sid,
                    "AccountSid": tenants[3].subaccount_sid,
                    "From": caller,
                    "To": tenants[3].phone_number,
                    "CallStatus": "ringing",
                    "Direction": "inbound",
                    "ApiVersion": "2010-04-01",
                    **spoofed,
                }
                assert (await h.webhook(paths.VOICE, retried, tenants[3].auth_token)).is_success
                assert scams() == 2
            finally:
                service_logger.removeHandler(lines)
        surges = [line for line in lines.lines if line.startswith("scam surge")]
        assert len(surges) == 1, lines.lines
        assert surges[0].startswith("scam surge: 2 scam verdicts across tenants")

    asyncio.run(run())


def test_a_platform_block_rejects_the_caller_on_every_tenant_and_is_audited(
    settings: Settings,
) -> None:
    caller = unique_caller()

    async def run() -> None:
        async with harness(settings) as h:
            first, second = await h.add_tenant(), await h.add_tenant()
            url = "/operator/blocks"
            body = {"number": caller, "by": "dana", "reason": "campaign: bank impersonation"}
            assert (await h.client.post(url, json=body)).status_code == 401
            refused = await h.client.post(url, json={**body, "reason": " "}, headers=AUTH)
            assert refused.status_code == 400
            assert "reason" in refused.json()["detail"]
            bad = await h.client.post(url, json={**body, "number": "514"}, headers=AUTH)
            assert bad.status_code == 400
            blocked = await h.client.post(url, json=body, headers=AUTH)
            assert blocked.status_code == 201, blocked.text
            assert blocked.json()["active"] is True
            for tenant in (first, second):
                _, answer = await h.call(tenant, caller)
                assert "<Reject" in answer.text
            _, answer = await h.call(first, unique_caller())
            assert "<Reject" not in answer.text
            calls = await h.client.get(f"/operator/tenants/{second.slug}/calls", headers=AUTH)
            assert calls.json()[0]["status"] == "blocked"
            registry = h.runtime.metrics.registry
            assert _value(registry, "ethiq_platform_blocks_total", action="block") == 1
            for tenant in (first, second):
                labels = {"verdict": "blocked", "tenant": tenant.slug, "region": tenant.region}
                assert _value(registry, "ethiq_calls_total", **labels) == 1
            campaigns = await h.client.get("/operator/campaigns", headers=AUTH)
            assert caller not in [c["caller"] for c in campaigns.json()]  # rejected first

        # A restart (a new process: the in-process store starts empty) still blocks it.
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            _, answer = await h.call(tenant, caller)
            assert "<Reject" in answer.text
            unblock = f"/operator/blocks/{caller}/unblock"
            lifted = await h.client.post(
                unblock, json={"by": "sam", "reason": "number reassigned"}, headers=AUTH
            )
            assert lifted.status_code == 200, lifted.text
            assert lifted.json()["active"] is False
            again = await h.client.post(unblock, json={"by": "sam", "reason": "x"}, headers=AUTH)
            assert again.status_code == 404
            _, answer = await h.call(tenant, caller)
            assert "<Reject" not in answer.text
            active = (await h.client.get(url, headers=AUTH)).json()
            assert caller not in [b["number"] for b in active]
            trail = (await h.client.get(url + "?history=true", headers=AUTH)).json()
            [record] = [b for b in trail if b["number"] == caller]
            assert record["blocked_by"] == "dana"
            assert record["reason"] == "campaign: bank impersonation"
            assert record["unblocked_by"] == "sam"
            assert record["unblock_reason"] == "number reassigned"
            assert record["unblocked_at"] >= record["blocked_at"]

    asyncio.run(run())


def _alert(
    status: str, fingerprint: str, starts: str, ends: str = "0001-01-01T00:00:00Z"
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "EthiqDegradedAnswers", "severity": "page", "dependency": "store"},
        "annotations": {
            "summary": "Calls answered without store for 5 minutes",
            "runbook_url": "docs/runbooks.md#ethiqdegradedanswers",
        },
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "http://prometheus/graph",
        "fingerprint": fingerprint,
    }


def test_alertmanager_opens_incidents_that_an_operator_closes(settings: Settings) -> None:
    fingerprint = f"f{datetime.now(UTC).timestamp():.0f}{unique_caller()[-4:]}"
    starts = (datetime.now(UTC) - timedelta(minutes=20)).isoformat().replace("+00:00", "Z")

    def notification(status: str, ends: str = "0001-01-01T00:00:00Z") -> dict[str, Any]:
        return {
            "version": "4",
            "groupKey": '{}:{alertname="EthiqDegradedAnswers"}',
            "truncatedAlerts": 0,
            "status": status,
            "receiver": "ethiq-incidents",
            "groupLabels": {"alertname": "EthiqDegradedAnswers"},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager",
            "alerts": [_alert(status, fingerprint, starts, ends)],
        }

    async def run() -> None:
        async with harness(settings) as h:
            url = "/operator/incidents/alertmanager"
            assert (await h.client.post(url, json=notification("firing"))).status_code == 401
            opened = await h.client.post(url, json=notification("firing"), headers=AUTH)
            assert opened.status_code == 200, opened.text
            [incident_id] = opened.json()["incidents"]
            repeated = await h.client.post(url, json=notification("firing"), headers=AUTH)
            assert repeated.json()["incidents"] == [incident_id]  # one incident per alert
            ends = datetime.now(UTC).isoformat()
            resolved = await h.client.post(url, json=notification("resolved", ends), headers=AUTH)
            assert resolved.json()["incidents"] == [incident_id]
            listed = (await h.client.get("/operator/incidents?open=true", headers=AUTH)).json()
            [incident] = [i for i in listed if i["id"] == incident_id]
            assert incident["open"] is True  # the alert resolved; the operator has not closed it
            assert incident["alert_resolved_at"] is not None
            assert incident["title"].startswith("EthiqDegradedAnswers: Calls answered without")
            assert incident["opened_at"].startswith(starts[:16])

            close = f"/operator/incidents/{incident_id}/close"
            empty = await h.client.post(close, json={"by": "dana", "resolution": ""}, headers=AUTH)
            assert empty.status_code == 400
            closed = await h.client.post(
                close, json={"by": "dana", "resolution": "Redis failed over"}, headers=AUTH
            )
            assert closed.status_code == 200, closed.text
            assert closed.json()["closed_by"] == "dana"
            assert 20 * 60 <= closed.json()["resolve_s"] < 25 * 60
            twice = await h.client.post(
                close, json={"by": "dana", "resolution": "again"}, headers=AUTH
            )
            assert twice.status_code == 404
            kpi = (await h.client.get("/operator/kpi", headers=AUTH)).json()["incidents"]
            assert kpi["closed"] >= 1
            assert kpi["max_resolve_s"] >= 20 * 60

            # A new firing of the same alert after the close is a new incident.
            again = await h.client.post(url, json=notification("firing"), headers=AUTH)
            assert again.json()["incidents"] != [incident_id]

    asyncio.run(run())


def test_onboarding_kpis_count_successes_stalls_and_manual_steps() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)

    def steps(
        slug: str, started: datetime, upto: int, manual: Step | None = None
    ) -> list[dict[str, Any]]:
        return [
            {
                "slug": slug,
                "step": str(step),
                "how": (BY_OPERATOR + "done by hand") if step is manual else "by the system",
                "completed_at": started + timedelta(hours=i),
            }
            for i, step in enumerate(STEPS[:upto])
        ]

    rows = [
        *steps("done-alone", now - timedelta(days=10), len(STEPS)),
        *steps("done-helped", now - timedelta(days=9), len(STEPS), Step.SIP_APP_CONFIGURED),
        *steps("stalled", now - timedelta(days=8), 3),
        *steps("recent", now - timedelta(days=1), 2),
    ]
    kpi = onboarding_kpi(rows, now=now)
    assert (kpi.started, kpi.active, kpi.stalled, kpi.in_progress) == (4, 2, 1, 1)
    assert kpi.success_rate == pytest.approx(2 / 3)
    assert kpi.manual == 1
    assert kpi.manual_share == pytest.approx(1 / 4)
    assert kpi.median_to_active_s == (len(STEPS) - 1) * 3600
    assert onboarding_kpi([], now=now).success_rate is None

    provisioning = provisioning_kpi(
        [Provisioned("acme", 41.0), Provisioned("bravo", 12.5), Provisioned("acme", 22.0)]
    )
    assert [(p.stack, p.duration_s) for p in provisioning.tenants] == [
        ("acme", 22.0),
        ("bravo", 12.5),
    ]
    assert provisioning.within_target == 1.0
    assert provisioning.max_s == 22.0


def test_provisioning_times_are_observed_once_across_processes(settings: Settings) -> None:
    """``ethiq kpi --record`` writes provisioning times to the database (record_provisioning);
    the runtime's job puts each in ``ethiq_provisioning_seconds`` once, in whichever process
    claimed it: two runtimes on one database add up to the records, never twice."""

    async def run() -> None:
        async with harness(settings) as a, harness(settings) as b:
            await a.runtime.fleet.observe_provisioning()  # what earlier tests left
            storage = a.runtime.storage
            head = uuid.uuid4().hex
            created = [Provisioned("tenant-one", 12.0), Provisioned("tenant-two", 41.5)]
            assert await record_provisioning(storage, head, created) == 2
            assert await a.runtime.fleet.observe_provisioning() == 2
            assert await b.runtime.fleet.observe_provisioning() == 0
            await record_provisioning(storage, head, created[:1])  # the same report again
            await record_provisioning(storage, uuid.uuid4().hex, [Provisioned("tenant-3", 8.0)])
            # One tick of the periodic deferrer in b, whose worker runs the job.
            jobs = b.runtime.jobs
            [task] = [
                t
                for (name, _), t in jobs.app.periodic_registry.periodic_tasks.items()
                if name == PROVISIONING_JOB
            ]
            assert task.cron == "* * * * *"
            await jobs.open()
            tick = int(datetime.now(UTC).timestamp())
            await PeriodicDeferrer(jobs.app.periodic_registry).defer_jobs([(task, tick)])
            await jobs.app.run_worker_async(
                queues=jobs.queues, wait=False, install_signal_handlers=False
            )
            assert await a.runtime.fleet.observe_provisioning() == 0

            def fleet(name: str, **labels: str) -> float:
                return sum(_value(h.runtime.metrics.registry, name, **labels) for h in (a, b))

            assert fleet("ethiq_provisioning_seconds_count") == 3
            assert fleet("ethiq_provisioning_seconds_sum") == 61.5
            assert fleet("ethiq_provisioning_seconds_bucket", le="30.0") == 2  # the target

    asyncio.run(run())


def test_tenant_labels_stop_at_the_cap() -> None:
    metrics = Metrics(tenant_labels=2)
    labels = [metrics.tenant(slug) for slug in ("acme", "bravo", "charlie", "acme", "delta")]
    assert labels == ["acme", "bravo", OTHER_TENANTS, "acme", OTHER_TENANTS]
    for slug in ("acme", "bravo", "charlie", "delta"):
        metrics.calls.labels("legit", metrics.tenant(slug), "QC").inc()
    tenants = {
        s.labels["tenant"]
        for family in metrics.registry.collect()
        if family.name == "ethiq_calls"
        for s in family.samples
        if s.name == "ethiq_calls_total"
    }
    assert tenants == {"acme", "bravo", OTHER_TENANTS}


def test_operator_sign_in_attempts_are_limited_per_address(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    base = make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite")
    settings = base.model_copy(
        update={
            "security": base.security.model_copy(update={"operator_sign_ins": 3}),
            # The test client speaks plain HTTP: cookies without ``Secure``.
            "twilio": base.twilio.model_copy(update={"public_url": "http://internal.test:8000"}),
        }
    )

    async def run() -> None:
        async with harness(settings) as h:
            assert (await h.client.get("/ops/")).status_code == 200
            csrf = h.client.cookies["csrftoken"]

            async def sign_in(token: str) -> int:
                form = {"name": "dana", "token": token, "_csrf_token": csrf}
                answer = await h.client.post("/ops/login", data=form, follow_redirects=False)
                return answer.status_code

            assert [await sign_in("guess") for _ in range(3)] == [401, 401, 401]
            assert await sign_in(OPERATOR) == 429  # past the limit even the right token waits
            limited = _value(
                h.runtime.metrics.registry,
                "ethiq_rate_limited_total",
                limit="operator_sign_in",
            )
            assert limited == 1

    asyncio.run(run())


def _section(page: str, section: str) -> str:
    part = page.split(f'id="{section}"', 1)[1].split("<h2", 1)[0]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", part).split()))


def test_the_page_shows_calls_answered_degraded_whatever_their_incident(
    settings: Settings,
) -> None:
    """Twilio's API refuses the conference: the call is answered degraded and the runtime opens
    an incident. An operator closing it does not make the conference well: the page still shows
    it degraded while calls were answered without it within ``DEGRADED_RECENT``, then no more."""
    local = "http://internal.test:8000"  # the test client's: plain HTTP, cookies not Secure
    settings = settings.model_copy(
        update={"twilio": settings.twilio.model_copy(update={"public_url": local})}
    )

    async def run() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            h.updater.fail_participants = True
            params = {
                "CallSid": f"CA{uuid.uuid4().hex}",
                "AccountSid": tenant.subaccount_sid,
                "From": unique_caller(),
                "To": tenant.phone_number,
                "CallStatus": "ringing",
                "Direction": "inbound",
                "ApiVersion": "2010-04-01",
            }
            signed = public_url(local, paths.VOICE, "")
            answered = await h.webhook(paths.VOICE, params, tenant.auth_token, signed_url=signed)
            assert answered.is_success
            await h.runtime.fleet.incidents.drain()  # opened in the background
            listed = (await h.client.get("/operator/incidents?open=true", headers=AUTH)).json()
            [incident] = [i for i in listed if "conference unavailable" in i["title"]]
            closed = await h.client.post(
                f"/operator/incidents/{incident['id']}/close",
                json={"by": "dana", "resolution": "looked fine"},
                headers=AUTH,
            )
            assert closed.status_code == 200, closed.text

            await h.client.get("/ops/")
            form = {"name": "sam", "token": OPERATOR, "_csrf_token": h.client.cookies["csrftoken"]}
            assert (await h.client.post("/ops/login", data=form)).status_code in {200, 303}
            shown = _section((await h.client.get("/ops")).text, "dependencies")
            assert re.search(
                r"conference degraded calls answered without it, last at \S+ \S+ UTC "
                rf"\(incident #{incident['id']}, closed by dana\)",
                shown,
            ), shown

            # Last seen longer ago than the window: calls are no longer answered without it.
            table = bind_table(Incident, h.runtime.storage.platform_engine())
            earlier = datetime.now(UTC) - DEGRADED_RECENT - timedelta(minutes=1)
            await table.update({table.last_seen_at: earlier}).where(
                table._meta.primary_key == incident["id"]
            )
            shown = _section((await h.client.get("/ops")).text, "dependencies")
            assert "conference" not in shown, shown

    asyncio.run(run())
