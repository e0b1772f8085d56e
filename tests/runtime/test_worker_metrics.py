"""``ethiq worker`` alone on a fresh database: it migrates every platform table its jobs read,
and serves Prometheus metrics on a port of its own (job outcomes per task, queue lag, worker
health, the alert counters its jobs move).

A real worker process (the documented command), a real PostgreSQL database nobody migrated.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from piccolo.querystring import QueryString
from prometheus_client.parser import text_string_to_metric_families

from runtime.storage import store_for_url
from runtime.storage.names import PLATFORM_SCHEMA
from tests.runtime.helpers import PUBLIC, REGISTRY_KEY
from tests.servers import Server, create_database, free_port

pytestmark = pytest.mark.services

ETHIQ = str(Path(sys.executable).parent / "ethiq")
DEADLINE_S = 60.0


def _until(check: Callable[[], Any], what: str) -> Any:
    """Poll ``check`` until it returns something truthy (a state to reach, not a timing)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {DEADLINE_S}s")


def _samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def _platform_tables(url: str) -> set[str]:
    store = store_for_url(url)
    try:
        engine = store.platform_engine()
        rows = await engine.run_querystring(
            QueryString(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = {}",
                PLATFORM_SCHEMA,
            )
        )
        return {str(r["table_name"]) for r in rows}
    finally:
        await store.close()


def test_a_lone_worker_migrates_its_tables_and_serves_metrics(
    postgres_cluster: Server, tmp_path: Path
) -> None:
    fresh = create_database(postgres_cluster, f"worker_{uuid.uuid4().hex[:12]}")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fresh.url,
        "ETHIQ_PUBLIC_URL": PUBLIC,
        "ETHIQ_REGISTRY_KEY": REGISTRY_KEY,
        "ETHIQ_WORKER_METRICS_PORT": str(port),
        "ETHIQ_WORKER_HEARTBEAT_S": "0.5",
        "ETHIQ_WORKER_SWEEP": "* * * * * */1",
    }
    env.pop("REDIS_URL", None)
    url = f"http://127.0.0.1:{port}/metrics"
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [ETHIQ, "worker", "--concurrency", "2"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:

        def healthy() -> dict[Any, float] | None:
            assert worker.poll() is None, log.read_text()
            try:
                samples = _samples(url)
            except OSError:
                return None
            return samples if samples.get(("ethiq_worker_healthy", ())) == 1 else None

        swept = (("outcome", "succeeded"), ("task", "ethiq.alerts.sweep"))

        def measured() -> dict[Any, float] | None:
            assert worker.poll() is None, log.read_text()
            try:
                samples = _samples(url)
            except OSError:  # not listening yet
                return None
            ready = samples.get(("ethiq_worker_healthy", ())) == 1
            return samples if ready and samples.get(("ethiq_jobs_total", swept), 0) >= 1 else None

        # Healthy (a fresh heartbeat, a healthy pool), and its periodic sweep job counted.
        samples = _until(measured, "the worker healthy, with a sweep job counted")
        assert samples[("ethiq_job_seconds_count", (("task", "ethiq.alerts.sweep"),))] >= 1
        assert samples.get(("ethiq_jobs_total", (("outcome", "failed"), swept[1])), 0) == 0
        assert samples[("ethiq_jobs_waiting", ())] >= 0
        assert samples[("ethiq_job_queue_lag_seconds", ())] >= 0
        assert ("ethiq_outbox_lag_seconds_count", ()) in samples
        assert ("ethiq_alerts_total", (("outcome", "sent"),)) not in samples  # none sent yet
        # The people's tables (the missed-call notices read the person), the fleet's (on-call
        # alerts), billing's and the registry's: all made by the worker alone.
        tables = asyncio.run(_platform_tables(fresh.url))
        for table in ("tenant", "person", "onboarding_step", "operator_alert", "billing_account"):
            assert table in tables, f"{table} not migrated by the worker: {sorted(tables)}"
        _each_worker_reports_its_own_health(fresh.url, env, url, worker, tmp_path)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, log.read_text()


def _each_worker_reports_its_own_health(
    database_url: str,
    env: dict[str, str],
    url: str,
    stalled: subprocess.Popen[bytes],
    tmp_path: Path,
) -> None:
    """A second worker beside the first, whose heartbeat then stalls (its row locked, as by a
    hung connection): the first reports itself unhealthy while the second, whose heartbeat
    stays fresh, reports healthy; both healthy again once the first's heartbeat goes through."""
    [[stalled_id]] = asyncio.run(_rows(database_url, "SELECT id FROM procrastinate_workers"))
    port = free_port()
    other_url = f"http://127.0.0.1:{port}/metrics"
    log = tmp_path / "other.log"
    with log.open("wb") as out:
        other = subprocess.Popen(
            [ETHIQ, "worker", "--concurrency", "1"],
            env={**env, "ETHIQ_WORKER_METRICS_PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def health(of: str, process: subprocess.Popen[bytes]) -> float | None:
            assert process.poll() is None, log.read_text()
            try:
                return _samples(of).get(("ethiq_worker_healthy", ()))
            except OSError:  # not listening yet
                return None

        _until(lambda: health(other_url, other) == 1, "the second worker healthy")
        with psycopg.connect(database_url) as locker:
            # The first worker's heartbeat waits on this row lock (for as long as it is held).
            locker.execute(
                "SELECT 1 FROM procrastinate_workers WHERE id = %s FOR UPDATE", (stalled_id,)
            )
            _until(lambda: health(url, stalled) == 0, "the stalled worker reporting unhealthy")
            assert health(other_url, other) == 1  # the cluster has a fresh heartbeat: not its
            locker.rollback()
        _until(lambda: health(url, stalled) == 1, "the first worker healthy again")
    finally:
        other.terminate()
        other.wait(timeout=30)
    assert other.returncode == 0, log.read_text()


async def _rows(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    async with await psycopg.AsyncConnection.connect(database_url) as connection:
        cursor = await connection.execute(sql)
        return list(await cursor.fetchall())
