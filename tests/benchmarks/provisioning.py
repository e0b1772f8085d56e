"""Provisioning benchmark: one tenant's ``pulumi up`` wall time and Twilio API calls.

Runs the real engine and the repository's program against the local Twilio sandbox, on a file
backend, with the embedded SQLite data layer unless ``--database-url`` names a PostgreSQL.
Printed beside the product's KPI (a tenant provisioned in 30 s). Run: ``make bench``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from ethiq.local import LocalPlatform
from ethiq.sandbox.server import running_sandbox
from infra.tenant_config import Contact, validate_tenant
from runtime.tenants import generate_key

KPI_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ethiq-bench-") as tmp, running_sandbox() as sandbox:
        work = Path(tmp)
        (work / "data").mkdir()
        platform = LocalPlatform(
            work,
            sandbox,
            database_url=args.database_url or f"sqlite:///{work / 'data' / 'ethiq.sqlite'}",
            runtime_url="https://runtime.ethiq.example",
            registry_key=generate_key(),
        )
        tenant = validate_tenant(
            "bench",
            {
                "email": "bench@example.org",
                "region": "CA-QC",
                "contacts": [Contact("+15145550111", "Marie").as_config()],
            },
        )
        platform.add(tenant)

        rows = []
        for label in ("first up (provision)", "second up (no change)"):
            before = len(sandbox.control.requests())
            writes_before = len(sandbox.control.writes())
            cpu_before = _children_cpu()
            started = time.perf_counter()
            platform.up("bench")
            seconds = time.perf_counter() - started
            cpu = _children_cpu() - cpu_before
            calls = len(sandbox.control.requests()) - before
            writes = len(sandbox.control.writes()) - writes_before
            rows.append((label, seconds, cpu, calls, writes))
        platform.destroy("bench")

    print(
        f"{'':<24}{'wall time':>10}{'CPU time':>10}{'vs 30 s KPI':>13}{'Twilio calls':>14}"
        f"{'writes':>8}"
    )
    for label, seconds, cpu, calls, writes in rows:
        print(
            f"{label:<24}{seconds:>9.1f}s{cpu:>9.1f}s{seconds / KPI_S:>12.0%}{calls:>14}{writes:>8}"
        )


def _children_cpu() -> float:
    """User + system seconds of every finished child process (the engine, the program, the
    providers and the policy pack): unlike wall time, it barely moves with the machine's load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
