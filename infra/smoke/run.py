"""Runs the smoke program through the real engine: up, no-op preview, destroy.

Used by ``ethiq engine smoke`` (the quickest proof that a machine is set up) and its test.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infra.engine import EngineError, engine_env, pulumi, write_project

__all__ = ["POLICY_PACK", "SmokeStep", "run_smoke"]

PROGRAM = Path(__file__).parent
POLICY_PACK = PROGRAM.parents[1] / "policies"
RUNTIME = "https://runtime.ethiq.invalid"
URL = f"{RUNTIME}/twilio/voice"


@dataclass(frozen=True)
class SmokeStep:
    name: str
    seconds: float


def run_smoke(
    workdir: Path, on_step: Callable[[str], None] = lambda _name: None
) -> list[SmokeStep]:
    """Run the smoke in ``workdir`` (backend, config, output file); raise EngineError on failure."""
    project = write_project(workdir / "project", "ethiq-smoke", PROGRAM)
    env = engine_env(workdir / "pulumi", passphrase=secrets.token_urlsafe(24))
    # The pack refuses webhooks when no runtime URL is configured (it fails closed).
    env["ETHIQ_PUBLIC_URL"] = RUNTIME
    policy = ("--policy-pack", str(POLICY_PACK))
    target = workdir / "webhook.json"
    steps: list[SmokeStep] = []

    def step(name: str, *args: str) -> None:
        on_step(name)
        started = time.perf_counter()
        pulumi(*args, cwd=project, env=env)
        steps.append(SmokeStep(name, time.perf_counter() - started))

    step("create stack", "stack", "init", "smoke")
    pulumi("config", "set", "path", str(target), cwd=project, env=env)
    pulumi("config", "set", "url", URL, cwd=project, env=env)
    step("pulumi up", "up", "--yes", "--skip-preview", *policy)
    if json.loads(target.read_text()) != {"url": URL}:
        raise EngineError(f"pulumi up did not write {target} through the dynamic provider")
    step("pulumi preview --expect-no-changes", "preview", "--expect-no-changes", *policy)
    step("pulumi destroy", "destroy", "--yes", "--skip-preview")
    if target.exists():
        raise EngineError(f"pulumi destroy left {target} behind")
    step("remove stack", "stack", "rm", "--yes", "smoke")
    return steps
