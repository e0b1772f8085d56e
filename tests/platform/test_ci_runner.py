"""The workflows can run where they say they run: on the platform's runners, as a user without
root, with the pinned Go and a cached ``.venv``; previews hold no apply credential and a fork
cannot skip the required check. Plain checks of the files that say so (the runner's boot script,
``tools/setup.sh``, the workflows), no cloud involved."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.platform_stack.runner import SETUP_PACKAGES, user_data

ROOT = Path(__file__).parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SELF_HOSTED = "self-hosted"


def _workflow(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def _self_hosted_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path.name, name, job)
        for path in WORKFLOWS
        for name, job in _workflow(path)["jobs"].items()
        if SELF_HOSTED in job["runs-on"]
    ]


def test_the_boot_script_installs_what_setup_would_need_root_for() -> None:
    setup = (ROOT / "tools" / "setup.sh").read_text()
    wanted = set(re.findall(r"missing\+=\(([\w-]+)\)", setup))
    assert wanted == set(SETUP_PACKAGES)
    script = user_data("ca-central-1", "ethiq/ethiq", "ethiq-platform", "arn:secret")
    [install] = [line for line in script.splitlines() if line.startswith("apt-get install")]
    assert wanted <= set(install.split())
    assert "golang-go" not in script  # Debian's Go cannot build tools/engine/go.mod
    assert "sudo -u runner ./config.sh" in script  # the service runs as an unprivileged user


def _expanded(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The job's steps with each local composite action (``uses: ./...``) replaced by its own."""
    out: list[dict[str, Any]] = []
    for step in steps:
        local = step.get("uses", "")
        if local.startswith("./"):
            action = _workflow(ROOT / local / "action.yml")
            assert action["runs"]["using"] == "composite", local
            out += _expanded(action["runs"]["steps"])
        else:
            out.append(step)
    return out


def _stamped_inputs() -> set[str]:
    """Every file ``tools/setup.sh`` and the engine build stamp: a change to one rebuilds .venv."""
    setup = (ROOT / "tools" / "setup.sh").read_text()
    named = {path for args in re.findall(r"stamp_of ([^)]+)\)", setup) for path in args.split()}
    engine = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tools" / "engine").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    return named | engine


@pytest.mark.parametrize(("workflow", "job_name", "job"), _self_hosted_jobs())
def test_self_hosted_jobs_pin_go_and_cache_the_environment(
    workflow: str, job_name: str, job: dict[str, Any]
) -> None:
    steps = _expanded(job["steps"])
    uses = [step.get("uses", "") for step in steps]
    setup = next(i for i, step in enumerate(steps) if step.get("run") == "make setup")
    go = next(i for i, u in enumerate(uses) if u.startswith("actions/setup-go@"))
    cache = next(i for i, u in enumerate(uses) if u.startswith("actions/cache@"))
    assert go < setup, f"{workflow}:{job_name} sets up Go after make setup"
    assert cache < setup, f"{workflow}:{job_name} restores .venv after make setup"
    assert steps[go]["with"]["go-version-file"] == "tools/engine/go.mod"
    assert steps[cache]["with"]["path"] == ".venv"
    # The key hashes every input setup stamps: a stale key restores the old .venv on every run
    # (an exact hit saves nothing), and setup rebuilds the changed tool each time.
    key = steps[cache]["with"]["key"]
    [hashed] = re.findall(r"hashFiles\(([^)]*)\)", key)
    patterns = re.findall(r"'([^']+)'", hashed)
    unhashed = {p for p in _stamped_inputs() if not any(fnmatch(p, g) for g in patterns)}
    assert not unhashed, f"{workflow}:{job_name}: the .venv cache key misses {sorted(unhashed)}"
    assert not any("apt-get" in step.get("run", "") for step in steps)  # no root on the runner


def test_the_stamped_inputs_are_found() -> None:
    """The check above can fail: it reads the real stamps (every Go tool, the lock, the engine)."""
    inputs = _stamped_inputs()
    assert {"requirements.lock", "pyproject.toml", "tools/engine/go.mod"} <= inputs
    for tool in ("actionlint", "stripe-mock", "vegeta", "amtemplate"):
        assert f"tools/{tool}/go.sum" in inputs, tool
    assert not any(
        fnmatch("tools/amtemplate/go.sum", g) for g in ("requirements.lock", "tools/engine/**")
    )


def test_runner_labels_are_declared() -> None:
    declared = set(
        yaml.safe_load((ROOT / ".github" / "actionlint.yaml").read_text())["self-hosted-runner"][
            "labels"
        ]
    )
    used = {label for _, _, job in _self_hosted_jobs() for label in job["runs-on"]}
    assert used - {SELF_HOSTED} == declared == {"ethiq-platform", "ethiq-preview"}


def test_previews_hold_no_apply_credential_and_forks_cannot_skip_the_check() -> None:
    preview = _workflow(ROOT / ".github" / "workflows" / "tenants-preview.yml")
    jobs = preview["jobs"]
    runs_code = jobs["preview"]
    assert runs_code["runs-on"] == [SELF_HOSTED, "ethiq-preview"]
    assert runs_code["environment"] == "tenants-preview"
    text = yaml.safe_dump(runs_code)
    for credential in (
        "TWILIO_AUTH_TOKEN",
        "DATABASE_URL",
        "ETHIQ_REGISTRY_KEY",
        "PULUMI_CONFIG_PASSPHRASE",
        "secretsmanager",
    ):
        assert credential not in text, credential  # a preview holds no apply credential
    assert "pull-requests" not in str(preview["permissions"])  # the code-running job reads only
    assert "--preview" in yaml.safe_dump(runs_code)
    assert "--base" not in yaml.safe_dump(runs_code)  # previewed against the backend
    # The comment job holds the write token and runs nothing from the pull request.
    comment = jobs["comment"]
    assert comment["permissions"] == {"pull-requests": "write"}
    assert not any("checkout" in step.get("uses", "") for step in comment["steps"])
    # The required check always runs, and fails for forks and for anything but success.
    required = jobs["required"]
    assert required["if"] == "always()"
    assert required["needs"] == "preview"
    script = required["steps"][0]["run"]
    assert 'if [ "$FORK" = "true" ]' in script
    assert 'if [ "$RESULT" != "success" ]' in script
    # Apply credentials live in the apply environment only.
    for name in ("tenants-apply.yml", "tenants-drift.yml"):
        [job] = _workflow(ROOT / ".github" / "workflows" / name)["jobs"].values()
        assert job["environment"] == "tenants-apply"
        assert job["runs-on"] == [SELF_HOSTED, "ethiq-platform"]


def test_apply_converges_on_the_backend() -> None:
    [job] = _workflow(ROOT / ".github" / "workflows" / "tenants-apply.yml")["jobs"].values()
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert 'ethiq "${command[@]}" --head' in runs
    assert "--base" not in runs  # never before..sha: what a missed run left would be lost
    assert "command=(deploy-all --apply)" in runs


def test_people_changes_become_a_pull_request_that_runs_the_checks() -> None:
    [job] = _workflow(ROOT / ".github" / "workflows" / "people-changes.yml")["jobs"].values()
    assert job["runs-on"] == [SELF_HOSTED, "ethiq-platform"]  # the database is private
    text = yaml.safe_dump(job)
    for credential in ("TWILIO_AUTH_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "ETHIQ_REGISTRY_KEY"):
        assert credential not in text, credential  # it commits; the apply applies
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "ethiq people commit-changes --repo . --branch people-changes --push origin" in runs
    assert "gh pr create --head people-changes --base main" in runs
    # Pushed and opened with the App's token: GitHub runs no workflow for GITHUB_TOKEN's events,
    # so the preview and the required check would never run on the pull request.
    assert "GITHUB_TOKEN" not in text
    assert "github.token" not in text
    [checkout] = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert "steps.app.outputs" in checkout["with"]["token"]  # the App's, made in the first step
