"""Previews without apply credentials, and a tenant's removal from refusal to release.

The real engine on a file backend, the Twilio sandbox and a real PostgreSQL, every command run as
a subprocess as CI runs it. One story: a preview with nothing but read access to the backend (no
passphrase, database URL, registry key or Twilio token) shows the per-resource plan, touches
nothing, and an apply under those credentials is refused; a removal without the flag is refused
with its destroy plan, the protected number and subaccount flagged; the flag merged but never
applied and the removal pushed together are applied then destroyed in one run; the same tenant
name then starts afresh (its data went with retainData false); a stack removed while its
resources live on is refused its resources, with what to do.
"""

from __future__ import annotations

import hashlib
import subprocess

import pytest

from infra.engine import pulumi, write_project
from infra.providers.ownership import parse_tag
from infra.reconcile import scratch
from tests.reconcile.helpers import Run
from tests.reconcile.test_converge_engine import (  # the same world, fixtures included
    ROOT,
    World,
    _tenant,
    sandbox,
    world,
)

__all__ = ["sandbox", "world"]

pytestmark = [pytest.mark.engine, pytest.mark.services]

# What a pull request's preview holds: read access to the backend, non-secret settings.
APPLY_ONLY = (
    "TWILIO_AUTH_TOKEN",
    "DATABASE_URL",
    "ETHIQ_REGISTRY_KEY",
    "PULUMI_CONFIG_PASSPHRASE",
    "PULUMI_CONFIG_PASSPHRASE_FILE",
)


def _as(world: World, env: dict[str, str], *args: str) -> Run:
    done = subprocess.run(
        world.command(*args), env=env, capture_output=True, text=True, check=False
    )
    return world.finish(done)


def _state_digest(world: World) -> str:
    files = sorted(p for p in world.backend.rglob("*") if p.is_file() and "history" not in p.parts)
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(world.backend).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def _accounts(world: World, slug: str) -> list[dict[str, str]]:
    accounts = world.sandbox.control.state()["accounts"]
    return [a for a in accounts if parse_tag(a["friendly_name"]).name == f"ethiq-{slug}"]


def test_previews_without_credentials_and_a_removal_to_its_end(world: World) -> None:
    repo, control = world.repo, world.sandbox.control
    preview_env = {k: v for k, v in world.env.items() if k not in APPLY_ONLY}
    c1 = scratch.commit(
        repo,
        "onboard alpha and bravo",
        {**_tenant("alpha", "+15145550111"), **_tenant("bravo", "+15145550122")},
    )
    assert world.apply().statuses() == {"alpha": "created", "bravo": "created"}

    # 1. A pull request's preview, with read access to the backend and nothing else: the
    #    per-resource plan, and not a byte of state, not a lock, not a Twilio request.
    #    A language change: the registration and the hosted fallback's documents (its notice
    #    is spoken in it), nothing that the number or its messaging sender depends on.
    moved = {"ethiq:language": "en-US"}
    scratch.commit(repo, "alpha speaks English", _tenant("alpha", "+15145550111", moved))
    before, requests = _state_digest(world), len(control.requests())
    preview = _as(world, preview_env, "reconcile", "--preview")
    assert preview.code == 0, preview.stdout
    assert preview.statuses() == {"alpha": "updated"}
    steps = {s["urn"].rsplit("::", 1)[-1]: s for s in preview.by_stack()["alpha"]["steps"]}
    assert steps["alpha-registration"]["op"] == "update"
    assert steps.get("alpha-fallback-deployment", {}).get("op") == "update", preview.stdout
    # The credentials it lacks are not changes.
    assert set(steps) == {"alpha-registration", "alpha-fallback-deployment"}, steps
    assert "<code>alpha</code>: 2 resource change(s)" in preview.markdown
    assert _state_digest(world) == before
    assert len(control.requests()) == requests
    assert world.tag("alpha") == c1
    for secret in (world.env["DATABASE_URL"], world.env["ETHIQ_REGISTRY_KEY"]):
        assert secret not in preview.markdown + preview.stdout

    # 2. An apply under those credentials is refused before anything runs.
    refused = subprocess.run(
        world.command("reconcile", "--apply"),
        env=preview_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert "TWILIO_AUTH_TOKEN not set: an apply needs the apply credentials" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _state_digest(world) == before

    # 3. bravo's file removed without the flag: refused, and the report says what a destroy
    #    would delete, the protected number and subaccount loudly.
    scratch.commit(repo, "drop bravo", {"stacks/Pulumi.bravo.yaml": None})
    for run in (_as(world, preview_env, "reconcile", "--preview"), world.apply()):
        assert run.code == 1
        assert run.statuses() == {"alpha": "updated", "bravo": "refused"}
        bravo = run.by_stack()["bravo"]
        assert bravo["changes"] == {"delete": 17}
        protected = {s["urn"].rsplit("::", 1)[-1] for s in bravo["steps"] if s.get("protected")}
        assert protected == {"bravo-messaging", "bravo-number", "bravo-subaccount"}
        assert "3 of them protected" in bravo["error"]
        number = next(
            line for line in run.markdown.splitlines() if "**DELETE** `bravo-number`" in line
        )
        assert "refused, a destroy would" in number
        assert "PROTECTED: a person's phone number or subaccount" in number
    assert len(world.numbers("bravo")) == 1

    # 4. The flag merged (never applied) and the removal in the same push: the preview says it
    #    would destroy, and the apply lifts the protection and destroys, in one run. The data
    #    goes too (retainData false): kept data would stay bravo's, refused to a new tenant.
    release = {"ethiq:allowDestroy": True, "ethiq:retainData": False}
    scratch.commit(repo, "bravo may go", _tenant("bravo", "+15145550122", release))
    scratch.commit(repo, "bravo goes", {"stacks/Pulumi.bravo.yaml": None})
    planned = _as(world, preview_env, "reconcile", "--preview")
    assert planned.code == 0, planned.stdout
    assert planned.statuses() == {"bravo": "destroyed"}
    assert "would destroy" in planned.markdown
    assert len(world.numbers("bravo")) == 1
    gone = world.apply()
    assert gone.code == 0, gone.stdout
    assert gone.statuses() == {"bravo": "destroyed"}
    lifted = {u.rsplit("::", 1)[-1] for u in gone.by_stack()["bravo"]["unprotected"]}
    assert lifted == {"bravo-messaging", "bravo-number", "bravo-subaccount"}
    assert gone.by_stack()["bravo"]["changes"] == {"delete": 17}
    assert "Protection lifted before the destroy" in gone.markdown
    assert world.numbers("bravo") == []
    [closed] = _accounts(world, "bravo")
    assert closed["status"] == "closed"
    assert "bravo" not in world.stacks()

    # 5. The same tenant name comes back: a new stack, a new subaccount and number; what the
    #    destroyed stack released is not in its way.
    scratch.commit(repo, "bravo is back", _tenant("bravo", "+15145550122"))
    back = world.apply()
    assert back.code == 0, back.stdout
    assert back.statuses() == {"bravo": "created"}
    assert len(world.numbers("bravo")) == 1
    assert {a["status"] for a in _accounts(world, "bravo")} == {"closed", "active"}

    # 6. A stack removed from the backend while its resources live on (`stack rm --force`),
    #    then created again: refused, with the owner and what to do.
    project = write_project(world.out / "query", "ethiq", ROOT / "infra")
    pulumi("stack", "rm", "--force", "--yes", "--stack", "bravo", cwd=project, env=world.env)
    scratch.commit(repo, "bravo again", {"README.md": "bravo's stack was removed by hand\n"})
    orphaned = world.ethiq("deploy-all")
    assert orphaned.code == 1
    assert orphaned.statuses() == {"alpha": "unchanged", "bravo": "failed"}
    [live] = [a for a in _accounts(world, "bravo") if a["status"] == "active"]
    stack_id = parse_tag(live["friendly_name"]).stack_id
    error = orphaned.by_stack()["bravo"]["error"]
    assert f"belongs to platform 'local', stack id {stack_id}" in error
    assert f"set `ethiq:adoptStackId: {stack_id}` in stacks/Pulumi.bravo.yaml" in error
    [kept] = world.numbers("bravo")  # nothing adopted, nothing released

    # 7. The reviewed adoption: the new stack takes the old stack's id and adopts its
    #    subaccount and number, the same SIDs, nothing made twice.
    adopt = _tenant("bravo", "+15145550122", {"ethiq:adoptStackId": stack_id})
    scratch.commit(repo, "bravo adopts what its removed stack left", adopt)
    adopted = world.apply()
    assert adopted.code == 0, adopted.stdout
    assert adopted.statuses() == {"bravo": "updated"}  # the stack the refused run created
    assert [n["sid"] for n in world.numbers("bravo")] == [kept["sid"]]
    assert [a["sid"] for a in _accounts(world, "bravo") if a["status"] == "active"] == [live["sid"]]
    assert control.violations() == []
