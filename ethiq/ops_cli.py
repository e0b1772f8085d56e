"""Operator commands across tenants, through the runtime's operator API: platform-wide blocks
(``ethiq block``, ``unblock``, ``blocks``), incidents (``ethiq incident list|close``) and the
KPIs (``ethiq kpi``).

The runtime is ``--url`` (default ``ETHIQ_PUBLIC_URL``); the token is read from
``ETHIQ_OPERATOR_TOKEN`` only, never from an option (it would land in the shell's history).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import msgspec
import typer

from runtime.fleet.kpi import format_duration as _duration
from runtime.fleet.kpi import format_share as _share

if TYPE_CHECKING:  # imported when a command runs
    from runtime.fleet.kpi import Kpis, Provisioned

__all__ = [
    "By",
    "Url",
    "block",
    "blocks",
    "incident_app",
    "kpi",
    "login_name",
    "operator_request",
    "unblock",
]

Url = Annotated[
    str,
    typer.Option("--url", envvar="ETHIQ_PUBLIC_URL", help="The runtime (its operator API)."),
]
By = Annotated[
    str,
    typer.Option("--by", help="Who acts, for the audit trail (default: your login name)."),
]
TIMEOUT_S = 15.0

incident_app = typer.Typer(help="Incidents: list them, close them.", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg="red")
    return typer.Exit(code)


def login_name() -> str:
    """The default ``--by``: who is logged in ("" if the system cannot say)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def operator_request(url: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One operator API request (``ETHIQ_OPERATOR_TOKEN``); a clear error (exit 2, or 1 for a
    refusal) otherwise."""
    token = os.environ.get("ETHIQ_OPERATOR_TOKEN", "")
    if not token:
        raise _fail("ETHIQ_OPERATOR_TOKEN is not set")
    if not url:
        raise _fail("no runtime: set ETHIQ_PUBLIC_URL or pass --url")
    try:
        with httpx.Client(base_url=url.rstrip("/"), timeout=TIMEOUT_S) as http:
            response = http.request(
                method, path, json=body, headers={"Authorization": f"Bearer {token}"}
            )
    except httpx.HTTPError as error:
        raise _fail(f"cannot reach the runtime at {url}: {error}") from None
    if response.status_code >= 400:  # noqa: PLR2004
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        code = 2 if response.status_code in {400, 401, 503} else 1
        raise _fail(f"{response.status_code}: {detail}", code)
    return response.json() if response.content else None


def _show_block(b: dict[str, Any]) -> None:
    line = f"{b['number']}  blocked {b['blocked_at'][:19]} by {b['blocked_by']}: {b['reason']}"
    if not b["active"]:
        line += (
            f"\n{'':16}unblocked {b['unblocked_at'][:19]} by {b['unblocked_by']}: "
            f"{b['unblock_reason']}"
        )
    typer.echo(line)


def block(
    number: Annotated[str, typer.Argument(help="The caller, in E.164 (+15145550100).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")],
    by: By = "",
    url: Url = "",
) -> None:
    """Block a caller on every tenant: each tenant's voice webhook rejects it."""
    found = operator_request(
        url,
        "POST",
        "/operator/blocks",
        {"number": number, "by": by or login_name(), "reason": reason},
    )
    _show_block(found)


def unblock(
    number: Annotated[str, typer.Argument(help="The caller, in E.164.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is lifted (audit trail).")],
    by: By = "",
    url: Url = "",
) -> None:
    """Lift a platform-wide block (the record stays, with who lifted it and why)."""
    found = operator_request(
        url,
        "POST",
        f"/operator/blocks/{number}/unblock",
        {"by": by or login_name(), "reason": reason},
    )
    _show_block(found)


def blocks(
    history: Annotated[
        bool, typer.Option("--history", help="Every block ever, lifted ones included.")
    ] = False,
    url: Url = "",
) -> None:
    """Callers blocked on every tenant (--history: the whole audit trail)."""
    found = operator_request(url, "GET", f"/operator/blocks{'?history=true' if history else ''}")
    for b in found:
        _show_block(b)
    if not found:
        typer.echo("no platform-wide block")


@incident_app.command("list")
def incidents(
    everything: Annotated[bool, typer.Option("--all", help="Closed incidents too.")] = False,
    url: Url = "",
) -> None:
    """Incidents, newest first (open ones unless --all)."""
    found = operator_request(url, "GET", f"/operator/incidents{'' if everything else '?open=true'}")
    for i in found:
        state = "open" if i["open"] else f"closed by {i['closed_by']}: {i['resolution']}"
        typer.echo(f"#{i['id']}  {i['opened_at'][:19]}  [{i['source']}] {i['title']}  ({state})")
    if not found:
        typer.echo("no open incident" if not everything else "no incident")


@incident_app.command("close")
def close(
    incident_id: Annotated[int, typer.Argument(help="The incident's number.")],
    resolution: Annotated[str, typer.Option("--resolution", help="What was done.")],
    by: By = "",
    url: Url = "",
) -> None:
    """Close an incident, saying what was done (time to resolve = closed - opened)."""
    found = operator_request(
        url,
        "POST",
        f"/operator/incidents/{incident_id}/close",
        {"by": by or login_name(), "resolution": resolution},
    )
    typer.echo(f"#{found['id']} closed after {_duration(found['resolve_s'])}")


def _report_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.json")))
        elif path.is_file():
            files.append(path)
        else:
            raise _fail(f"no report at {path}")
    return files


def _created(paths: list[Path]) -> list[tuple[str, list[Provisioned]]]:
    """Per reconcile JSON report of an ``apply`` run: its head and the stacks it created."""
    from infra.reconcile.report import Report
    from runtime.fleet.kpi import Provisioned

    found: list[tuple[str, list[Provisioned]]] = []
    for file in _report_files(paths):
        try:
            report = msgspec.json.decode(file.read_bytes(), type=Report)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise _fail(f"{file} is not a reconcile JSON report: {error}") from None
        if report.mode != "apply":
            continue
        created = [
            Provisioned(r.stack, r.duration_s, file.name)
            for r in report.results
            if r.status == "created"
        ]
        found.append((report.head or "", created))
    return found


def provisioned(paths: list[Path]) -> list[Provisioned]:
    """Stacks created by ``apply`` runs in reconcile JSON reports."""
    return [p for _, created in _created(paths) for p in created]


def _record(paths: list[Path]) -> None:
    """Write the reports' creations to the platform database (``DATABASE_URL``)."""
    import asyncio

    from runtime.fleet.service import migrate, record_provisioning
    from runtime.settings import Settings, SettingsError
    from runtime.storage import store_for_url

    try:
        database_url = Settings.from_env().database.url
    except SettingsError as error:
        raise _fail(str(error)) from None
    reports = _created(paths)

    async def write() -> int:
        storage = store_for_url(database_url)
        try:
            await migrate(storage)
            return sum([await record_provisioning(storage, h, c) for h, c in reports])
        finally:
            await storage.close()

    try:
        count = asyncio.run(write())
    except Exception as error:
        raise _fail(f"provisioning times not recorded: {error}") from None
    typer.echo(f"{count} provisioning time(s) recorded from {len(reports)} apply report(s)")


def kpi(
    reports: Annotated[
        list[Path] | None,
        typer.Option(
            "--reports",
            help="Reconcile JSON reports (`ethiq reconcile --apply --json`), or directories of "
            "them: provisioning times come from these.",
        ),
    ] = None,
    record: Annotated[
        list[Path] | None,
        typer.Option(
            "--record",
            help="Record these reports' provisioning times in the platform database "
            "(DATABASE_URL) instead, as the apply workflow does; prints no KPI.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    url: Url = "",
) -> None:
    """The four KPIs, measured: provisioning time per tenant (recorded reconcile reports, and
    --reports), onboarding success and manual steps (the onboarding records), incident time to
    resolve."""
    from runtime.fleet.kpi import Kpis, provisioning_kpi

    if record:
        _record(record)
        return
    measured = msgspec.convert(operator_request(url, "GET", "/operator/kpi"), Kpis)
    measured.provisioning = provisioning_kpi(
        [*measured.provisioning.tenants, *provisioned(reports or [])]
    )
    if as_json:
        typer.echo(msgspec.json.encode(measured).decode())
        return
    _print_kpis(measured)


def _print_kpis(k: Kpis) -> None:
    p, o, i = k.provisioning, k.onboarding, k.incidents
    typer.echo(f"Provisioning time per tenant (target < {p.target_s:.0f} s)")
    for t in p.tenants:
        typer.echo(f"  {t.stack:<32} {_duration(t.duration_s):>8}  ({t.report})")
    if p.tenants:
        typer.echo(
            f"  median {_duration(p.median_s)}, max {_duration(p.max_s)}, "
            f"{_share(p.within_target)} within target"
        )
    else:
        typer.echo("  no tenant creation recorded or in the reports given (--reports)")
    typer.echo(
        f"Onboarding ({o.started} started: {o.active} active, {o.stalled} stalled, "
        f"{o.in_progress} in progress)"
    )
    typer.echo(f"  success rate {_share(o.success_rate)} (target > {o.success_target:.0%})")
    typer.echo(
        f"  needed a manual step {_share(o.manual_share)} ({o.manual} of {o.started}; "
        f"target < {o.manual_target:.0%})"
    )
    typer.echo(f"  median time to active {_duration(o.median_to_active_s)}")
    typer.echo(f"Incidents ({i.open} open, {i.closed} closed; target: resolved within 1 h)")
    typer.echo(
        f"  time to resolve: median {_duration(i.median_resolve_s)}, "
        f"max {_duration(i.max_resolve_s)}, {_share(i.within_target)} within 1 h"
    )
