"""The README's engineer path, exactly as written, in a clean clone of the repository (its own
Pulumi.yaml, no project file written by the test), against the Twilio sandbox and PostgreSQL:

tenant add → stack init → config set (plain, --secret) → a bare `pulumi up` refused without the
policy pack → preview --diff → up → drift (refresh, ethiq drift) and its repair → a second backend
refused → --replace and a rename keep the number → destroy → stack rm.

One stack runs through every step, so the whole story costs a handful of engine runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from twilio.rest import Client

from ethiq.local import activate_locally, local_env
from ethiq.sandbox.server import SandboxHandle, running_sandbox
from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.tenants import Registry, generate_key
from tests.servers import Server

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
RUNTIME_URL = "https://runtime.ethiq.example"
NUMBER_TYPE = "ethiq:TwilioPhoneNumber"
SUBACCOUNT_TYPE = "ethiq:TwilioSubaccount"

pytestmark = [pytest.mark.engine, pytest.mark.services]


@dataclass
class Clone:
    root: Path
    env: dict[str, str]
    sandbox: SandboxHandle
    database_url: str

    def run(
        self, *command: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """A README command, as a person types it in the repository root."""
        return subprocess.run(
            [*command, *(["--non-interactive"] if command[0] == "pulumi" else [])],
            cwd=self.root,
            env=env or self.env,
            capture_output=True,
            text=True,
            check=False,
        )

    def ok(self, *command: str, env: dict[str, str] | None = None) -> str:
        done = self.run(*command, env=env)
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def state(self) -> list[dict[str, Any]]:
        exported = json.loads(self.ok("pulumi", "stack", "export", "--stack", "acme"))
        resources: list[dict[str, Any]] = exported["deployment"]["resources"]
        return resources

    def urn(self, kind: str) -> str:
        return str(next(r["urn"] for r in self.state() if r["type"].endswith(kind)))

    def outputs(self) -> dict[str, Any]:
        out = self.ok("pulumi", "stack", "output", "--json", "--show-secrets", "--stack", "acme")
        result: dict[str, Any] = json.loads(out)
        return result

    def numbers(self, account_sid: str) -> list[dict[str, Any]]:
        numbers: list[dict[str, Any]] = self.sandbox.control.state()["incoming_phone_numbers"]
        return [n for n in numbers if n["account_sid"] == account_sid]

    def account(self, sid: str) -> dict[str, Any]:
        accounts: list[dict[str, Any]] = self.sandbox.control.state()["accounts"]
        return next(a for a in accounts if a["sid"] == sid)

    def twilio(self, account_sid: str) -> Client:
        """Twilio as a person in the console would change it (not through Pulumi)."""
        creds = TwilioCredentials(
            self.sandbox.account_sid, self.sandbox.auth_token, self.sandbox.base_url
        )
        return make_client(creds, account_sid=account_sid)

    def registered(self, key: str) -> Any:
        async def get() -> Any:
            registry = Registry.for_url(self.database_url, key)
            try:
                return await registry.get("acme")
            finally:
                await registry.close()

        return asyncio.run(get())

    def unregister(self, key: str) -> None:
        async def remove() -> None:
            registry = Registry.for_url(self.database_url, key)
            try:
                await registry.remove("acme")
            finally:
                await registry.close()

        asyncio.run(remove())


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


def _env(state: Path, sandbox: SandboxHandle, database_url: str, key: str) -> dict[str, str]:
    env = local_env(
        state, sandbox, database_url=database_url, runtime_url=RUNTIME_URL, registry_key=key
    )
    env.pop("DATABASE_URL")  # the stack's secret config carries it (README: config set --secret)
    return env | {"ETHIQ_TWILIO_BACKOFF_BASE_S": "0.05", "PATH": f"{BIN}{os.pathsep}{env['PATH']}"}


@pytest.fixture
def clone(tmp_path: Path, sandbox: SandboxHandle, postgres: Server) -> Clone:
    root = tmp_path / "ethiq"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(root)], check=True)
    (root / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)  # built by setup
    sandbox.control.reset()
    key = generate_key()
    activate_locally(postgres.url, ["acme"])  # the person verified, the terms accepted
    return Clone(root, _env(tmp_path / "state", sandbox, postgres.url, key), sandbox, postgres.url)


def test_the_readme_engineer_path(clone: Clone, tmp_path: Path) -> None:
    c, control = clone, clone.sandbox.control
    key = c.env["ETHIQ_REGISTRY_KEY"]

    # --- Desired state: the stack file, edited by ethiq and by pulumi, stays valid ------------
    c.ok("ethiq", "tenant", "add", "acme", "--email", "famille@example.org", "--region",
         "CA-QC", "--contact", "+15145550111:Marie")  # fmt: skip
    c.ok("pulumi", "stack", "init", "acme")
    c.ok("pulumi", "config", "set", "language", "en-US", "--stack", "acme")
    c.ok("pulumi", "config", "set", "retainData", "false", "--stack", "acme")
    c.ok("pulumi", "config", "set", "--secret", "databaseUrl", c.database_url, "--stack", "acme")
    stack_file = (c.root / "stacks" / "Pulumi.acme.yaml").read_text()
    assert "encryptionsalt" in stack_file
    assert "secure:" in stack_file
    assert c.database_url not in stack_file
    listed = c.ok("ethiq", "tenant", "list")
    assert "acme" in listed
    assert "CA-QC  en-US" in listed
    assert "INVALID" not in listed

    # A misspelled key is an error with a hint (the program says the same: test_program.py).
    c.ok("pulumi", "config", "set", "langauge", "fr-CA", "--stack", "acme")
    assert "ethiq:langauge: is not a setting Ethiq knows; did you mean ethiq:language?" in c.ok(
        "ethiq", "tenant", "list"
    )
    c.ok("pulumi", "config", "rm", "langauge", "--stack", "acme")

    # A stack with no config at all: a clear error, no traceback.
    c.ok("pulumi", "stack", "init", "empty")
    empty = c.run("ethiq", "pulumi", "preview", "--stack", "empty")
    assert empty.returncode != 0
    assert "stacks/Pulumi.empty.yaml: ethiq:email: is required" in empty.stdout
    assert "Traceback" not in empty.stdout + empty.stderr
    c.ok("pulumi", "stack", "rm", "--yes", "empty")

    # --- The policy pack is not optional ---------------------------------------------------
    bare = c.run("pulumi", "up", "--yes", "--stack", "acme")
    assert bare.returncode != 0
    assert "runs only under the Ethiq policy pack" in bare.stdout
    assert control.writes() == []

    preview = c.ok("pulumi", "preview", "--diff", "--policy-pack", "policies", "--stack", "acme")
    assert "+ 17 to create" in preview
    assert "ethiq|local|policies" in preview  # under "Policy Packs run:"
    assert control.writes() == []

    # --- Provision ---------------------------------------------------------------------------
    c.ok("ethiq", "pulumi", "up", "--yes", "--stack", "acme")
    out = c.outputs()
    [number] = c.numbers(out["subaccountSid"])
    assert number["phone_number"] == out["phoneNumber"]
    assert c.account(out["subaccountSid"])["friendly_name"].startswith("ethiq-acme@local#")
    assert number["friendly_name"].startswith("ethiq-acme@local#")
    assert c.registered(key).phone_number == out["phoneNumber"]

    # --- A second backend cannot take the tenant over, nor destroy it -----------------------
    other = _env(tmp_path / "other-state", c.sandbox, c.database_url, key)
    other["PULUMI_CONFIG_PASSPHRASE"] = c.env["PULUMI_CONFIG_PASSPHRASE"]  # the stack file's
    c.ok("pulumi", "stack", "init", "acme", env=other)
    taken = c.run("ethiq", "pulumi", "up", "--yes", "--stack", "acme", env=other)
    assert taken.returncode != 0
    assert "belongs to platform 'local', stack id" in taken.stdout
    assert "refusing to adopt it" in taken.stdout
    assert "Traceback" not in taken.stdout + taken.stderr  # the provider's message, one line
    c.ok("pulumi", "destroy", "--yes", "--stack", "acme", env=other)
    assert c.account(out["subaccountSid"])["status"] == "active"
    assert [n["sid"] for n in c.numbers(out["subaccountSid"])] == [number["sid"]]
    assert c.registered(key).subaccount_sid == out["subaccountSid"]

    # --- Drift: seen by refresh and ethiq drift (which resource, which field), then repaired --
    twilio = c.twilio(out["subaccountSid"])
    twilio.incoming_phone_numbers(number["sid"]).update(voice_url="https://attacker.example/v")
    [credential_list] = twilio.sip.credential_lists.list()
    [credential] = credential_list.credentials.list()
    credential_list.credentials(credential.sid).delete()
    c.unregister(key)
    refresh = c.run(
        "pulumi", "refresh", "--preview-only", "--diff", "--expect-no-changes", "--stack", "acme"
    )
    assert refresh.returncode != 0
    assert "https://attacker.example/v" in refresh.stdout  # the field and its live value
    assert "acme-sip-user" in refresh.stdout
    assert "acme-registration" in refresh.stdout
    drift = c.run("ethiq", "drift", "acme")
    assert drift.returncode == 1, drift.stdout
    assert "drifted" in drift.stdout
    c.ok("pulumi", "refresh", "--yes", "--stack", "acme")
    c.ok("ethiq", "pulumi", "up", "--yes", "--stack", "acme")
    [repaired] = c.numbers(out["subaccountSid"])
    assert repaired["voice_url"] == f"{RUNTIME_URL}/twilio/voice"
    assert [x.username for x in credential_list.credentials.list()] == ["user_acme"]
    assert c.registered(key).phone_number == out["phoneNumber"]
    assert c.run("ethiq", "drift", "acme").returncode == 0

    # --- The number and the subaccount are protected ----------------------------------------
    number_urn, subaccount_urn = c.urn(NUMBER_TYPE), c.urn(SUBACCOUNT_TYPE)
    protected = c.run("ethiq", "pulumi", "up", "--yes", "--replace", number_urn, "--stack", "acme")
    assert protected.returncode != 0
    assert "protect" in protected.stdout
    refused = c.run("pulumi", "destroy", "--yes", "--stack", "acme")
    assert refused.returncode != 0
    assert [n["sid"] for n in c.numbers(out["subaccountSid"])] == [number["sid"]]

    # --- Unprotected (ethiq:allowDestroy), replacements and renames keep the same number -----
    c.ok("pulumi", "config", "set", "allowDestroy", "true", "--stack", "acme")
    c.ok("ethiq", "pulumi", "up", "--yes", "--stack", "acme")
    for urn in (number_urn, subaccount_urn):
        c.ok("ethiq", "pulumi", "up", "--yes", "--replace", urn, "--stack", "acme")
        assert c.account(out["subaccountSid"])["status"] == "active"
        assert [n["sid"] for n in c.numbers(out["subaccountSid"])] == [number["sid"]]
        assert c.registered(key).phone_number == out["phoneNumber"]
    tenant_py = c.root / "infra" / "tenant.py"
    renamed = tenant_py.read_text().replace('f"{name}-number"', 'f"{name}-phone"')
    assert renamed != tenant_py.read_text()
    tenant_py.write_text(renamed)  # a refactor that forgot `aliases`
    c.ok("ethiq", "pulumi", "up", "--yes", "--stack", "acme")
    assert c.urn(NUMBER_TYPE).endswith("::acme-phone")
    assert [n["sid"] for n in c.numbers(out["subaccountSid"])] == [number["sid"]]
    assert c.registered(key).phone_number == out["phoneNumber"]
    assert c.outputs()["phoneNumber"] == out["phoneNumber"]

    # --- The language host answers what `pulumi about` and `pulumi plugin ls` ask -----------
    about = c.ok("pulumi", "about", "--stack", "acme")
    assert "This project is written in python" in about
    assert "pulumi-policy" in about or "pulumi_policy" in about  # the environment's packages
    assert "python" in c.ok("pulumi", "plugin", "ls", "--project")

    # --- Destroy and remove ---------------------------------------------------------------
    c.ok("pulumi", "destroy", "--yes", "--stack", "acme")
    assert c.numbers(out["subaccountSid"]) == []
    assert c.account(out["subaccountSid"])["status"] == "closed"
    assert c.registered(key) is None
    c.ok("pulumi", "stack", "rm", "--yes", "acme")
    assert "acme" not in c.ok("pulumi", "stack", "ls")
    assert control.violations() == []
