"""The real Pulumi engine, offline, on a local file backend (CLI + Python host + providers)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from infra.engine import engine_env, pulumi, write_project
from infra.smoke.run import POLICY_PACK, RUNTIME, URL

ROOT = Path(__file__).parents[1]
VENV_BIN = Path(sys.executable).parent

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module", autouse=True)
def _engine_installed() -> None:
    if not (VENV_BIN / "pulumi").exists():
        reason = f"Pulumi engine not installed in {VENV_BIN}: run tools/setup.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)  # in CI a missing engine is a broken setup, never a skip
        pytest.skip(reason)


def test_engine_release_matches_the_pinned_python_sdk() -> None:
    out = subprocess.run(
        [VENV_BIN / "pulumi", "version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    go_mod = (ROOT / "tools/engine/go.mod").read_text()
    pin = re.search(r"github\.com/pulumi/pulumi/pkg/v3 (v\S+)", go_mod)
    assert pin is not None
    assert out == pin.group(1) == f"v{version('pulumi')}"


def test_up_noop_preview_policy_and_destroy(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", "enginetest", ROOT / "infra/smoke")
    env = engine_env(tmp_path / "state", passphrase="test-only passphrase")  # noqa: S106
    env["ETHIQ_PUBLIC_URL"] = RUNTIME  # the pack refuses webhooks when no runtime is configured
    target = tmp_path / "hook.json"
    policy = ("--policy-pack", str(POLICY_PACK))

    pulumi("stack", "init", "test", cwd=project, env=env)
    pulumi("config", "set", "path", str(target), cwd=project, env=env)
    pulumi("config", "set", "url", URL, cwd=project, env=env)
    up = pulumi("up", "--yes", "--skip-preview", *policy, cwd=project, env=env)
    assert "2 created" in up.stdout
    assert json.loads(target.read_text()) == {"url": URL}  # the dynamic provider really ran

    state = json.loads(pulumi("stack", "export", cwd=project, env=env).stdout)
    types = [r["type"] for r in state["deployment"]["resources"]]
    assert "pulumi-python:dynamic/ethiq:WebhookFile" in types

    pulumi("preview", "--expect-no-changes", *policy, cwd=project, env=env)

    # An update in place (only the URL changes): the provider rewrites the file.
    moved = f"{RUNTIME}/twilio/voice-v2"
    pulumi("config", "set", "url", moved, cwd=project, env=env)
    updated = pulumi("up", "--yes", "--skip-preview", *policy, cwd=project, env=env)
    assert "1 updated" in updated.stdout
    assert json.loads(target.read_text()) == {"url": moved}

    # The policy pack is enforced by the engine: plain http outside loopback is refused.
    pulumi("config", "set", "url", "http://runtime.ethiq.invalid/voice", cwd=project, env=env)
    refused = pulumi("preview", *policy, cwd=project, env=env, check=False)
    assert refused.returncode != 0
    assert "webhook-urls-https" in refused.stdout
    assert "url must be an https URL" in refused.stdout

    pulumi("destroy", "--yes", "--skip-preview", cwd=project, env=env)
    assert not target.exists()
    state = json.loads(pulumi("stack", "export", cwd=project, env=env).stdout)
    assert not state["deployment"].get("resources")


def test_smoke_command_stays_on_loopback(tmp_path: Path) -> None:
    """`ethiq engine smoke` passes with every socket connection on loopback or a Unix socket."""
    strace = shutil.which("strace")
    assert strace is not None, "strace is installed by tools/setup.sh"
    trace = tmp_path / "connect.trace"
    result = subprocess.run(
        [
            strace,
            "-f",
            "-qq",
            "-e",
            "trace=connect",
            "-o",
            str(trace),
            VENV_BIN / "ethiq",
            "engine",
            "smoke",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "engine smoke passed" in result.stdout

    addresses = re.findall(r'inet_(?:addr|pton)\((?:AF_INET6, )?"([^"]+)"', trace.read_text())
    assert addresses, "the engine talks to its plugins over TCP: the trace cannot be empty"
    outside = {
        a for a in addresses if not (a.startswith("127.") or a in {"::1", "::ffff:127.0.0.1"})
    }
    assert not outside, f"connections beyond loopback: {sorted(outside)}"


def test_engine_build_is_skipped_when_nothing_changed() -> None:
    result = subprocess.run(
        ["bash", ROOT / "tools/engine/build.sh", VENV_BIN],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "up to date: v" in result.stdout
    assert "building" not in result.stdout
