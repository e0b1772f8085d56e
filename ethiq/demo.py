"""What ``ethiq demo`` runs (:mod:`ethiq.demo_cli`): the whole product on this machine.

The demo runs on the embedded defaults (SQLite, in-process store; no PostgreSQL, no Redis): it
starts the local Twilio sandbox and the runtime under Granian, provisions an example tenant with
the real Pulumi engine against the sandbox (two example tenants, fr-CA and en-US; their stack
files live in a temporary directory, never in ``stacks/``), invites each emergency contact by
SMS and records their consent (double opt-in: invitation, reply, confirmation), onboards each
person (welcome, their SIP app and forwarding, the three test calls, to active), plays a
legitimate call in French
and a scam call in English exactly as Twilio would, prints what happened, and stops everything.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import msgspec

from ethiq.local import LocalPlatform
from ethiq.mailsink import running_mail_sink
from ethiq.sandbox.caller import CallScript, ScriptedSegment, play_call, send_sms
from ethiq.sandbox.client import SandboxControl
from ethiq.sandbox.server import free_port, running_sandbox
from infra.tenant_config import Contact, validate_tenant
from runtime.tenants import generate_key

__all__ = ["run_demo"]

READY_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class DemoTenant:
    name: str
    region: str
    language: str
    contact: Contact
    consent: str  # the contact's SMS reply
    label: str
    call: CallScript | None = None


LEGIT_FR = [
    ScriptedSegment(1.0, "caller", "Bonjour, ici la pharmacie Jean Coutu de la rue Masson."),
    ScriptedSegment(
        5.5,
        "caller",
        "Votre renouvellement de prescription est prêt, vous pouvez "
        "passer le chercher demain après-midi.",
    ),
    ScriptedSegment(11.0, "callee", "Parfait, merci beaucoup, je passerai vers deux heures."),
]
SCAM_EN = [
    ScriptedSegment(
        1.0, "caller", "hello this is officer daniel from the fraud department of your bank"
    ),
    ScriptedSegment(
        6.0,
        "caller",
        "your account has been compromised and we need to secure your savings right now",
    ),
    ScriptedSegment(
        12.0,
        "caller",
        "dont tell anyone at the branch they may be involved this is a confidential investigation",
    ),
    ScriptedSegment(
        18.0,
        "caller",
        "please read me the verification code we just sent you and your card pin number",
    ),
]


@dataclass(frozen=True)
class RuntimeHandle:
    url: str
    operator_token: str

    def get(self, path: str) -> Any:
        response = httpx.get(
            f"{self.url}/operator{path}",
            headers={"Authorization": f"Bearer {self.operator_token}"},
            timeout=10.0,
        )
        response.raise_for_status()
        return response.json()


@contextmanager
def running_runtime(env: dict[str, str], port: int, log: Path) -> Iterator[RuntimeHandle]:
    """``ethiq serve`` in a subprocess until it is ready; stopped at exit."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                Path(sys.executable).parent / "ethiq",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the runtime exited ({process.returncode}):\n" + log.read_text()[-2000:]
                )
            try:
                if httpx.get(f"{url}/health/ready", timeout=2.0).status_code == 200:  # noqa: PLR2004
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the runtime did not become ready:\n" + log.read_text()[-2000:])
            time.sleep(0.1)
        yield RuntimeHandle(url, env["ETHIQ_OPERATOR_TOKEN"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _call_summary(runtime: RuntimeHandle, slug: str, played: dict[str, Any]) -> dict[str, Any]:
    calls = {c["sid"]: c for c in runtime.get(f"/tenants/{slug}/calls")}
    record = calls.get(played["call_sid"], {})
    return {
        "call_sid": played["call_sid"],
        "from": played["from"],
        "verdict": record.get("verdict"),
        "risk": record.get("risk"),
        "reasons": record.get("reasons", []),
        "timeline": runtime.get(f"/tenants/{slug}/calls/{played['call_sid']}/timeline"),
        "outcome": record.get("outcome"),
        "answer": played["answer"],
        "twiml": played["twiml"],
        "call_updates": played["call_updates"],
        "legs": played["legs"],
        "conferences": played["conferences"],
        "live_warnings": played["live_warnings"],
        "alerts": played["alerts"],
    }


def _wait_text(control: SandboxControl, to: str, contains: str) -> str:
    """The body of the first text sent to ``to`` containing ``contains`` (the outbox worker
    sends it within a pass or two)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        for message in control.messages():
            if message["to"] == to and contains in message["body"]:
                return str(message["body"])
        time.sleep(0.1)
    raise RuntimeError(f"no text to {to} containing {contains!r} within {READY_TIMEOUT_S}s")


def _reply_text(twiml: str) -> str:
    """The ``<Message>`` of the runtime's TwiML answer to a text (our own server's TwiML)."""
    root = ElementTree.fromstring(twiml) if twiml.strip() else None  # noqa: S314
    return (root.findtext("Message") or "") if root is not None else ""


def _is_scam(runtime: RuntimeHandle, slug: str) -> Any:
    def check(call_sid: str) -> bool:
        calls = runtime.get(f"/tenants/{slug}/calls")
        return any(c["sid"] == call_sid and c["verdict"] == "scam" for c in calls)

    return check


TENANTS = (
    DemoTenant(
        "lucie",
        "CA-QC",
        "fr-CA",
        Contact("+15145550111", "Marie"),
        "OUI",
        "legitimate call in French (pharmacy)",
    ),
    DemoTenant(
        "george",
        "CA-ON",
        "en-US",
        Contact("+14165550122", "Anna"),
        "YES",
        "scam call in English (bank investigator)",
    ),
)
CALLS = {
    "lucie": (LEGIT_FR, "+15145550188", "TN-Validation-Passed-A"),
    "george": (SCAM_EN, "+18885550142", "TN-Validation-Failed"),
}


def _mail_printer(progress: Any) -> Callable[[EmailMessage], None]:
    """What the demo's mail sink does with each email: one line with its links."""

    def deliver(message: EmailMessage) -> None:
        body = message.get_body(preferencelist=("plain",))
        text = str(body.get_content()) if body is not None else ""
        links = " ".join(re.findall(r"https?://\S+", text))
        progress(f"email to {message['To']}: {message['Subject']}: {links}")

    return deliver


# The onboarding's test calls, in order, with the operator route that starts each and the key
# of its latest result in the onboarding view.
TEST_CALLS = (
    ("app-test", "app_test", "the SIP app rings"),
    ("forwarding-test", "forwarding_test", "the person's own number, forwarded"),
    ("test-call", "test_call", "the full test: their number, forwarded, rings the app"),
)


def _onboard(
    runtime: RuntimeHandle,
    control: SandboxControl,
    tenant: DemoTenant,
    own_number: str,
    numbers: dict[str, Any],
    progress: Any,
) -> dict[str, Any]:
    """The person's onboarding as it goes for real: enrolled (welcome by email and SMS), their
    SIP app signed in and their phone forwarding to the Ethiq number (what they do by hand,
    here the sandbox's handset and app), then the test calls; returns the steps and how long
    enrolment to active took."""
    started = time.monotonic()
    auth = {"Authorization": f"Bearer {runtime.operator_token}"}
    view = f"/operator/people/{tenant.name}/onboarding"
    with httpx.Client(base_url=runtime.url, headers=auth, timeout=15.0) as http:
        body = {
            "slug": tenant.name,
            "email": f"{tenant.name}@example.org",
            "language": tenant.language,
            "own_number": own_number,
        }
        http.post("/operator/people/", json=body).raise_for_status()
        progress(f"{tenant.name}: enrolled, welcome sent by email and SMS to {own_number}")
        control.sip_endpoint(numbers["sipAddress"], "answer")
        control.handset(own_number, "unconditional", numbers["phoneNumber"])
        progress(f"{tenant.name}: the person signs in their SIP app and turns forwarding on")
        for path, key, what in TEST_CALLS:
            sid = http.post(f"/operator/people/{tenant.name}/{path}").raise_for_status().json()
            deadline = time.monotonic() + READY_TIMEOUT_S
            while (test := http.get(view).raise_for_status().json()[key])["status"] == "calling":
                if time.monotonic() > deadline:
                    raise RuntimeError(f"test call {sid['call_sid']} never ended")
                time.sleep(0.1)
            progress(f"{tenant.name}: test call, {what}: {test['status']} ({test['outcome']})")
        out: dict[str, Any] = http.get(view).raise_for_status().json()
    seconds = round(time.monotonic() - started, 1)
    manual = [s["step"] for s in out["steps"] if s["how"].startswith("by an operator")]
    progress(
        f"{tenant.name}: {'active' if out['active'] else 'at ' + str(out['current'])} "
        f"{seconds} s after enrolment; operator steps: {manual or 'none'}"
    )
    return {
        "active": out["active"],
        "seconds_to_active": seconds,
        "steps": [{"step": s["step"], "how": s["how"]} for s in out["steps"]],
    }


def _serve_pages(runtime: RuntimeHandle, progress: Any) -> None:
    """Ask for a sign-in link for each demo tenant's person, as a person would on the page:
    the links arrive by email, printed by the sink."""
    with httpx.Client(base_url=runtime.url, timeout=15.0) as http:
        for tenant in TENANTS:
            email = f"{tenant.name}@example.org"
            http.get("/")
            form = {"email": email, "_csrf_token": http.cookies["csrftoken"]}
            http.post(f"/login?lang={tenant.language}", data=form).raise_for_status()
    progress(f"the people's pages: {runtime.url}/ (sign in), {runtime.url}/signup (ask for it)")


def run_demo(
    progress: Any, keep: Callable[[dict[str, Any], RuntimeHandle], None] | None = None
) -> dict[str, Any]:
    """Everything the demo does; returns the summary document. Emails (the welcomes, sign-in
    links) go to a local mail sink that prints each. With ``keep`` (``--serve``), the people's
    pages are served too, and ``keep`` is called with the summary while everything still runs
    (it returns to stop it all)."""
    with (
        tempfile.TemporaryDirectory(prefix="ethiq-demo-") as tmp,
        running_sandbox() as sandbox,
        running_mail_sink(_mail_printer(progress)) as smtp_port,
    ):
        work = Path(tmp)
        (work / "data").mkdir()
        port = free_port()
        public = f"http://127.0.0.1:{port}"
        database_url = f"sqlite:///{work / 'data' / 'ethiq.sqlite'}"
        platform = LocalPlatform(work, sandbox, database_url, public, generate_key())
        numbers: dict[str, dict[str, Any]] = {}
        for tenant in TENANTS:
            progress(
                f"provisioning tenant {tenant.name!r} ({tenant.region}, {tenant.language}) "
                "with pulumi up: real engine, local Twilio sandbox"
            )
            platform.add(
                validate_tenant(
                    tenant.name,
                    {
                        "email": f"{tenant.name}@example.org",
                        "region": tenant.region,
                        "language": tenant.language,
                        "contacts": [tenant.contact.as_config()],
                    },
                )
            )
            numbers[tenant.name] = platform.up(tenant.name)
            progress(
                f"  number {numbers[tenant.name]['phoneNumber']}, "
                f"SIP {numbers[tenant.name]['sipAddress']}"
            )

        env = dict(platform.env) | {"ETHIQ_OPERATOR_TOKEN": secrets.token_urlsafe(24)}
        env.pop("REDIS_URL", None)
        env |= {"ETHIQ_SMTP_HOST": "127.0.0.1", "ETHIQ_SMTP_PORT": str(smtp_port)}
        progress(f"starting the runtime on {public} (SQLite, in-process store)")
        summaries = []
        with running_runtime(env, port, work / "runtime.log") as runtime:
            invitations: dict[str, dict[str, str]] = {}
            for tenant in TENANTS:
                number = numbers[tenant.name]["phoneNumber"]
                invited = _wait_text(sandbox.control, tenant.contact.number, " Ref #i")
                progress(f"SMS to {tenant.contact.name} ({tenant.contact.number}): {invited}")
                progress(
                    f"{tenant.contact.name} answers {tenant.consent!r} to {tenant.name}'s "
                    "number: consents to alerts"
                )
                reply = send_sms(sandbox.control, tenant.contact.number, number, tenant.consent)
                # OUI is answered by the webhook; YES is Twilio's keyword (it auto-replies),
                # so the runtime's confirmation comes from its outbox.
                confirmed = _reply_text(reply) or _wait_text(
                    sandbox.control, tenant.contact.number, "confirm"
                )
                progress(f"SMS to {tenant.contact.name}: {confirmed}")
                invitations[tenant.name] = {"invitation": invited, "confirmation": confirmed}
            onboarding = {
                tenant.name: _onboard(
                    runtime,
                    sandbox.control,
                    tenant,
                    f"+1514555017{n}",
                    numbers[tenant.name],
                    progress,
                )
                for n, tenant in enumerate(TENANTS)
            }
            for tenant in TENANTS:
                segments, caller, stir = CALLS[tenant.name]
                script = CallScript(
                    numbers[tenant.name]["phoneNumber"], caller, segments, stir_verstat=stir
                )
                progress(f"playing a {tenant.label} to {tenant.name}")
                played = play_call(
                    sandbox.control,
                    script,
                    alerts_expected=_is_scam(runtime, tenant.name),
                    on_event=progress,
                )
                summaries.append(
                    {"tenant": tenant.name, "label": tenant.label}
                    | _call_summary(runtime, tenant.name, played)
                )
            violations = msgspec.to_builtins(sandbox.control.violations())
            summary = _summary(numbers, invitations, onboarding, summaries, violations)
            if keep is not None:
                _serve_pages(runtime, progress)
                keep(summary, runtime)
    return summary


def _summary(
    numbers: dict[str, dict[str, Any]],
    invitations: dict[str, dict[str, str]],
    onboarding: dict[str, dict[str, Any]],
    summaries: list[dict[str, Any]],
    violations: Any,
) -> dict[str, Any]:
    return {
        "tenants": [
            {
                "name": t.name,
                "phone_number": numbers[t.name]["phoneNumber"],
                "sip_address": numbers[t.name]["sipAddress"],
                "language": t.language,
                "contact": t.contact.number,
                **invitations[t.name],
                "onboarding": onboarding[t.name],
            }
            for t in TENANTS
        ],
        "calls": summaries,
        "twilio_contract_violations": violations,
    }
