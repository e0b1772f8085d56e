"""``ethiq reconcile`` without ``--base`` converges: it compares the head with what the backend
says each stack last applied (tag ``ethiq:applied-commit``), never with the commits of a push.

The real engine on a file backend, the Twilio sandbox and a real PostgreSQL, commands run as a
subprocess exactly as CI runs them. One story: a previewed onboarding (per-resource changes,
advisory policy findings) that writes nothing, an apply that records its commit, a failed apply
retried by the next run, commits never applied (a cancelled workflow) found again with the same
answer in preview and apply, a refused removal reported on every run until resolved,
``ethiq deploy-all``, and a ``kill -9`` of ``pulumi up`` that the next run recovers from.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ethiq.local import activate_locally, local_env
from ethiq.sandbox.server import SandboxHandle, running_sandbox
from infra.engine import pulumi, write_project
from infra.providers.ownership import parse_tag
from infra.reconcile import scratch
from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.tenants import generate_key
from tests.reconcile.helpers import ETHIQ, RUNTIME_URL, Run
from tests.servers import Server

ROOT = Path(__file__).parents[2]

pytestmark = [pytest.mark.engine, pytest.mark.services]


@dataclass
class World:
    repo: Path
    env: dict[str, str]
    sandbox: SandboxHandle
    out: Path

    def command(self, *args: str) -> list[str]:
        reports = ["--json", str(self.out / "report.json"), "--markdown", str(self.out / "r.md")]
        return [str(ETHIQ), *args, "--repo", str(self.repo), "--parallel", "2", *reports]

    def finish(self, done: subprocess.CompletedProcess[str]) -> Run:
        report = self.out / "report.json"
        assert report.is_file(), done.stdout + done.stderr
        run = Run(
            done.returncode,
            json.loads(report.read_text()),
            (self.out / "r.md").read_text(),
            done.stdout + done.stderr,
        )
        report.unlink()
        return run

    def ethiq(self, *args: str) -> Run:
        done = subprocess.run(
            self.command(*args), env=self.env, capture_output=True, text=True, check=False
        )
        return self.finish(done)

    def apply(self, *extra: str) -> Run:
        return self.ethiq("reconcile", "--apply", *extra)

    @property
    def backend(self) -> Path:
        return Path(self.env["PULUMI_BACKEND_URL"].removeprefix("file://")) / ".pulumi"

    def stacks(self) -> list[str]:
        return sorted(p.stem for p in (self.backend / "stacks" / "ethiq").glob("*.json"))

    def tag(self, stack: str) -> str | None:
        project = write_project(self.out / "query", "ethiq", ROOT / "infra")
        tags = pulumi("stack", "tag", "ls", "--json", "--stack", stack, cwd=project, env=self.env)
        value = json.loads(tags.stdout or "{}").get("ethiq:applied-commit")
        return str(value) if value else None

    def numbers(self, slug: str) -> list[dict[str, Any]]:
        state = self.sandbox.control.state()
        accounts = [
            a["sid"]
            for a in state["accounts"]
            if parse_tag(a["friendly_name"]).name == f"ethiq-{slug}"
        ]
        return [n for n in state["incoming_phone_numbers"] if n["account_sid"] in accounts]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def world(tmp_path: Path, sandbox: SandboxHandle, postgres: Server) -> World:
    env = local_env(
        tmp_path / "state",
        sandbox,
        database_url=postgres.url,
        runtime_url=RUNTIME_URL,
        registry_key=generate_key(),
    ) | {"ETHIQ_TWILIO_BACKOFF_BASE_S": "0.05", "ETHIQ_DATA_REGION": "ca-central-1"}
    sandbox.control.reset()
    activate_locally(postgres.url, ["acme", "alpha", "bravo", "charlie", "delta"])
    scratch.init_repo(tmp_path / "repo")
    return World(tmp_path / "repo", env, sandbox, tmp_path)


def _tenant(name: str, contact: str, extra: dict[str, Any] | None = None) -> dict[str, str | None]:
    values = {"email": f"{name}@example.org", "region": "CA-QC", "contacts": [contact]}
    return {f"stacks/Pulumi.{name}.yaml": scratch.tenant_file(name, values, extra)}


def _descendants(pid: int) -> dict[int, str]:
    """pid → start time of every live descendant of ``pid`` (start time guards pid reuse)."""
    children: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            starts[int(entry.name)] = fields[19]
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = starts[child]
            todo.append(child)
    return found


def _alive(pid: int, start: str) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] == start and fields[0] != "Z"


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def test_reconcile_converges_on_the_backend(world: World) -> None:
    repo, control = world.repo, world.sandbox.control
    c1 = scratch.commit(repo, "onboard alpha", _tenant("alpha", "+15145550111"))

    # 1. The PR check: a preview through the policy pack, per resource, writing nothing.
    preview = world.ethiq("reconcile", "--preview")
    assert preview.code == 0, preview.stdout
    assert preview.statuses() == {"alpha": "created"}
    assert preview.report["base"] is None
    alpha = preview.by_stack()["alpha"]
    assert alpha["reason"] == "not in the backend yet"
    assert len(alpha["steps"]) == 16  # the stack and the provider instance are left out
    assert {s["op"] for s in alpha["steps"]} == {"create"}
    assert "<code>alpha</code>: 16 resource change(s)" in preview.markdown
    assert "contacts-consent" in {p["policy"] for p in alpha["policies"]}
    assert "· advisory · `contacts-consent`" in preview.markdown
    assert "[!CAUTION]" not in preview.markdown  # nothing is replaced or deleted
    assert world.stacks() == []  # a preview never writes the real backend
    assert control.writes() == []

    # 2. The apply creates it and records the commit on the stack; a later run with nothing
    #    pending runs no engine operation, whatever was committed meanwhile.
    applied = world.apply()
    assert applied.code == 0, applied.stdout
    assert applied.statuses() == {"alpha": "created"}
    assert world.tag("alpha") == c1
    scratch.commit(repo, "notes", {"docs/notes.md": "not a stack\n"})
    idle = world.apply()
    assert (idle.code, idle.report["results"], idle.report["engine_operations"]) == (0, [], 0)

    # 3. Two commits no workflow applied (a cancelled run; a multi-commit push or a squash brings
    #    them at once): the preview and the apply see the same stacks, for the same reasons.
    # (A language change: the pack would refuse webhooks moved off the configured runtime.)
    moved = {"ethiq:language": "en-US"}
    scratch.commit(repo, "alpha speaks English", _tenant("alpha", "+15145550111", moved))
    c4 = scratch.commit(repo, "bravo arrives", _tenant("bravo", "+15145550122"))
    planned = world.ethiq("reconcile", "--preview")
    done = world.apply()
    assert done.code == 0, done.stdout
    assert planned.statuses() == done.statuses() == {"alpha": "updated", "bravo": "created"}
    reasons = {r["stack"]: r["reason"] for r in done.report["results"]}
    assert reasons == {r["stack"]: r["reason"] for r in planned.report["results"]}
    assert reasons["alpha"] == f"stack file differs from the applied {c1[:10]}"
    assert (world.tag("alpha"), world.tag("bravo")) == (c4, c4)
    [number] = world.numbers("alpha")  # updated in place: the same number, still on the runtime
    assert number["voice_url"] == f"{RUNTIME_URL}/twilio/voice"

    # 4. Removing bravo's file without the flag is refused, and
    #    every later run reports it again (steps 5 and 6) until it is resolved.
    scratch.commit(repo, "drop bravo", {"stacks/Pulumi.bravo.yaml": None})
    refused = world.apply()
    assert refused.code == 1
    assert refused.statuses() == {"bravo": "refused"}
    assert "as last committed does not carry `ethiq:allowDestroy: true`" in refused.markdown
    # The report lists what a destroy would delete, the protected number among them.
    assert "**DELETE** `bravo-number`" in refused.markdown
    assert len(world.numbers("bravo")) == 1

    # 5. kill -9 of `pulumi up` while a provider waits on Twilio: that run fails and leaves no
    #    engine process behind, the stack locked and an operation pending.
    c6 = scratch.commit(repo, "charlie arrives", _tenant("charlie", "+15145550133"))
    control.delay(120, method="GET", path="*/IncomingPhoneNumbers.json")
    run = subprocess.Popen(
        world.command("reconcile", "--apply"),
        env=world.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not any(e.fault == "delay" for e in control.requests(method="GET")):
        assert run.poll() is None, "the run ended before its up reached Twilio"
        assert time.monotonic() < deadline, "the up never reached Twilio"
        time.sleep(0.2)
    processes = _descendants(run.pid)
    [engine] = [
        p for p in processes if Path(_cmdline(p)[0]).name == "pulumi" and "up" in _cmdline(p)
    ]
    os.kill(engine, signal.SIGKILL)
    out, _ = run.communicate(timeout=300)
    killed = world.finish(subprocess.CompletedProcess(run.args, run.returncode, out, ""))
    assert killed.statuses() == {"bravo": "refused", "charlie": "failed"}
    assert [p for p, start in processes.items() if _alive(p, start)] == []
    locks = world.backend / "locks" / "organization" / "ethiq" / "charlie"
    assert list(locks.glob("*.json"))
    assert world.tag("charlie") != c6
    control.clear_faults()

    # 6. The operator's deploy-all runs every stack at the head; it removes the stale lock,
    #    clears the pending operation, and charlie converges with one number. Meanwhile someone
    #    pointed alpha's number elsewhere in the console: the apply refreshes first, so it
    #    puts the runtime's URL back.
    [number] = world.numbers("alpha")
    creds = TwilioCredentials(
        world.sandbox.account_sid, world.sandbox.auth_token, world.sandbox.base_url
    )
    console = make_client(creds, account_sid=number["account_sid"])
    console.incoming_phone_numbers(number["sid"]).update(voice_url="https://attacker.example/v")
    recovered = world.ethiq("deploy-all")
    assert recovered.code == 1  # bravo's removal is still refused
    assert recovered.statuses() == {
        "alpha": "updated",  # the drift repaired
        "bravo": "refused",
        "charlie": "updated",  # the killed run had created the stack
    }
    [repaired] = world.numbers("alpha")
    assert repaired["voice_url"] == f"{RUNTIME_URL}/twilio/voice"
    assert recovered.by_stack()["alpha"]["reason"] == "deploy-all"
    notes = " ".join(recovered.by_stack()["charlie"]["recovered"])
    assert "removed the stale lock" in notes
    assert "cleared pending" in notes
    assert "Recovered from an interrupted run" in recovered.markdown
    assert len(world.numbers("charlie")) == 1
    assert world.tag("charlie") == c6
    assert not list(locks.glob("*"))
    assert control.violations() == []
