"""Reconcile benchmark: 200 tenant stacks in a git repository, 2 change, only those 2 run.

Builds a scratch repository with the program and 200 stack files, commits a change to two of
them, times change detection over the 200, then previews through the real engine (file backend,
local Twilio sandbox, SQLite data layer) and prints wall time and engine invocations. Run:
``python -m tests.benchmarks.reconcile_cost``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ethiq.local import activate_locally
from ethiq.sandbox.server import running_sandbox
from infra.engine import engine_env
from infra.reconcile import scratch
from infra.reconcile.changes import detect_changes
from infra.reconcile.report import FAILING, StackResult
from infra.reconcile.runner import Settings, reconcile
from runtime.tenants import generate_key
from tests.benchmarks.checks import Checks

CONTACTS = ["+15145550111"]
# Opted in, as the runtime records it in the stack: the policy pack refuses a stack with a
# contact who has not consented to alerts.
CONSENTED = {"ethiq:contacts": [{"number": CONTACTS[0], "consented": True}]}


def _tenant(index: int, near: str = "45.5017,-73.5673") -> tuple[str, str]:
    name = f"tenant-{index:03d}"
    values = {"email": f"{name}@example.org", "region": "CA-QC", "near": near, "contacts": CONTACTS}
    return f"stacks/Pulumi.{name}.yaml", scratch.tenant_file(name, values, CONSENTED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=200)
    parser.add_argument("--changed", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ethiq-reconcile-bench-") as tmp:
        work = Path(tmp)
        repo = work / "repo"
        scratch.init_repo(repo)
        base = scratch.commit(repo, "tenants", dict(_tenant(i) for i in range(args.stacks)))
        edits = dict(_tenant(i, near="45.6000,-73.6000") for i in range(args.changed))
        head = scratch.commit(repo, "two tenants move", edits)

        started = time.perf_counter()
        changes = detect_changes(repo, base, head)
        detect_s = time.perf_counter() - started

        with running_sandbox() as sandbox:
            (work / "data").mkdir()
            database_url = f"sqlite:///{work / 'data' / 'ethiq.sqlite'}"
            # The people verified and the terms accepted: the activation gate lets them through.
            activate_locally(database_url, [c.stack for c in changes.stacks])
            env = engine_env(work / "state", passphrase="benchmark only")  # noqa: S106
            env |= {
                "TWILIO_ACCOUNT_SID": sandbox.account_sid,
                "TWILIO_AUTH_TOKEN": sandbox.auth_token,
                "TWILIO_API_BASE_URL": sandbox.base_url,
                "DATABASE_URL": database_url,
                "ETHIQ_REGISTRY_KEY": generate_key(),
                "ETHIQ_PUBLIC_URL": "https://runtime.ethiq.example",
                "ETHIQ_DATA_REGION": "ca-central-1",
            }
            # With the policy pack: the tenant program refuses to run without it.
            settings = Settings(env=env, parallel=args.parallel)
            report = reconcile(repo, base, head, mode="preview", settings=settings)

    previewed = [r.stack for r in report.results]
    print(f"stacks in repository       {changes.stacks_at_head:>8}")
    print(f"stacks changed             {len(changes.stacks):>8}")
    print(f"change detection           {detect_s * 1000:>7.0f}ms")
    print(f"stacks previewed           {len(previewed):>8}  ({', '.join(previewed)})")
    print(f"engine invocations         {report.engine_operations:>8}")
    print(f"reconcile wall time        {report.duration_s:>7.1f}s  (parallel {args.parallel})")
    checks = Checks()
    expected = sorted(c.stack for c in changes.stacks)
    checks.add(
        "stacks previewed, of the stacks changed",
        len(previewed) / max(len(expected), 1),
        "==",
        1.0,
        detail=f"previewed {', '.join(previewed) or 'none'}; changed {', '.join(expected)}",
    )
    failing = [r for r in report.results if r.status in FAILING]
    checks.add(
        "stacks failed, of the stacks previewed",
        len(failing) / max(len(previewed), 1),
        "==",
        0.0,
        detail="; ".join(_why(r) for r in failing),
    )
    checks.finish()


def _why(result: StackResult) -> str:
    """One failed stack: its status, the policies it broke, and the end of the engine's error
    (its first lines name the policy pack, not the failure)."""
    broken = [f"{f.policy}: {f.message}" for f in result.policies if f.level == "mandatory"]
    lines = [line.strip() for line in (result.error or result.reason).splitlines()]
    said = [line for line in lines if line][-3:] or ["no error recorded"]
    return f"{result.stack} {result.status}: {'; '.join(broken or said)}"


if __name__ == "__main__":
    main()
