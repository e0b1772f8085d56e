"""Drift, with the real engine, the Twilio sandbox and PostgreSQL: what is changed or deleted
outside Pulumi is reported by `pulumi refresh` and `ethiq drift` (non-zero, the resource, the field
with its state and live values, never a secret value), and `pulumi up --refresh` repairs it.

One stack goes through every case, in rounds of mutate → detect → repair: a changed webhook URL
and registry token, a dropped tenant schema and a deleted SIP mapping; then a deleted registry row
and a closed subaccount (Twilio keeps nothing of it: the repair makes a new one). Then the parent
token is rotated: a run with the old one fails with Twilio's error in one line (no traceback),
and destroy works with the new one although the state still holds the old.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from twilio.rest import Client

from infra.reconcile.worker import error_summary
from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.tenants import Registry, TenantRecord
from tests.infra.test_tenant_stack import ETHIQ, RUNTIME_URL, Workspace, sandbox, workspace

__all__ = ["sandbox", "workspace"]  # the fixtures, shared with the lifecycle test

pytestmark = [pytest.mark.engine, pytest.mark.services]

T = TypeVar("T")
STOLEN_TOKEN = "stolen-token-0123456789abcdef"  # noqa: S105 (a test value)


def _wait(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(work())


def _registry(ws: Workspace, action: Callable[[Registry], Coroutine[Any, Any, T]]) -> T:
    async def run() -> T:
        registry = Registry.for_url(ws.database_url, ws.env["ETHIQ_REGISTRY_KEY"])
        try:
            return await action(registry)
        finally:
            await registry.close()

    return _wait(run)


def _record(ws: Workspace) -> TenantRecord:
    record = _registry(ws, lambda r: r.get("delta"))
    assert record is not None
    return record


def _sql(ws: Workspace, query: str) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(ws.database_url)
        try:
            return list(await conn.fetch(query))
        finally:
            await conn.close()

    return _wait(run)


def _twilio(ws: Workspace, account_sid: str | None = None) -> Client:
    """Twilio as a person in the console would change it (not through Pulumi)."""
    creds = TwilioCredentials(ws.sandbox.account_sid, ws.sandbox.auth_token, ws.sandbox.base_url)
    return make_client(creds, account_sid=account_sid)


def _drift(
    ws: Workspace, tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    report = tmp_path / "drift.json"
    done = subprocess.run(
        [ETHIQ, "drift", "--repo", str(ws.project), "--json", str(report), "delta"],
        cwd=ws.project,
        env=ws.env,
        capture_output=True,
        text=True,
        check=False,
    )
    [result] = json.loads(report.read_text())["results"]
    return done, result


def _schema_exists(ws: Workspace) -> bool:
    rows = _sql(ws, "SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_delta'")
    return bool(rows)


def test_drift_is_reported_by_field_and_repaired(workspace: Workspace, tmp_path: Path) -> None:
    ws = workspace
    subprocess.run(["git", "init", "--quiet", str(ws.project)], check=True)  # ethiq drift's repo
    ws.ethiq("tenant", "add", "delta", "--email", "d@example.org", "--region", "CA-QC",
             "--contact", "+15145550111:Marie")  # fmt: skip
    ws.pulumi("stack", "init", "delta")
    ws.pulumi("up", "--yes", "--skip-preview")
    out = ws.outputs("delta")

    # --- Round 1: a webhook and the registry's token changed, the schema dropped, a mapping
    #     deleted -------------------------------------------------------------------------------
    sub = _twilio(ws, out["subaccountSid"])
    [number] = sub.incoming_phone_numbers.list()
    sub.incoming_phone_numbers(number.sid).update(voice_url="https://attacker.example/v")
    [domain] = sub.sip.domains.list()
    registrations = sub.sip.domains(domain.sid).auth.registrations.credential_list_mappings
    [mapping] = registrations.list()
    registrations(mapping.sid).delete()
    _sql(ws, "DROP SCHEMA tenant_delta CASCADE")
    record = _record(ws)
    _registry(ws, lambda r: r.upsert(dataclasses.replace(record, auth_token=STOLEN_TOKEN)))

    refresh = ws.pulumi(
        "refresh", "--preview-only", "--diff", "--expect-no-changes", "--stack", "delta",
        check=False,
    )  # fmt: skip
    assert refresh.returncode != 0
    assert "https://attacker.example/v" in refresh.stdout
    assert "delta-sip-registrations" in refresh.stdout
    assert "delta-schema" in refresh.stdout

    drift, result = _drift(ws, tmp_path)
    assert drift.returncode == 1, drift.stdout + drift.stderr
    assert result["status"] == "drifted"
    lines = drift.stdout.splitlines()
    webhook = (
        f'    delta: ethiq:TwilioPhoneNumber delta-number: voice_url "{RUNTIME_URL}/twilio/voice"'
        ' → "https://attacker.example/v"'
    )
    assert webhook in lines
    assert (
        "    delta: ethiq:TenantRegistration delta-registration: auth_token (secret) → (secret)"
        in (lines)
    )
    assert (
        "    delta: ethiq:TenantSchema delta-schema: deleted (no longer in Twilio or the database)"
        in (lines)
    )
    assert any(line.startswith("    delta: ethiq:TwilioSipMapping delta-sip-registrations: deleted")
               for line in lines), drift.stdout  # fmt: skip
    assert STOLEN_TOKEN not in drift.stdout + json.dumps(result)
    by_resource = {d["urn"].rsplit("::", 1)[-1]: d for d in result["drifted"]}
    assert set(by_resource) == {
        "delta-number", "delta-registration", "delta-schema", "delta-sip-registrations"
    }  # fmt: skip
    assert by_resource["delta-number"]["fields"] == [
        {"name": "voice_url", "old": f'"{RUNTIME_URL}/twilio/voice"',
         "new": '"https://attacker.example/v"'},
    ]  # fmt: skip

    ws.pulumi("up", "--yes", "--skip-preview", "--refresh")
    assert sub.incoming_phone_numbers(number.sid).fetch().voice_url == f"{RUNTIME_URL}/twilio/voice"
    assert [m.sid for m in registrations.list()] == [mapping.sid]
    assert _schema_exists(ws)
    assert _record(ws).auth_token == record.auth_token

    # --- Round 2: the registry row deleted and the subaccount closed ---------------------------
    _registry(ws, lambda r: r.remove("delta"))
    _twilio(ws).api.v2010.accounts(out["subaccountSid"]).update(status="closed")

    drift, result = _drift(ws, tmp_path)
    assert drift.returncode == 1, drift.stdout + drift.stderr
    assert "Traceback" not in drift.stdout + drift.stderr
    deleted = {d["urn"].rsplit("::", 1)[-1] for d in result["drifted"] if d["change"] == "deleted"}
    assert {"delta-subaccount", "delta-number", "delta-sip-domain", "delta-registration"} <= (
        deleted
    )
    assert "    delta: ethiq:TwilioSubaccount delta-subaccount: deleted" in drift.stdout

    ws.pulumi("up", "--yes", "--skip-preview", "--refresh")
    again = ws.outputs("delta")
    assert again["subaccountSid"] != out["subaccountSid"]  # a closed subaccount stays closed
    [new_number] = ws.numbers_of(again["subaccountSid"])
    assert new_number["phone_number"] == again["phoneNumber"]
    registered = _record(ws)
    assert (registered.subaccount_sid, registered.phone_number) == (
        again["subaccountSid"], again["phoneNumber"]
    )  # fmt: skip
    repaired, _ = _drift(ws, tmp_path)
    assert repaired.returncode == 0, repaired.stdout

    # --- The subaccount's own token rotated in the Console: the next refresh and update use the
    #     new one (the state keeps none), and the registration carries it to the runtime, which
    #     checks the subaccount's webhook signatures with it.
    sub_sid = again["subaccountSid"]
    old_token = _twilio(ws).api.v2010.accounts(sub_sid).fetch().auth_token
    sub = make_client(TwilioCredentials(sub_sid, old_token, ws.sandbox.base_url))
    new_token = sub.accounts.v1.secondary_auth_token().create().secondary_auth_token
    sub.accounts.v1.auth_token_promotion().update()
    ws.pulumi("up", "--yes", "--skip-preview", "--refresh")
    assert _record(ws).auth_token == new_token

    # --- The parent token rotated (a secondary token, promoted: the old one stops working) -----
    parent = _twilio(ws)
    rotated = parent.accounts.v1.secondary_auth_token().create().secondary_auth_token
    parent.accounts.v1.auth_token_promotion().update()
    stale = ws.pulumi("up", "--yes", "--skip-preview", "--refresh", check=False)
    assert stale.returncode != 0
    # One actionable line, as Pulumi's own providers report errors: no Python traceback, in the
    # engine's output nor in what a reconcile report keeps of it.
    assert "failed: Twilio error 20003 (HTTP 401)" in stale.stdout
    assert "Twilio refused the credentials: check TWILIO_ACCOUNT_SID" in stale.stdout
    assert "Traceback" not in stale.stdout + stale.stderr
    assert 'File "' not in stale.stdout
    summary = error_summary(stale.stdout + stale.stderr)
    assert "Twilio refused the credentials" in summary
    assert "Traceback" not in summary

    # Destroy uses the run's parent credentials, not the ones kept in the state (now refused).
    ws.env["TWILIO_AUTH_TOKEN"] = rotated
    ws.pulumi("state", "unprotect", "--all", "--yes")
    ws.pulumi("destroy", "--yes", "--skip-preview")
    assert ws.numbers_of(again["subaccountSid"]) == []
    accounts = ws.sandbox.control.state()["accounts"]
    assert next(a for a in accounts if a["sid"] == again["subaccountSid"])["status"] == "closed"
    assert _registry(ws, lambda r: r.get("delta")) is None
    assert ws.sandbox.control.violations() == []
