"""Amazon Managed Prometheus' alerts reach the incidents through SNS: the real app's
``/operator/incidents/sns`` checks each message as AWS documents, with a signing certificate
made here and served from loopback (the only thing the test changes is
``ETHIQ_SNS_URL_PATTERN``; the production default admits AWS's SNS hosts over https only).

The alert groups are what the platform's alert manager would send: the stack's templates
rendered by Alertmanager's own template package (``tools/amtemplate``); the on-call's email
gets the same group as plain text.

A subscription is confirmed only for the expected topic; a notification opens an incident once,
whatever SNS retries or an attacker replays; a bad signature, another topic or a certificate from
elsewhere changes nothing."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from infra.platform_stack.monitoring import (
    EMAIL_MESSAGE,
    SNS_EMAIL_TEMPLATE,
    SNS_MESSAGE_TEMPLATE,
)
from runtime.fleet.sns import REFUSALS, SnsRefused, SnsVerifier, string_to_sign
from runtime.fleet.tables import AlertNotification
from runtime.settings import ObservabilitySettings, Settings
from runtime.storage import bind_table
from tests.runtime.helpers import OPERATOR, harness, make_settings

AUTH = {"Authorization": f"Bearer {OPERATOR}"}
TOPIC = "arn:aws:sns:ca-central-1:123456789012:ethiq-prometheus-alerts"
URL = "/operator/incidents/sns"
AMTEMPLATE = Path(__file__).resolve().parents[2] / ".venv/bin/amtemplate"


def _certificate(key: rsa.RSAPrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


class FakeSns:
    """Loopback stand-in for SNS's https endpoints: the signing certificate and the
    ConfirmSubscription link (each request counted)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = _certificate(self.key)
        self.hits: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.hits.append(self.path)
                confirmed = b"<ConfirmSubscriptionResponse/>"
                body = fake.pem if self.path.startswith("/cert") else confirmed
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sign(self, fields: dict[str, Any], version: str = "2") -> dict[str, Any]:
        digest = hashes.SHA256() if version == "2" else hashes.SHA1()  # noqa: S303 - SNS's v1
        fields = {"SignatureVersion": version, "SigningCertURL": f"{self.base}/cert.pem"} | fields
        signature = self.key.sign(string_to_sign(fields), padding.PKCS1v15(), digest)
        return fields | {"Signature": base64.b64encode(signature).decode()}

    def notification(
        self,
        message: str,
        topic: str = TOPIC,
        version: str = "2",
        signed_at: datetime | None = None,
    ) -> dict[str, Any]:
        signed_at = signed_at or datetime.now(UTC)
        return self.sign(
            {
                "Type": "Notification",
                "MessageId": str(uuid.uuid4()),
                "TopicArn": topic,
                "Subject": "[page] EthiqDegradedAnswers",
                "Message": message,
                "Timestamp": signed_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "UnsubscribeURL": f"{self.base}/unsubscribe",
            },
            version,
        )

    def confirmation(self, topic: str = TOPIC) -> dict[str, Any]:
        token = uuid.uuid4().hex
        return self.sign(
            {
                "Type": "SubscriptionConfirmation",
                "MessageId": str(uuid.uuid4()),
                "Token": token,
                "TopicArn": topic,
                "Message": f"You have chosen to subscribe to the topic {topic}.",
                "SubscribeURL": f"{self.base}/confirm?Action=ConfirmSubscription&Token={token}",
                "Timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            }
        )


@pytest.fixture(scope="module")
def sns() -> Iterator[FakeSns]:
    fake = FakeSns()
    yield fake
    fake.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sns: FakeSns
) -> Settings:
    if request.param == "postgres":
        return _with_sns(make_settings(request.getfixturevalue("postgres").url), sns)
    return _with_sns(
        make_settings(f"sqlite:///{tmp_path_factory.mktemp('data')}/ethiq.sqlite"), sns
    )


def _with_sns(base: Settings, sns: FakeSns) -> Settings:
    """The settings with the topic, and the loopback certificate host admitted."""
    observability = ObservabilitySettings(
        sns_topic_arn=TOPIC, sns_url_pattern="^" + re.escape(sns.base) + "/"
    )
    return base.model_copy(update={"observability": observability})


def _alert_group(
    status: str,
    fingerprint: str,
    starts: str,
    ends: str,
    tmp: Path,
    template: str = "sns.default.message",
) -> str:
    """The Message the platform's alert manager sends for one alert: ``template`` of the
    stack's template files rendered by Alertmanager's own template package (``amtemplate``,
    built by setup)."""
    if not AMTEMPLATE.exists():
        raise RuntimeError("amtemplate is missing: run `make setup`")
    templates, data = tmp / "templates", tmp / f"{status}.json"
    templates.mkdir(exist_ok=True)
    (templates / "ethiq_sns.tmpl").write_text(SNS_MESSAGE_TEMPLATE)
    (templates / "ethiq_email.tmpl").write_text(SNS_EMAIL_TEMPLATE)
    alert = {
        "status": status,
        "labels": {"alertname": "EthiqDegradedAnswers", "dependency": "store", "severity": "page"},
        "annotations": {
            "runbook_url": "https://github.com/ethiq/ethiq/blob/main/docs/runbooks.md"
            "#ethiqdegradedanswers",
            "summary": 'Calls answered "degraded" without store\nfor 5 minutes',
        },
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "https://aps-workspaces.ca-central-1.amazonaws.com/graph",
        "fingerprint": fingerprint,
    }
    group = {"receiver": "on-call", "status": status, "alerts": [alert], "externalURL": ""}
    data.write_text(json.dumps(group | {"groupLabels": {}, "commonLabels": {}}))
    rendered = subprocess.run(
        [AMTEMPLATE, templates / "*.tmpl", data, template],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return rendered.stdout


def test_the_oncall_email_is_plain_text(tmp_path: Path) -> None:
    """The email topic's message (the template its sns_config names) reads as text: what fired,
    since when in UTC, its labels and runbook; no JSON, quotes and newlines left as written."""
    [name] = re.findall(r'\{\{ template "([^"]+)" \. \}\}', EMAIL_MESSAGE)
    starts = "2026-03-02T09:15:00-05:00"
    firing = _alert_group("firing", "f1", starts, "0001-01-01T00:00:00Z", tmp_path, name)
    assert firing.splitlines() == [
        "1 firing, 0 resolved",
        "",
        "FIRING: EthiqDegradedAnswers (page)",
        'Calls answered "degraded" without store',
        "for 5 minutes",
        "Since: 2026-03-02 14:15 UTC",
        "Labels: alertname=EthiqDegradedAnswers dependency=store severity=page",
        "Runbook: https://github.com/ethiq/ethiq/blob/main/docs/runbooks.md#ethiqdegradedanswers",
    ]
    resolved = _alert_group("resolved", "f1", starts, "2026-03-02T15:00:00Z", tmp_path, name)
    assert resolved.splitlines()[:3] == [
        "0 firing, 1 resolved",
        "",
        "RESOLVED: EthiqDegradedAnswers (page)",
    ]
    assert "Since: 2026-03-02 14:15 UTC, resolved: 2026-03-02 15:00 UTC" in resolved
    assert "{" not in firing + resolved


def test_the_default_admits_only_aws_sns_over_https() -> None:
    pattern = re.compile(Settings.from_env({}).observability.sns_url_pattern)
    assert pattern.match("https://sns.ca-central-1.amazonaws.com/SimpleNotificationService-1.pem")
    assert pattern.match("https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem")
    for url in (
        "http://sns.ca-central-1.amazonaws.com/SimpleNotificationService-1.pem",
        "https://sns.ca-central-1.amazonaws.com.evil.example/x.pem",
        "https://evil.example/sns.ca-central-1.amazonaws.com/x.pem",
        "https://s3.amazonaws.com/sns.ca-central-1.amazonaws.com/x.pem",
    ):
        assert not pattern.match(url), url


def test_without_a_topic_the_route_refuses_everything(tmp_path: Path, sns: FakeSns) -> None:
    async def run() -> None:
        async with harness(make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")) as h:
            response = await h.client.post(URL, content=json.dumps(sns.confirmation()))
            assert response.status_code == 503
            assert "not configured" in response.text

    seen = len(sns.hits)
    asyncio.run(run())
    assert sns.hits[seen:] == []  # nothing fetched, nothing confirmed


def test_a_subscription_is_confirmed_only_for_the_expected_topic(
    tmp_path: Path, sns: FakeSns
) -> None:
    settings = _with_sns(make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite"), sns)

    async def run() -> None:
        async with harness(settings) as h:
            seen = len(sns.hits)

            def confirms() -> list[str]:
                return [p for p in sns.hits[seen:] if p.startswith("/confirm")]

            other = "arn:aws:sns:ca-central-1:999999999999:someone-else"
            refused = await h.client.post(URL, content=json.dumps(sns.confirmation(other)))
            assert refused.status_code == 403
            assert confirms() == []
            forged = sns.confirmation() | {"SubscribeURL": f"{sns.base}/confirm?Token=forged"}
            assert (await h.client.post(URL, content=json.dumps(forged))).status_code == 403
            assert confirms() == []
            confirmed = await h.client.post(URL, content=json.dumps(sns.confirmation()))
            assert confirmed.status_code == 200, confirmed.text
            assert confirmed.json()["status"] == "confirmed"
            assert len(confirms()) == 1

    asyncio.run(run())


def test_notifications_open_and_resolve_incidents_once(
    settings: Settings, sns: FakeSns, tmp_path: Path
) -> None:
    fingerprint = uuid.uuid4().hex[:16]
    # Given in another offset: the template writes UTC.
    started = datetime.now(UTC) - timedelta(minutes=10)
    starts = started.astimezone(timezone(timedelta(hours=-5))).isoformat()

    async def incidents(h: Any) -> list[dict[str, Any]]:
        listed = (await h.client.get("/operator/incidents", headers=AUTH)).json()
        return [i for i in listed if i["title"].startswith("EthiqDegradedAnswers")]

    async def run() -> None:
        async with harness(settings) as h:
            before = len(await incidents(h))
            fetched = len(sns.hits)
            firing = sns.notification(
                _alert_group("firing", fingerprint, starts, "0001-01-01T00:00:00Z", tmp_path)
            )
            # A tampered message, another topic (well signed), a certificate from elsewhere,
            # an unknown signature version: refused, nothing opened.
            tampered = firing | {"Message": firing["Message"].replace("store", "database")}
            elsewhere = sns.notification(firing["Message"]) | {
                "SigningCertURL": "https://evil.example/cert.pem"
            }
            for bad in (
                tampered,
                sns.notification(firing["Message"], topic=TOPIC + "-other"),
                elsewhere,
                sns.notification(firing["Message"]) | {"SignatureVersion": "3"},
            ):
                response = await h.client.post(URL, content=json.dumps(bad))
                assert response.status_code == 403, bad
            assert len(await incidents(h)) == before
            assert not any("evil" in p for p in sns.hits)

            opened = await h.client.post(URL, content=json.dumps(firing))
            assert opened.status_code == 200, opened.text
            assert opened.json()["status"] == "applied"
            [incident_id] = opened.json()["incidents"]
            [incident] = [i for i in await incidents(h) if i["id"] == incident_id]
            assert incident["open"] is True
            assert incident["severity"] == "page"
            assert incident["opened_at"].startswith(f"{started:%Y-%m-%dT%H:%M}")
            assert incident["title"] == (
                'EthiqDegradedAnswers: Calls answered "degraded" without store\nfor 5 minutes'
            )
            assert incident["detail"].endswith("docs/runbooks.md#ethiqdegradedanswers")

            replayed = await h.client.post(URL, content=json.dumps(firing))
            assert replayed.json() == {"status": "duplicate", "incidents": []}

            ends = datetime.now(UTC).isoformat()
            resolved = sns.notification(
                _alert_group("resolved", fingerprint, starts, ends, tmp_path), version="1"
            )
            done = await h.client.post(URL, content=json.dumps(resolved))
            assert done.json() == {"status": "applied", "incidents": [incident_id]}
            [incident] = [i for i in await incidents(h) if i["id"] == incident_id]
            assert incident["alert_resolved_at"] is not None
            assert incident["open"] is True  # an operator closes it, saying what was done
            closed = await h.client.post(
                f"/operator/incidents/{incident_id}/close",
                json={"by": "dana", "resolution": "store failed over"},
                headers=AUTH,
            )
            assert closed.status_code == 200

            # Replaying the firing notification after the close reopens nothing.
            again = await h.client.post(URL, content=json.dumps(firing))
            assert again.json()["status"] == "duplicate"
            assert [i["open"] for i in await incidents(h) if i["id"] >= incident_id] == [False]
            # An alert group that is not JSON is not lost: it opens an incident of its own.
            unreadable = sns.notification("EthiqDegradedAnswers firing (not JSON)")
            response = await h.client.post(URL, content=json.dumps(unreadable))
            assert response.status_code == 200, response.text
            [other_id] = response.json()["incidents"]
            listed = (await h.client.get("/operator/incidents", headers=AUTH)).json()
            [other] = [i for i in listed if i["id"] == other_id]
            assert other["title"] == "Unreadable alert notification: [page] EthiqDegradedAnswers"
            # The app fetched the certificate once for all these messages.
            assert sns.hits[fetched:] == ["/cert.pem"]

    asyncio.run(run())


def _refused(h: Any) -> dict[str, float]:
    registry = h.runtime.metrics.registry
    return {
        reason: registry.get_sample_value("ethiq_sns_refused_total", {"reason": reason}) or 0.0
        for reason in REFUSALS
    }


def test_refused_posts_are_counted_by_reason_never_by_what_they_said(
    settings: Settings, sns: FakeSns
) -> None:
    """Each refusal moves ``ethiq_sns_refused_total`` under its reason; the topic, URLs and
    text a sender chose never become a label (bounded cardinality)."""
    message = '{"status": "firing", "alerts": []}'
    evil = "https://evil.example/cert.pem"

    async def run() -> None:
        async with harness(settings) as h:
            before = _refused(h)
            posts = {
                "signature": sns.notification(message) | {"Message": "tampered"},
                "topic": sns.notification(message, topic=TOPIC + "-other"),
                "certificate_url": sns.notification(message) | {"SigningCertURL": evil},
                "signature_version": sns.notification(message) | {"SignatureVersion": "3"},
                "stale": sns.notification(message, signed_at=datetime.now(UTC) - timedelta(days=8)),
            }
            for reason, post in posts.items():
                response = await h.client.post(URL, content=json.dumps(post))
                assert response.status_code == 403, reason
            for body in ("not json", "[1, 2]"):
                assert (await h.client.post(URL, content=body)).status_code == 400
            counted = {r: n - before[r] for r, n in _refused(h).items() if n != before[r]}
            assert counted == {**dict.fromkeys(posts, 1.0), "malformed": 2.0}
            exposed = h.runtime.metrics.render().decode()
            assert "evil.example" not in exposed
            assert TOPIC not in exposed

    asyncio.run(run())


def test_the_digest_job_forgets_only_notifications_no_retry_or_replay_can_bring_back(
    settings: Settings, sns: FakeSns, tmp_path: Path
) -> None:
    """``alert_notification`` is pruned by the weekly digest job: a notification is forgotten
    only once a message signed when it was received would be refused as stale, so the
    forgotten one (here, of an incident still open) is never applied twice."""
    days = settings.observability.sns_notification_days
    now = datetime.now(UTC)
    fingerprint = uuid.uuid4().hex[:16]
    firing = sns.notification(
        _alert_group("firing", fingerprint, now.isoformat(), "0001-01-01T00:00:00Z", tmp_path)
    )

    async def run() -> None:
        async with harness(settings) as h:
            fleet = h.runtime.fleet
            n = bind_table(AlertNotification, h.runtime.storage.platform_engine())
            mine = n.message_id == firing["MessageId"]
            applied = await h.client.post(URL, content=json.dumps(firing))
            [incident_id] = applied.json()["incidents"]
            # The digest a day later: SNS could not retry it any more, but a replay would
            # still pass the route: it is kept, and the replay is known.
            await fleet.digest(now + timedelta(days=1))
            assert await n.count().where(mine) == 1
            replayed = await h.client.post(URL, content=json.dumps(firing))
            assert replayed.json()["status"] == "duplicate"
            # At the window's end, within its margin (clocks may differ): still kept.
            await fleet.digest(now + timedelta(days=days, hours=1))
            assert await n.count().where(mine) == 1
            # The digest after the window and its margin: forgotten.
            later = now + timedelta(days=days + 1, minutes=5)
            await fleet.digest(later)
            assert await n.count().where(mine) == 0
            # By then, the route refuses that message as stale, so it cannot open or refresh
            # anything again.
            then = SnsVerifier(
                TOPIC,
                "^" + re.escape(sns.base) + "/",
                timedelta(days=days),
                clock=lambda: later,
            )
            with pytest.raises(SnsRefused) as refused:
                await then.verify(firing)
            assert refused.value.reason == "stale"
            assert (await fleet.incidents.get(incident_id)).open

    asyncio.run(run())
