"""``ethiq billing``: the platform's billing and identity records (runs against the platform
database and Stripe named by the runtime's settings)."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Billing and identity records (Stripe).", no_args_is_help=True)

__all__ = ["app"]


@app.command("purge-kyc")
def purge_kyc(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what is due; redact nothing.")
    ] = False,
) -> None:
    """Redact at Stripe every identity verification that ended ETHIQ_KYC_RETENTION_DAYS ago
    and forget its id (docs/privacy.md); the worker runs the same function daily."""
    from runtime.billing.gateway import StripeGateway
    from runtime.billing.retention import purge_kyc as purge
    from runtime.settings import Settings, SettingsError
    from runtime.storage import store_for_url

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        typer.secho(f"error: {error}", err=True, fg="red")
        raise typer.Exit(2) from None
    billing = settings.billing
    if not billing.stripe_api_key and not dry_run:
        typer.secho("error: STRIPE_API_KEY is required to redact", err=True, fg="red")
        raise typer.Exit(2)
    gateway = StripeGateway(billing.stripe_api_key, base_url=billing.stripe_api_base_url)

    async def run() -> list[str]:
        from runtime.billing import Accounts

        store = store_for_url(settings.database.url)
        try:
            await store.ensure_platform()
            purged = await purge(
                Accounts(store),
                gateway.redact_verification,
                now=datetime.now(UTC),
                keep=timedelta(days=billing.kyc_retention_days),
                dry_run=dry_run,
            )
        finally:
            await store.close()
        return [f"{p.tenant}\t{p.verification_id}\t{p.kyc_status}\t{p.outcome}" for p in purged]

    lines = asyncio.run(run())
    for line in lines:
        typer.echo(line)
    failed = [line for line in lines if "\tfailed: " in line]
    typer.echo(
        f"{len(lines)} verification(s) {'due' if dry_run else 'redacted'}"
        + (f", {len(failed)} failed (retried by the next run)" if failed else ""),
        err=True,
    )
    if failed:
        raise typer.Exit(1)


@app.command("verified-in-person")
def verified_in_person(
    tenant: Annotated[str, typer.Argument(help="The tenant (stack name).")],
    operator: Annotated[
        str, typer.Option("--operator", help="Who checked the person's ID, face to face.")
    ],
) -> None:
    """Record that an operator verified the person's identity in person (for someone who
    refuses or cannot pass the selfie check); the activation gate accepts it like Stripe's."""
    from runtime.billing import Accounts
    from runtime.people.onboarding import IN_PERSON
    from runtime.settings import Settings, SettingsError
    from runtime.storage import store_for_url
    from runtime.storage.names import validate_slug

    try:
        settings = Settings.from_env()
        slug = validate_slug(tenant)
    except (SettingsError, ValueError) as error:
        typer.secho(f"error: {error}", err=True, fg="red")
        raise typer.Exit(2) from None
    if not operator.strip():
        typer.secho("error: --operator names who verified the person", err=True, fg="red")
        raise typer.Exit(2)

    async def record() -> bool:
        store = store_for_url(settings.database.url)
        try:
            await store.ensure_platform()
            accounts = Accounts(store)
            if await accounts.get(slug) is None:
                return False
            await accounts.record_verification(
                slug, IN_PERSON + operator.strip(), "verified", datetime.now(UTC)
            )
            return True
        finally:
            await store.close()

    if not asyncio.run(record()):
        typer.secho(
            f"error: tenant {slug!r} has no billing account (its checkout opens one)",
            err=True,
            fg="red",
        )
        raise typer.Exit(2)
    typer.echo(f"{slug}: identity verified in person by {operator.strip()}")


@app.command("changes")
def changes(
    stacks: Annotated[
        Path, typer.Option("--stacks", help="The stack files' directory (the GitOps checkout's).")
    ] = Path("stacks"),
    write: Annotated[
        bool,
        typer.Option("--write", help="Write the changes into the stack files, for a pull request."),
    ] = False,
) -> None:
    """The stack changes the subscriptions call for (runtime/billing/desired.py): a Stripe plan
    change as ``ethiq:plan``, a canceled subscription whose number's retention is over as
    ``ethiq:allowDestroy: true`` (its release, reviewed; the stack file's removal follows).
    Lists them; ``--write`` writes them, each file validated first and written all at once."""
    from infra.stack_files import read_stack_values, stack_file
    from runtime.billing import Accounts
    from runtime.billing.desired import proposals
    from runtime.privacy.asked import erasures_asked
    from runtime.settings import Settings, SettingsError
    from runtime.storage import store_for_url

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        typer.secho(f"error: {error}", err=True, fg="red")
        raise typer.Exit(2) from None
    if not stacks.is_dir():
        typer.secho(f"error: {stacks} is not a directory of stack files", err=True, fg="red")
        raise typer.Exit(2)
    values = {
        path.name.removeprefix("Pulumi.").removesuffix(".yaml"): read_stack_values(path)
        for path in stacks.glob("Pulumi.*.yaml")
    }
    retention = timedelta(days=settings.billing.number_retention_days)

    async def read() -> list[Any]:
        store = store_for_url(settings.database.url)
        try:
            accounts = Accounts(store)
            if not await accounts.exist():
                return []
            erased = await erasures_asked(store)
            return proposals(await accounts.all(), values, datetime.now(UTC), retention, erased)
        finally:
            await store.close()

    found = asyncio.run(read())
    refused = 0
    for slug in sorted({p.tenant for p in found}):
        mine = {p.key: p for p in found if p.tenant == slug}
        for p in mine.values():
            typer.echo(f"{slug}\tethiq:{p.key}: {_yaml_value(p.value)}\t{p.why}")
        if write:
            refusal = _write(stack_file(stacks, slug), slug, values[slug], mine)
            if refusal:
                refused += 1
                typer.secho(f"{slug}: refused: {refusal}", err=True, fg="red")
            else:
                typer.echo(f"{slug}: wrote {stack_file(stacks, slug).name}", err=True)
    if not found:
        typer.echo("no change: every stack says what its subscription says", err=True)
    if refused:
        raise typer.Exit(1)


def _write(path: Path, slug: str, values: dict[str, Any], changes: dict[str, Any]) -> str:
    """Set the changed keys only (secrets, salt and every other key stay), once the result
    validates, all at once; the refusal (``""``: written)."""
    import yaml

    from infra.tenant_config import ConfigError, validate_tenant

    try:
        validate_tenant(slug, values | {key: p.value for key, p in changes.items()})
    except ConfigError as error:
        return f"ethiq:{error.key}: {error.reason}"
    document = yaml.safe_load(path.read_text()) or {}
    config = document.setdefault("config", {})
    for key, p in changes.items():
        config[f"ethiq:{key}"] = p.value
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    os.replace(tmp, path)
    return ""


def _yaml_value(value: object) -> str:
    return "true" if value is True else str(value)
