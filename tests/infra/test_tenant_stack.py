"""A tenant end to end: `ethiq tenant add` → `pulumi up` (real engine, file backend) against the
Twilio sandbox and a real PostgreSQL → no-op → in-place update → faults → destroy."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from ethiq.local import POLICY, activate_locally, local_env
from ethiq.sandbox.server import SandboxHandle, running_sandbox
from infra.engine import pulumi, write_project
from infra.providers.ownership import parse_tag
from runtime.tenants import Registry, generate_key
from tests.sandbox.test_registration_provider import BUSINESS
from tests.sandbox.twilio_client import sdk_client
from tests.servers import Server

ROOT = Path(__file__).parents[2]
ETHIQ = Path(sys.executable).parent / "ethiq"
RUNTIME_URL = "https://runtime.ethiq.example"

pytestmark = [pytest.mark.engine, pytest.mark.services]


@dataclass
class Workspace:
    project: Path
    env: dict[str, str]
    sandbox: SandboxHandle
    database_url: str

    def ethiq(self, *args: str) -> None:
        stacks = str(self.project / "stacks")
        subprocess.run([ETHIQ, *args, "--stacks-dir", stacks], check=True, capture_output=True)

    def pulumi(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``pulumi ARGS``, with the policy pack on up and preview (the program needs it)."""
        policy = POLICY if args[0] in ("up", "preview") and "--policy-pack" not in args else ()
        return pulumi(*args, *policy, cwd=self.project, env=self.env, check=check)

    def outputs(self, stack: str) -> dict[str, Any]:
        out = self.pulumi("stack", "output", "--json", "--show-secrets", "--stack", stack)
        result: dict[str, Any] = json.loads(out.stdout)
        return result

    def numbers_of(self, account_sid: str) -> list[dict[str, Any]]:
        numbers: list[dict[str, Any]] = self.sandbox.control.state()["incoming_phone_numbers"]
        return [n for n in numbers if n["account_sid"] == account_sid]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def workspace(tmp_path: Path, sandbox: SandboxHandle, postgres: Server) -> Workspace:
    # The repository's program, with its state and stack files in the test's directory.
    project = write_project(tmp_path / "project", "ethiq", ROOT, stacks=True)
    env = local_env(
        tmp_path / "state",
        sandbox,
        database_url=postgres.url,
        runtime_url=RUNTIME_URL,
        registry_key=generate_key(),
    ) | {"ETHIQ_TWILIO_BACKOFF_BASE_S": "0.05"}
    sandbox.control.reset()
    # Their people are verified and accepted the terms (the activation-gate policy).
    activate_locally(postgres.url, ["acme", "bravo", "charlie", "delta"])
    return Workspace(project, env, sandbox, postgres.url)


def _tables(database_url: str, schema: str) -> list[str]:
    async def query() -> list[str]:
        conn = await asyncpg.connect(database_url)
        try:
            rows = await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
            )
            return sorted(row["table_name"] for row in rows)
        finally:
            await conn.close()

    return asyncio.run(query())


def _registered(ws: Workspace, slug: str) -> Any:
    async def get() -> Any:
        registry = Registry.for_url(ws.database_url, ws.env["ETHIQ_REGISTRY_KEY"])
        try:
            return await registry.get(slug)
        finally:
            await registry.close()

    return asyncio.run(get())


def test_tenant_lifecycle(workspace: Workspace) -> None:
    ws, control = workspace, workspace.sandbox.control
    ws.ethiq(
        "tenant",
        "add",
        "acme",
        "--email",
        "famille@example.org",
        "--region",
        "CA-QC",
        "--contact",
        "+15145550111:Marie",
    )
    ws.pulumi("stack", "init", "acme")

    # 1. Provision.
    ws.pulumi("up", "--yes", "--skip-preview")
    out = ws.outputs("acme")
    assert out["phoneNumber"].startswith("+1")
    assert out["schema"] == "tenant_acme"
    assert out["sipUsername"] == "user_acme"
    assert out["sipAddress"].startswith("sip:user_acme@acme-")
    assert out["sipAddress"].endswith(".sip.twilio.com")
    assert "sipPassword" not in out  # the runtime gives the app its password (shown once)
    [number] = ws.numbers_of(out["subaccountSid"])
    assert number["phone_number"] == out["phoneNumber"]
    assert number["voice_url"] == f"{RUNTIME_URL}/twilio/voice"
    # The fallback is Twilio-hosted (Serverless, in the subaccount): it outlives the runtime.
    assert re.fullmatch(
        r"https://ethiq-fallback-\d{4}\.twil\.io/fallback\.xml", number["voice_fallback_url"]
    )
    assert number["voice_fallback_method"] == "GET"
    assert number["status_callback"] == f"{RUNTIME_URL}/twilio/call-status"
    assert number["sms_url"] == f"{RUNTIME_URL}/twilio/sms"
    domains = [
        d for d in control.state()["sip_domains"] if d["account_sid"] == out["subaccountSid"]
    ]
    assert [d["domain_name"] for d in domains] == [out["sipAddress"].split("@")[1]]
    assert domains[0]["secure"] is True
    assert domains[0]["sip_registration"] is True
    tables = _tables(ws.database_url, "tenant_acme")
    assert {"call", "transcript_segment", "verdict", "alert", "contact", "consent"} <= set(tables)
    record = _registered(ws, "acme")
    assert record.phone_number == out["phoneNumber"]
    assert record.subaccount_sid == out["subaccountSid"]
    # Texts leave through the subaccount's Messaging Service, the number in its sender pool.
    assert [
        (m["sid"], m["senders"])
        for m in control.state()["messaging_services"]
        if m["account_sid"] == out["subaccountSid"]
    ] == [(record.messaging_service_sid, [number["sid"]])]

    # 2. Nothing changed: no write reaches Twilio, the data layer is untouched.
    writes_before = len(control.writes())
    second = ws.pulumi("up", "--yes", "--skip-preview")
    assert len(control.writes()) == writes_before
    assert "17 unchanged" in second.stdout
    assert _registered(ws, "acme").updated_at == record.updated_at
    assert _tables(ws.database_url, "tenant_acme") == tables

    # No ethiq:spendLimit: the subaccount's spend is watched at the entry plan's limit (30 USD),
    # and a month's spend past 80 % of it fires the 80 % trigger, and only it.
    subaccount = next(a for a in control.state()["accounts"] if a["sid"] == out["subaccountSid"])
    own = sdk_client(ws.sandbox.base_url, subaccount["sid"], subaccount["auth_token"])
    triggers = {float(t.trigger_value): t for t in own.usage.triggers.list()}
    assert sorted(triggers) == [24.0, 30.0]
    assert triggers[24.0].callback_url == f"{RUNTIME_URL}/twilio/usage?tenant=acme&threshold=80"
    fired = control.record_usage(subaccount["sid"], "calls-inbound", usage=300, price=25)
    assert [f["sid"] for f in fired] == [triggers[24.0].sid]

    # No runtime answers at RUNTIME_URL: the stack's Twilio-hosted fallback rings the SIP app.
    legs = control.inbound_call(out["phoneNumber"], "+15145550199")["legs"]
    assert [(leg["to"], leg["status"]) for leg in legs[1:]] == [
        (out["sipAddress"] + ";secure=true", "completed")
    ]

    # 3. Secrets never appear in plaintext in the state.
    state = ws.pulumi("stack", "export").stdout
    for secret in (
        subaccount["auth_token"],
        ws.sandbox.auth_token,
        ws.env["ETHIQ_REGISTRY_KEY"],
        ws.database_url,
    ):
        assert secret not in state

    # 4. A new runtime URL updates the number and the SIP domain in place.
    ws.pulumi("config", "set", "runtimeUrl", "https://runtime2.ethiq.example", "--stack", "acme")
    ws.env["ETHIQ_PUBLIC_URL"] = "https://runtime2.ethiq.example"  # the pack checks against it
    moved = ws.pulumi("up", "--yes", "--skip-preview")
    assert "replaced" not in moved.stdout
    [moved_number] = ws.numbers_of(out["subaccountSid"])
    assert moved_number["sid"] == number["sid"]
    assert moved_number["voice_url"] == "https://runtime2.ethiq.example/twilio/voice"
    exported = json.loads(ws.pulumi("stack", "export").stdout)["deployment"]["resources"]
    [number_state] = [r for r in exported if r["type"].endswith("TwilioPhoneNumber")]
    assert number_state["outputs"]["voice_url"] == "https://runtime2.ethiq.example/twilio/voice"
    assert not control.writes(path="*/IncomingPhoneNumbers.json")[1:]  # bought once, ever

    # 5. Destroy with retainData false: number released, subaccount closed, data dropped.
    refused = ws.pulumi("destroy", "--yes", "--skip-preview", check=False)
    assert refused.returncode != 0
    assert "protect" in refused.stdout + refused.stderr
    assert len(ws.numbers_of(out["subaccountSid"])) == 1  # nothing released
    ws.pulumi("config", "set", "allowDestroy", "true", "--stack", "acme")
    ws.pulumi("config", "set", "retainData", "false", "--stack", "acme")
    ws.pulumi("up", "--yes", "--skip-preview")
    ws.pulumi("destroy", "--yes", "--skip-preview")
    assert ws.numbers_of(out["subaccountSid"]) == []
    closed = next(a for a in control.state()["accounts"] if a["sid"] == out["subaccountSid"])
    assert closed["status"] == "closed"
    assert _tables(ws.database_url, "tenant_acme") == []
    assert _registered(ws, "acme") is None
    assert control.violations() == []  # every request and response matched Twilio's contract


EIN = "12-3456789"
US_TEXTING = BUSINESS  # the brand's declaration, as the provider's tests make it
US_IDENTITY = {
    "ein": EIN,
    "address": {"street": "1 Main St", "city": "Albany", "region": "NY", "postalCode": "12207"},
}


def test_faults_still_end_with_exactly_one_number(workspace: Workspace) -> None:
    """A New York tenant whose stack registers US texting (A2P 10DLC), applied through
    throttling, 500s and lost answers: one of each thing, the EIN encrypted in the state, and
    a destroy that leaves the brand at Twilio (no API deletes one)."""
    ws, control = workspace, workspace.sandbox.control
    ws.ethiq(
        "tenant",
        "add",
        "bravo",
        "--email",
        "bravo@example.org",
        "--region",
        "US-NY",
        "--contact",
        "+12125550123",
    )
    stack_file = ws.project / "stacks" / "Pulumi.bravo.yaml"
    declared = yaml.safe_load(stack_file.read_text())
    declared["config"]["ethiq:usTexting"] = US_TEXTING
    stack_file.write_text(yaml.safe_dump(declared, allow_unicode=True))
    ws.pulumi("stack", "init", "bravo")
    identity = json.dumps(US_IDENTITY)
    ws.env["ETHIQ_DATA_REGION"] = "us-east-1"  # a New York tenant's data lives there (policy)
    ws.pulumi("config", "set", "--secret", "ethiq:usTextingIdentity", identity, "--stack", "bravo")
    control.fail(429, code=20429, method="POST", path="*/Accounts.json", times=3)
    control.fail(429, code=20429, method="POST", path="*/IncomingPhoneNumbers.json", times=3)
    control.fail(500, code=20500, method="POST", path="*/SIP/Domains.json", times=2)
    control.drop_after_commit(method="POST", path="*/IncomingPhoneNumbers.json", times=1)
    control.drop_after_commit(method="POST", path="*/Credentials.json", times=1)

    ws.pulumi("up", "--yes", "--skip-preview")

    out = ws.outputs("bravo")
    subaccounts = [
        a
        for a in control.state()["accounts"]
        if parse_tag(a["friendly_name"]).name == "ethiq-bravo"
    ]
    assert len(subaccounts) == 1
    [number] = ws.numbers_of(out["subaccountSid"])
    assert number["phone_number"] == out["phoneNumber"]
    domains = [
        d for d in control.state()["sip_domains"] if d["account_sid"] == out["subaccountSid"]
    ]
    assert len(domains) == 1
    # The faults really happened: throttled and dropped requests are in the log.
    statuses = [
        e.status for e in control.requests(method="POST", path="*/IncomingPhoneNumbers.json")
    ]
    assert statuses.count(429) == 3
    # US texting: the brand is pending vetting, the stack says so and so does the registry
    # (the person's page reads it: tests/people/test_pages_browser.py).
    assert out["usTexting"] == "pending registration"
    assert _registered(ws, "bravo").us_texting == "pending"
    [brand] = [b for b in control.state()["a2p_brands"] if b["account_sid"] == out["subaccountSid"]]
    assert brand["status"] == "PENDING"
    # The EIN and the address are in the state, encrypted only (secret input and outputs).
    assert EIN in ws.pulumi("stack", "export", "--show-secrets").stdout
    state = ws.pulumi("stack", "export").stdout
    for plain in (EIN, EIN.replace("-", ""), "1 Main St"):
        assert plain not in state
    assert EIN not in stack_file.read_text()  # the stack file holds it encrypted too

    ws.pulumi("state", "unprotect", "--all", "--yes")
    destroyed = ws.pulumi("destroy", "--yes", "--skip-preview")
    # Twilio's API deletes no brand: it leaves the state and stays at Twilio, said.
    retained = r"TwilioA2PBrand bravo-a2p-brand deleted \([\d.]+s\)\s*\[retain\]"
    assert re.search(retained, destroyed.stdout), destroyed.stdout
    assert brand in control.state()["a2p_brands"]


def test_empty_inventory_fails_with_what_to_do(workspace: Workspace) -> None:
    ws, control = workspace, workspace.sandbox.control
    ws.ethiq(
        "tenant",
        "add",
        "charlie",
        "--email",
        "c@example.org",
        "--region",
        "CA-BC",
        "--contact",
        "+16045550123",
    )
    ws.pulumi("stack", "init", "charlie")
    control.empty_inventory("CA", "BC")
    failed = ws.pulumi("up", "--yes", "--skip-preview", check=False)
    assert failed.returncode != 0
    assert "no Twilio number with voice and SMS" in failed.stdout
    assert "Set ethiq:near to another place" in failed.stdout
    assert control.writes(path="*/IncomingPhoneNumbers.json") == []
