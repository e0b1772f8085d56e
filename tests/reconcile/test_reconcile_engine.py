"""``ethiq reconcile`` and ``ethiq drift`` end to end: a scratch git repository whose first commit
is this project's program (``infra.reconcile.scratch``) and whose later commits change only
``stacks/``, the real engine on a file backend, the Twilio sandbox and a real PostgreSQL.

One story, in the order a tenant's life goes: preview and apply an onboarding, no-op, an in-place
update beside two failing stacks, a refused removal, an allowed one, a locked stack, drift.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ethiq.local import activate_locally, local_env
from ethiq.sandbox.server import SandboxHandle, running_sandbox
from infra.providers.ownership import parse_tag
from infra.reconcile import scratch
from runtime.tenants import generate_key
from tests.reconcile.helpers import ETHIQ, RUNTIME_URL, Run
from tests.servers import Server

pytestmark = [pytest.mark.engine, pytest.mark.services]


@dataclass
class World:
    repo: Path
    env: dict[str, str]
    sandbox: SandboxHandle
    out: Path

    def ethiq(self, *args: str) -> Run:
        json_out, md_out = self.out / "report.json", self.out / "report.md"
        json_out.unlink(missing_ok=True)
        reports = ["--json", str(json_out), "--markdown", str(md_out)]
        done = subprocess.run(
            [str(ETHIQ), *args, "--repo", str(self.repo), *reports],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert json_out.is_file(), done.stdout + done.stderr
        return Run(
            done.returncode, json.loads(json_out.read_text()), md_out.read_text(), done.stdout
        )

    def reconcile(self, base: str, head: str, *extra: str) -> Run:
        # With the revision's policy pack, as CI runs it (the tenant program needs it).
        return self.ethiq("reconcile", "--base", base, "--head", head, "--parallel", "2", *extra)

    def account(self, slug: str) -> dict[str, Any]:
        accounts = self.sandbox.control.state()["accounts"]
        [account] = [a for a in accounts if parse_tag(a["friendly_name"]).name == f"ethiq-{slug}"]
        return dict(account)

    def numbers(self, slug: str) -> list[dict[str, Any]]:
        sid = self.account(slug)["sid"]
        numbers = self.sandbox.control.state()["incoming_phone_numbers"]
        return [n for n in numbers if n["account_sid"] == sid]

    def stack_exists(self, stack: str) -> bool:
        stacks = Path(self.env["PULUMI_BACKEND_URL"].removeprefix("file://")) / ".pulumi/stacks"
        return (stacks / "ethiq" / f"{stack}.json").is_file()


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
    ) | {"ETHIQ_TWILIO_BACKOFF_BASE_S": "0.05"}
    sandbox.control.reset()
    activate_locally(postgres.url, ["acme", "alpha", "bravo", "charlie", "delta"])
    scratch.init_repo(tmp_path / "repo")
    return World(tmp_path / "repo", env, sandbox, tmp_path)


def _tenant(
    name: str, region: str, contact: str, extra: dict[str, Any] | None = None
) -> dict[str, str | None]:
    values = {"email": f"{name}@example.org", "region": region, "contacts": [contact]}
    return {f"stacks/Pulumi.{name}.yaml": scratch.tenant_file(name, values, extra)}


ALPHA = ("alpha", "CA-QC", "+15145550111")
BRAVO = ("bravo", "CA-ON", "+14165550123")


def test_reconcile_story(world: World) -> None:
    repo, control = world.repo, world.sandbox.control
    c0 = scratch.commit(repo, "nothing yet", {})
    c1 = scratch.commit(repo, "onboard alpha and bravo", {**_tenant(*ALPHA), **_tenant(*BRAVO)})

    # 1. A preview (the PR check) plans both creations and leaves nothing behind.
    preview = world.reconcile(c0, c1)
    assert preview.code == 0, preview.stdout
    assert preview.statuses() == {"alpha": "created", "bravo": "created"}
    assert preview.by_stack()["alpha"]["operation"] == "preview"
    assert preview.by_stack()["alpha"]["changes"]["create"] == 17
    assert "would create" in preview.markdown
    assert control.writes() == []
    assert not world.stack_exists("alpha")

    # 2. Apply (CI after the merge) creates both stacks, two at a time.
    applied = world.reconcile(c0, c1, "--apply")
    assert applied.code == 0, applied.stdout
    assert applied.statuses() == {"alpha": "created", "bravo": "created"}
    assert applied.report["engine_operations"] == 2
    assert "[1/2] alpha: added → up" in applied.stdout
    assert "alpha: created" in applied.stdout
    [alpha_number] = world.numbers("alpha")
    assert alpha_number["voice_url"] == f"{RUNTIME_URL}/twilio/voice"
    assert len(world.numbers("bravo")) == 1

    # 3. Nothing changed (or nothing a stack depends on): no engine run at all.
    writes = len(control.writes())
    c2 = scratch.commit(repo, "notes", {"docs/notes.md": "not a stack\n"})
    for base in (c1, c2):
        idle = world.reconcile(base, c2, "--apply")
        assert idle.code == 0
        assert idle.report["results"] == []
        assert idle.report["engine_operations"] == 0
    assert len(control.writes()) == writes

    # 4. alpha changes language (in place) while charlie's config is invalid and delta's
    #    region has no numbers to sell: alpha is applied, the others fail, exit 1.
    control.empty_inventory("CA", "BC")
    c3 = scratch.commit(
        repo,
        "alpha moves, charlie and delta arrive",
        {
            **_tenant(*ALPHA, {"ethiq:language": "en-US"}),
            **_tenant("charlie", "CA-QC", "+15145550122", {"ethiq:language": "xx-XX"}),
            **_tenant("delta", "CA-BC", "+16045550123"),
        },
    )
    mixed = world.reconcile(c2, c3, "--apply")
    assert mixed.code == 1
    assert mixed.statuses() == {"alpha": "updated", "charlie": "failed", "delta": "failed"}
    assert mixed.by_stack()["alpha"]["changes"].get("update", 0) >= 1
    assert "ethiq:language" in mixed.by_stack()["charlie"]["error"]
    assert "no Twilio number with voice and SMS" in mixed.by_stack()["delta"]["error"]
    assert "**failed**" in mixed.markdown
    assert mixed.report["ok"] is False
    [moved] = world.numbers("alpha")
    assert moved["sid"] == alpha_number["sid"]
    assert moved["voice_url"] == f"{RUNTIME_URL}/twilio/voice"
    control.clear_faults()

    # 5. Removing bravo's file without permission is refused: nothing destroyed, exit 1.
    c4 = scratch.commit(repo, "drop bravo", {"stacks/Pulumi.bravo.yaml": None})
    refused = world.reconcile(c3, c4, "--apply")
    assert refused.code == 1
    assert refused.statuses() == {"bravo": "refused"}
    bravo = refused.by_stack()["bravo"]
    assert "ethiq:allowDestroy: true" in bravo["error"]
    # The plan, read from the state (the engine will not plan through a protected resource).
    assert bravo["changes"] == {"delete": 17}
    assert {s["urn"].rsplit("::", 1)[-1] for s in bravo["steps"] if s.get("protected")} == {
        "bravo-messaging",
        "bravo-number",
        "bravo-subaccount",
    }
    assert len(world.numbers("bravo")) == 1
    assert world.stack_exists("bravo")

    # 6. With the flag committed first, the removal destroys the stack and removes it.
    c5 = scratch.commit(repo, "bravo may go", _tenant(*BRAVO, {"ethiq:allowDestroy": True}))
    back = world.reconcile(c4, c5, "--apply")
    assert back.statuses() == {"bravo": "unchanged"}  # the flag is not a resource input
    c6 = scratch.commit(repo, "bravo goes", {"stacks/Pulumi.bravo.yaml": None})
    gone = world.reconcile(c5, c6, "--apply")
    assert gone.code == 0, gone.stdout
    assert gone.statuses() == {"bravo": "destroyed"}
    assert gone.by_stack()["bravo"]["changes"] == {"delete": 17}
    assert world.numbers("bravo") == []
    assert world.account("bravo")["status"] == "closed"
    assert not world.stack_exists("bravo")

    # 7. A stack held by another update is retried with backoff, then reported.
    locks = Path(world.env["PULUMI_BACKEND_URL"].removeprefix("file://")) / ".pulumi/locks"
    lock_dir = locks / "organization/ethiq/alpha"
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock = lock_dir / "held-by-another-update.json"
    lock.write_text(json.dumps({"pid": 1, "username": "ci", "hostname": "elsewhere"}))
    c7 = scratch.commit(repo, "alpha contact", _tenant("alpha", "CA-QC", "+15145550199"))
    locked = world.reconcile(c6, c7, "--apply", "--lock-retries", "1", "--lock-backoff", "0.1")
    assert locked.code == 1
    assert locked.statuses() == {"alpha": "failed"}
    assert locked.by_stack()["alpha"]["attempts"] == 2
    assert "locked by another update" in locked.by_stack()["alpha"]["error"]
    lock.unlink()

    # 8. Drift: every stack matches its state, alpha's in-place update included (the providers
    #    read Twilio); a stack without a file is an error.
    in_sync = world.ethiq("drift", "alpha", "charlie", "delta")
    assert in_sync.code == 0, in_sync.stdout
    assert in_sync.statuses() == {"alpha": "in-sync", "charlie": "in-sync", "delta": "in-sync"}
    unknown = world.ethiq("drift", "ghost")
    assert unknown.code == 1
    assert unknown.statuses() == {"ghost": "failed"}
    assert control.violations() == []
