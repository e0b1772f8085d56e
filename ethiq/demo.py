"""What ``ethiq demo`` runs (:mod:`ethiq.demo_cli`): the whole product on this machine.

The demo runs on the embedded defaults (SQLite, in-process store; no PostgreSQL, no Redis): it
starts the local Twilio sandbox and the runtime under Granian, and takes two people (fr-CA and
en-US) through the journey a real one makes: each asks for protection on the sign-up page,
``ethiq people commit-changes`` turns the requests into stack files on a branch of a local
GitOps repository (a temporary directory, never ``stacks/``), the branch is merged and each
stack applied with the real Pulumi engine against the sandbox, the worker's enrolment job
enrols and welcomes each person, each emergency contact is invited by SMS and consents (double
opt-in: invitation, reply, confirmation), and each person signs in by the emailed link and runs
their test calls from their page (their SIP app and forwarding turned on in the sandbox) to
active, no operator involved. Then it plays a legitimate call in French and a scam call in
English exactly as Twilio would, prints what happened, and stops everything.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import tempfile
import threading
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
from infra.reconcile.git import git
from infra.tenant_config import Contact
from runtime.tenants import generate_key

__all__ = ["run_demo"]

READY_TIMEOUT_S = 90.0
# The worker's enrolment every 2 s (a 6th cron field: seconds), not every minute: a new stack's
# person is enrolled within the demo's pace; the enrolment queues its contacts' invitations, so
# the sweep keeps its own pace (every 5 minutes).
TICK = "* * * * * */2"
ETHIQ = Path(sys.executable).parent / "ethiq"


@dataclass(frozen=True)
class DemoTenant:
    name: str  # the tenant's name, the one the person's name gives their stack
    person: str  # the name given on the sign-up page
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
                ETHIQ,
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
        "Lucie",
        "CA-QC",
        "fr-CA",
        Contact("+15145550111", "Marie"),
        "OUI",
        "legitimate call in French (pharmacy)",
    ),
    DemoTenant(
        "george",
        "George",
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


class _Mailbox:
    """What the demo's mail sink does with each email: one line with its links, and kept for
    the demo to follow a link as the person would."""

    def __init__(self, progress: Any) -> None:
        self._progress = progress
        self._lock = threading.Lock()
        self._messages: list[tuple[str, str]] = []  # (to, plain text)

    def deliver(self, message: EmailMessage) -> None:
        body = message.get_body(preferencelist=("plain",))
        text = str(body.get_content()) if body is not None else ""
        links = " ".join(re.findall(r"https?://\S+", text))
        with self._lock:
            self._messages.append((str(message["To"]), text))
        self._progress(f"email to {message['To']}: {message['Subject']}: {links}")

    def count(self, to: str) -> int:
        with self._lock:
            return sum(to in m_to for m_to, _ in self._messages)

    def link(self, to: str, after: int, pattern: str) -> str:
        """The first link matching ``pattern`` in an email to ``to`` past its ``after`` first."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            with self._lock:
                texts = [text for m_to, text in self._messages if to in m_to][after:]
            for text in texts:
                if found := re.search(pattern, text):
                    return found.group(0)
            time.sleep(0.1)
        raise RuntimeError(f"no email to {to} with a link {pattern!r} within {READY_TIMEOUT_S}s")


def _sign_up(runtime: RuntimeHandle, tenant: DemoTenant, own_number: str) -> None:
    """Ask for protection on the sign-up page, as the person does."""
    with httpx.Client(base_url=runtime.url, timeout=15.0) as http:
        http.get("/signup").raise_for_status()
        form = {
            "name": tenant.person,
            "email": f"{tenant.name}@example.org",
            "phone": own_number,
            "language": tenant.language,
            "region": tenant.region,
            "contact_name": tenant.contact.name,
            "contact_number": tenant.contact.number,
            "_csrf_token": http.cookies["csrftoken"],
        }
        http.post("/signup", data=form).raise_for_status()


def _gitops(project: Path) -> None:
    """The GitOps repository of the demo's stacks: the Pulumi project, no tenant yet."""
    (project / "stacks" / "README.md").write_text("One stack file per tenant.\n")
    identity = ("-c", "user.name=Ethiq demo", "-c", "user.email=demo@ethiq.invalid")
    git(project, "init", "--quiet", "-b", "main")
    git(project, "add", ".")
    git(project, *identity, "commit", "--quiet", "-m", "stacks")


def _stack_sign_ups(project: Path, env: dict[str, str], progress: Any) -> None:
    """``ethiq people commit-changes`` commits a stack file per sign-up on its branch; the
    review merges it (fast-forward)."""
    done = subprocess.run(
        [ETHIQ, "people", "commit-changes", "--repo", str(project)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ethiq people commit-changes failed:\n{done.stderr[-2000:]}")
    for line in done.stdout.splitlines():
        progress(f"ethiq people commit-changes: {line}")
    git(project, "merge", "--quiet", "--ff-only", "people-changes")
    progress("the branch people-changes is reviewed and merged")


# The onboarding's test calls, in order: the person's page route that starts each, and the key
# of its latest result in the onboarding view.
TEST_CALLS = (
    ("sip/test", "app_test", "the SIP app rings"),
    ("forwarding/test", "forwarding_test", "the person's own number, forwarded"),
    ("test-call", "test_call", "the full test: their number, forwarded, rings the app"),
)


def _wait_enrolled(runtime: RuntimeHandle, slug: str) -> None:
    """Until the worker's enrolment job has enrolled the tenant's person."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            runtime.get(f"/people/{slug}/onboarding")
            return
        except httpx.HTTPStatusError as error:
            if error.response.status_code != 404 or time.monotonic() > deadline:  # noqa: PLR2004
                raise
        time.sleep(0.1)


def _sign_in(http: httpx.Client, mailbox: _Mailbox, email: str, language: str) -> None:
    """The person's sign-in: their email on the page, the emailed link, its button."""
    http.get("/").raise_for_status()
    csrf = http.cookies["csrftoken"]
    before = mailbox.count(email)
    http.post(f"/login?lang={language}", data={"email": email, "_csrf_token": csrf})
    link = mailbox.link(email, before, r"https?://\S+/login/\S+")
    path = httpx.URL(link).path
    http.get(path).raise_for_status()
    signed = http.post(path, data={"_csrf_token": csrf})
    if signed.status_code != 303 or "/people/" not in signed.headers.get("location", ""):  # noqa: PLR2004
        raise RuntimeError(f"sign-in by the emailed link failed: {signed.status_code}")


def _onboard(
    runtime: RuntimeHandle,
    control: SandboxControl,
    mailbox: _Mailbox,
    tenant: DemoTenant,
    numbers: dict[str, Any],
    signed_up: float,
    progress: Any,
) -> dict[str, Any]:
    """The person's onboarding as it goes for real: enrolled by the worker once their stack is
    applied (welcome by email and SMS), their SIP app signed in and their phone forwarding to
    the Ethiq number (what they do by hand, here the sandbox's handset and app), then the test
    calls started from their own page; returns the steps and how long sign-up to active took."""
    slug, email = tenant.name, f"{tenant.name}@example.org"
    view = f"/people/{slug}/onboarding"
    _wait_enrolled(runtime, slug)
    progress(f"{slug}: enrolled by the worker's job, welcome sent by email and SMS")
    control.sip_endpoint(numbers["sipAddress"], "answer")
    control.handset(_own_number(tenant), "unconditional", numbers["phoneNumber"])
    progress(f"{slug}: the person signs in their SIP app and turns forwarding on")
    with httpx.Client(base_url=runtime.url, timeout=15.0) as http:
        _sign_in(http, mailbox, email, tenant.language)
        progress(f"{slug}: the person signs in to their page by the emailed link")
        for path, key, what in TEST_CALLS:
            form = {"_csrf_token": http.cookies["csrftoken"]}
            started = http.post(f"/people/{slug}/{path}", data=form)
            location = started.headers.get("location", "")
            if started.status_code != 303 or "error=" in location:  # noqa: PLR2004
                raise RuntimeError(f"{slug}: test call {path} not started ({started.status_code})")
            deadline = time.monotonic() + READY_TIMEOUT_S
            while (test := runtime.get(view)[key]) is None or test["status"] == "calling":
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{slug}: test call {path} never ended")
                time.sleep(0.1)
            progress(f"{slug}: test call, {what}: {test['status']} ({test['outcome']})")
    out: dict[str, Any] = runtime.get(view)
    seconds = round(time.monotonic() - signed_up, 1)
    state = "active" if out["active"] else f"at {out['current']}"
    progress(f"{slug}: {state} {seconds} s after signing up")
    return {
        "active": out["active"],
        "seconds_to_active": seconds,
        "steps": [{"step": s["step"], "how": s["how"]} for s in out["steps"]],
    }


def _own_number(tenant: DemoTenant) -> str:
    """The person's own mobile number, given on the sign-up page."""
    return f"+1514555017{TENANTS.index(tenant)}"


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
    mailbox = _Mailbox(progress)
    with (
        tempfile.TemporaryDirectory(prefix="ethiq-demo-") as tmp,
        running_sandbox() as sandbox,
        running_mail_sink(mailbox.deliver) as smtp_port,
    ):
        work = Path(tmp)
        (work / "data").mkdir()
        port = free_port()
        public = f"http://127.0.0.1:{port}"
        database_url = f"sqlite:///{work / 'data' / 'ethiq.sqlite'}"
        platform = LocalPlatform(work, sandbox, database_url, public, generate_key())
        _gitops(platform.project)
        env = dict(platform.env) | {"ETHIQ_OPERATOR_TOKEN": secrets.token_urlsafe(24)}
        env.pop("REDIS_URL", None)
        env |= {"ETHIQ_SMTP_HOST": "127.0.0.1", "ETHIQ_SMTP_PORT": str(smtp_port)}
        env |= {"ETHIQ_WORKER_ENROLMENT": TICK}
        progress(f"starting the runtime on {public} (SQLite, in-process store)")
        summaries = []
        with running_runtime(env, port, work / "runtime.log") as runtime:
            signed_up: dict[str, float] = {}
            for tenant in TENANTS:
                progress(f"{tenant.person} asks for protection on {public}/signup")
                _sign_up(runtime, tenant, _own_number(tenant))
                signed_up[tenant.name] = time.monotonic()
            _stack_sign_ups(platform.project, env, progress)
            numbers: dict[str, dict[str, Any]] = {}
            for tenant in TENANTS:
                progress(
                    f"applying the stack {tenant.name!r} ({tenant.region}, {tenant.language}) "
                    "with pulumi up: real engine, local Twilio sandbox"
                )
                platform.create(tenant.name)
                numbers[tenant.name] = platform.up(tenant.name)
                progress(
                    f"  number {numbers[tenant.name]['phoneNumber']}, "
                    f"SIP {numbers[tenant.name]['sipAddress']}"
                )
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
                    mailbox,
                    tenant,
                    numbers[tenant.name],
                    signed_up[tenant.name],
                    progress,
                )
                for tenant in TENANTS
            }
            kpi: dict[str, Any] = runtime.get("/kpi")["onboarding"]
            progress(
                f"onboarding KPI: {kpi['active']} of {kpi['started']} active, "
                f"{kpi['manual']} needed an operator's hand"
            )
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
            summary = _summary(numbers, invitations, onboarding, kpi, summaries, violations)
            # The sandbox's Console step is recorded: nothing is left for an operator to enter.
            summary["console_steps_due"] = runtime.get("/opt-out-replies?due=true")
            if keep is not None:
                _serve_pages(runtime, progress)
                keep(summary, runtime)
    return summary


def _summary(
    numbers: dict[str, dict[str, Any]],
    invitations: dict[str, dict[str, str]],
    onboarding: dict[str, dict[str, Any]],
    kpi: dict[str, Any],
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
        "onboarding_kpi": kpi,  # GET /operator/kpi: the manual share counts operators' hands
        "calls": summaries,
        "twilio_contract_violations": violations,
    }
