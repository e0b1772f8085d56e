"""The policy pack through the real engine on the real tenant program (Twilio sandbox and
PostgreSQL): a compliant tenant goes up under every rule, a violating one is refused at preview
with each broken rule's message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ethiq.local import activate_locally, local_env
from ethiq.sandbox.server import SandboxHandle, running_sandbox
from infra.engine import write_project
from runtime.tenants import generate_key
from tests.infra.test_tenant_stack import ROOT, RUNTIME_URL, Workspace
from tests.servers import Server

pytestmark = [pytest.mark.engine, pytest.mark.services]

POLICY_PACK = str(ROOT / "policies")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def workspace(tmp_path: Path, sandbox: SandboxHandle, postgres: Server) -> Workspace:
    """As in tests/infra/test_tenant_stack.py, plus the operator's settings for the pack: the
    runtime URL from the environment, the data region from a policy config file."""
    project = write_project(tmp_path / "project", "ethiq", ROOT, stacks=True)
    env = local_env(
        tmp_path / "state",
        sandbox,
        database_url=postgres.url,
        runtime_url=RUNTIME_URL,
        registry_key=generate_key(),
    ) | {"ETHIQ_TWILIO_BACKOFF_BASE_S": "0.05"}
    env.pop("ETHIQ_DATA_REGION", None)
    sandbox.control.reset()
    return Workspace(project, env, sandbox, postgres.url)


def _stack(ws: Workspace, name: str, config: dict[str, Any]) -> None:
    stack_file = ws.project / "stacks" / f"Pulumi.{name}.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {f"ethiq:{k}": v for k, v in config.items()}}))
    ws.pulumi("stack", "init", name)


def _policy(tmp_path: Path) -> tuple[str, ...]:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"data-residency": {"dataRegion": "ca-central-1"}}))
    return ("--policy-pack", POLICY_PACK, "--policy-pack-config", str(config))


def test_compliant_tenant_goes_up_and_a_violating_one_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    ws, policy = workspace, _policy(tmp_path)
    activate_locally(ws.database_url, ["acme"])  # bravo's person is not verified
    _stack(
        ws,
        "acme",
        {
            "email": "famille@example.org",
            "region": "CA-QC",
            "contacts": [
                {"number": "+15145550111", "name": "Marie", "consented": True},
                {"number": "+15145550122", "name": "Paul"},
            ],
            "recordCalls": True,  # Quebec: one-party consent, and the tenant's is recorded
            "recordingConsentAt": "2026-01-15T10:00:00Z",
            "retainData": False,  # destroy drops its schema from the session's PostgreSQL
        },
    )
    up = ws.pulumi("up", "--yes", "--skip-preview", *policy)
    assert "17 created" in up.stdout
    assert "contacts-consent" in up.stdout  # advisory: reported, not blocking
    assert "emergency contact 2 (Paul, …0122) has not consented" in up.stdout
    assert "[mandatory]" not in up.stdout  # SIP, secrets, https, config: all pass

    _stack(
        ws,
        "bravo",
        {
            "email": "bravo@example.org",
            "region": "US-NY",  # served, but its data region is us-east-1
            "contacts": [{"number": "+12125550123", "name": "Ann", "consented": True}],
            "recordCalls": True,  # without recorded consent
            "consentNotice": True,  # New York is one-party: no notice is played there
            "runtimeUrl": "https://elsewhere.ethiq.example",  # not the platform's runtime
        },
    )
    writes = len(ws.sandbox.control.writes())
    refused = ws.pulumi("preview", *policy, check=False)
    assert refused.returncode != 0
    out = refused.stdout
    for rule, message in [
        ("data-residency", "the data of a US-NY tenant must stay in us-east-1, but the database"),
        ("call-recording", "call recording (ethiq:recordCalls) needs the tenant's recorded"),
        ("consent-notice", "ethiq:consentNotice True: in US-NY (one-party consent) no consent"),
        ("webhook-urls-runtime", "voice_url points at 'https://elsewhere.ethiq.example/twilio"),
        ("us-a2p-registration", "would text US recipients (ethiq:contacts[0]) without A2P"),
        # A resource policy: in an up it stops the purchase before the engine buys the number.
        ("activation-gate", "tenant 'bravo' may not buy its number before the person's identity"),
        ("activation-gate", "before the person accepts the terms"),
    ]:
        assert f"[mandatory]  {rule}" in out
        assert message in out
    assert len(ws.sandbox.control.writes()) == writes  # refused before anything was written

    # Without the operator's runtime URL the rule fails closed, whatever the stack file says.
    ws.env["ETHIQ_PUBLIC_URL"] = ""
    blind = ws.pulumi("preview", *policy, check=False)
    ws.env["ETHIQ_PUBLIC_URL"] = RUNTIME_URL
    assert blind.returncode != 0
    assert "[mandatory]  webhook-urls-runtime" in blind.stdout
    assert "no runtime URL is configured for this run" in blind.stdout
    assert len(ws.sandbox.control.writes()) == writes

    ws.pulumi("state", "unprotect", "--all", "--yes", "--stack", "acme")
    ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", "acme")
