"""Exactly-once alerts with several ``ethiq worker`` processes, one killed with SIGKILL mid-send.

Real PostgreSQL (procrastinate's queue and the outbox rows), the Twilio sandbox, the documented
command. Three tenants' scam calls leave three alerts. A first worker takes one and is killed
(``kill -9``) while Twilio is still answering its request, which Twilio completes anyway: the
message exists, the row says ``sending``. Two more workers then run side by side: the stalled
worker's job is given up, the rows are found again, and the killed row is re-claimed after its
lease and recorded from the message Twilio already sent, never sent twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ethiq.sandbox.server import SandboxHandle, running_sandbox
from runtime.alerts.tables import bind_tables
from runtime.storage import store_for_url
from runtime.storage.names import quote_ident, tenant_namespace
from runtime.tenants import TenantRecord
from runtime.web.state import Runtime
from tests.runtime.helpers import PUBLIC, REGISTRY_KEY, SCAM_LINES_FR, harness, make_settings
from tests.runtime.test_served import _tenant_in_sandbox
from tests.runtime.test_transcription import consent_all
from tests.servers import Server

pytestmark = pytest.mark.services

ETHIQ = str(Path(sys.executable).parent / "ethiq")
# Every wait below ends on an event (an alert row changing, a fault spent): this only bounds a
# hang, generously, for a machine with many times more runnable work than cores.
DEADLINE_S = 600.0
CHANNEL = "test_alert_changed"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


def _until(check: Callable[[], Any], what: str) -> Any:
    """Poll ``check`` until it returns something truthy (a state to reach, not a timing)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not reached within {DEADLINE_S:.0f}s (a hang)")


@contextmanager
def _alert_changes(database_url: str, tenants: list[TenantRecord]) -> Iterator[psycopg.Connection]:
    """A connection told (``NOTIFY``) of every change of the tenants' alert rows: a trigger
    this test adds to each tenant's ``alert`` table."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION public.test_alert_changed() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify("
            f"'{CHANNEL}', TG_TABLE_SCHEMA || ' ' || NEW.id || ' ' || NEW.status); "
            "RETURN NEW; END $$"
        )
        for tenant in tenants:
            table = f"{quote_ident(tenant_namespace(tenant.slug))}.alert"
            conn.execute(
                f"CREATE TRIGGER test_alert_changed AFTER INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION public.test_alert_changed()"
            )
        conn.execute(f"LISTEN {CHANNEL}")
        yield conn


def _on_changes(changes: psycopg.Connection, check: Callable[[], Any], what: str) -> Any:
    """``check`` again after each alert row change until it returns something truthy.

    ``check`` also runs when no row changed for a second, so that a worker that exited is
    seen (``check`` asserts they run) rather than waited for."""
    deadline = time.monotonic() + DEADLINE_S
    while not (value := check()):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{what}: not reached within {DEADLINE_S:.0f}s (a hang)")
        for _ in changes.notifies(timeout=min(1.0, left), stop_after=1):
            pass
    return value


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [ETHIQ, "worker", "--concurrency", "2"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def _scam_calls(database_url: str, tenants: list[TenantRecord]) -> None:
    async with harness(make_settings(database_url)) as h:
        for tenant in tenants:
            await h.add_tenant(tenant)
            await consent_all(h, tenant)
            call_sid, _ = await h.call(tenant)
            for n, line in enumerate(SCAM_LINES_FR, 1):
                await h.say(tenant, call_sid, n, line)


async def _alerts(database_url: str, tenants: list[TenantRecord]) -> list[dict[str, Any]]:
    store = store_for_url(database_url)
    try:
        found = []
        for tenant in tenants:
            t = bind_tables(store.engine(tenant.slug))
            found += [{**row, "tenant": tenant} for row in await t.Alert.select()]
        return found
    finally:
        await store.close()


def test_alerts_exactly_once_with_workers_and_a_kill_9(
    postgres: Server, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    tenants = []
    for _ in range(3):
        tenant = _tenant_in_sandbox(sandbox, PUBLIC)
        [contact] = tenant.contacts
        tenants.append(dataclasses.replace(tenant, contacts=(contact,)))
    asyncio.run(_scam_calls(postgres.url, tenants))
    assert len(asyncio.run(_alerts(postgres.url, tenants))) == 3
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "ETHIQ_PUBLIC_URL": PUBLIC,
        "ETHIQ_REGISTRY_KEY": REGISTRY_KEY,
        "TWILIO_ACCOUNT_SID": sandbox.account_sid,
        "TWILIO_AUTH_TOKEN": sandbox.auth_token,
        "TWILIO_API_BASE_URL": sandbox.base_url,
        # Longer than the sandbox takes to answer here, shorter than the test.
        "ETHIQ_OUTBOX_LEASE_S": "5",
        "ETHIQ_OUTBOX_POLL_S": "0.2",
        "ETHIQ_WORKER_HEARTBEAT_S": "0.5",
        "ETHIQ_WORKER_SWEEP": "* * * * * */2",
        "PYTHONUNBUFFERED": "1",  # a worker's log complete up to its exit, in a failure's message
    }
    env.pop("REDIS_URL", None)
    # Twilio takes a second to answer the first send: the first worker is killed meanwhile.
    slow = sandbox.control.delay(1.0, method="POST", path="*/Messages.json")
    with _alert_changes(postgres.url, tenants) as changes:
        _kill_one_then_two_workers(env, sandbox, slow.id, changes, postgres, tenants, tmp_path)


def _kill_one_then_two_workers(
    env: dict[str, str],
    sandbox: SandboxHandle,
    slow: int,
    changes: psycopg.Connection,
    postgres: Server,
    tenants: list[TenantRecord],
    tmp_path: Path,
) -> None:
    first = _worker(env, tmp_path / "first.log")
    others: list[subprocess.Popen[bytes]] = []

    def claimed() -> bool:
        assert first.poll() is None, (tmp_path / "first.log").read_text()
        return any(r["status"] == "sending" for r in asyncio.run(_alerts(postgres.url, tenants)))

    try:
        # The first worker claims a row (``sending``), then sends it: the fault is spent (gone)
        # once its request arrived.
        _on_changes(changes, claimed, "the first worker claiming an alert")
        _until(
            lambda: all(f.id != slow for f in sandbox.control.faults()) or first.poll() is not None,
            "the first worker's request reaching Twilio",
        )
        assert first.poll() is None, (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        others = [_worker(env, tmp_path / f"worker-{n}.log") for n in (2, 3)]

        seen: list[dict[str, Any]] = []

        def all_sent() -> list[dict[str, Any]] | None:
            for n, worker in enumerate(others, 2):
                assert worker.poll() is None, (
                    f"worker {n} exited ({worker.returncode}): "
                    + (tmp_path / f"worker-{n}.log").read_text()
                )
            seen[:] = asyncio.run(_alerts(postgres.url, tenants))
            return seen if all(r["status"] == "sent" for r in seen) else None

        try:
            rows = _on_changes(changes, all_sent, "every alert sent by the two other workers")
        except AssertionError as error:
            shown = [{k: v for k, v in r.items() if k != "tenant"} for r in seen]
            logs = {n: (tmp_path / f"worker-{n}.log").read_text()[-2000:] for n in (2, 3)}
            raise AssertionError(f"{error}: alerts {shown}; worker logs {logs}") from None
        messages = [m for m in sandbox.control.messages() if "ALERTE" in m["body"]]
        # Exactly one message per alert, and each row records that message.
        assert len(messages) == 3, [m["body"] for m in messages]
        assert sorted(r["message_sid"] for r in rows) == sorted(m["sid"] for m in messages)
        for row in rows:
            [message] = [m for m in messages if m["sid"] == row["message_sid"]]
            assert message["to"] == row["tenant"].contacts[0].number
            assert message["from"] == row["tenant"].phone_number
        # The killed worker's alerts (it ran two jobs) were claimed again after their lease,
        # once each: taken over and recorded, not re-sent.
        attempts = sorted(r["attempts"] for r in rows)
        assert attempts[-1] == 2, attempts
        assert attempts[0] == 1, attempts
        assert sandbox.control.violations() == []
    finally:
        for worker in [first, *others]:
            if worker.poll() is None:
                worker.terminate()
        for worker in [first, *others]:
            worker.wait(timeout=DEADLINE_S)  # its graceful stop; bounded only against a hang
    # SIGTERM ends a worker gracefully (exit 0), its jobs finished or handed back.
    assert [w.returncode for w in others] == [0, 0], [
        (tmp_path / f"worker-{n}.log").read_text() for n in (2, 3)
    ]


async def _sweeps_side_by_side(database_url: str) -> list[str]:
    """A stalled worker's job, listed by two sweeps; the other sweep gives it up in between."""
    first, second = (Runtime.build(make_settings(database_url)) for _ in range(2))
    try:
        await first.registry.migrate()
        await first.jobs.open()
        await first.jobs.kick("a-tenant-of-a-killed-worker")
        conn = first.jobs.app.connector
        # The killed worker: its row's heartbeat long gone, its job still ``doing``.
        await conn.execute_query_async(
            "WITH w AS (INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - interval '1 hour') RETURNING id) "
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = (SELECT id FROM w) "
            "WHERE status = 'todo'"
        )
        manager = first.jobs.app.job_manager
        listed = manager.get_stalled_jobs

        async def listed_then_overtaken(**kwargs: Any) -> Any:
            jobs = await listed(**kwargs)
            await second.jobs.sweep()  # another worker starting, or the periodic sweep
            return jobs

        manager.get_stalled_jobs = listed_then_overtaken  # type: ignore[method-assign,assignment]
        await first.jobs.sweep()
        rows = await conn.execute_query_all_async(
            "SELECT e.type FROM procrastinate_events e JOIN procrastinate_jobs j "
            "ON j.id = e.job_id WHERE j.args->>'slug' = 'a-tenant-of-a-killed-worker' "
            "ORDER BY e.id"
        )
        return [str(r["type"]) for r in rows]
    finally:
        for runtime in (first, second):
            await runtime.jobs.close()
            await runtime.registry.close()


def test_two_sweeps_giving_up_one_stalled_job_both_go_on(postgres: Server) -> None:
    """Two workers starting together both list the killed worker's job: the second to give it
    up must carry on (it once ended ``ethiq worker`` with exit 1), and the job fails once."""
    events = asyncio.run(_sweeps_side_by_side(postgres.url))
    assert events.count("failed") == 1, events
