"""``ethiq billing``: the platform's billing and identity records (runs against the platform
database and Stripe named by the runtime's settings)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

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
