"""``ethiq tenant``: write, list and remove tenant stack files in ``stacks/``.

The files are the desired state that CI applies; these commands only edit files, never Twilio.
``opt-out-replies --entered`` records a Console step through the runtime's operator API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from ethiq.ops_cli import By, Url, login_name, operator_request
from infra.stack_files import read_stack_values, stack_file, write_stack_file
from infra.tenant_config import (
    LANGUAGES,
    REGIONS,
    ConfigError,
    parse_contact,
    parse_near,
    parse_person_name,
    validate_tenant,
)
from runtime.alerts.keywords import console_entries, console_fingerprint

app = typer.Typer(help="Tenant stack files (stacks/Pulumi.<tenant>.yaml).", no_args_is_help=True)

StacksDir = Annotated[
    Path,
    typer.Option(
        "--stacks-dir",
        envvar="ETHIQ_STACKS_DIR",
        help="Directory of the stack files (Pulumi.yaml's stackConfigDir).",
    ),
]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg="red")
    return typer.Exit(2)


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="Tenant name (a slug): becomes the stack name.")],
    email: Annotated[str, typer.Option(help="Email of the person protected or their helper.")],
    region: Annotated[str, typer.Option(help=f"ISO 3166-2 region: {', '.join(REGIONS)}.")],
    near: Annotated[
        str | None, typer.Option(help="LAT,LON to buy a number near (default: region centre).")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help=f"Call language: {', '.join(LANGUAGES)}.")
    ] = None,
    contact: Annotated[
        list[str] | None,
        typer.Option(help="Emergency contact +E164[:Name]; repeat for several, in priority order."),
    ] = None,
    sensitivity: Annotated[
        str | None,
        typer.Option(
            help="Screening sensitivity: low, normal, high or 0..1 (default: platform's)."
        ),
    ] = None,
    person_name: Annotated[
        str | None,
        typer.Option(help="How alerts name the person (e.g. a first name); default: a relative."),
    ] = None,
    call_country: Annotated[
        list[str] | None,
        typer.Option(
            help="A country beyond Canada and the US the person may call (ISO code, e.g. FR); "
            "repeat for several."
        ),
    ] = None,
    emergency_address: Annotated[
        list[str] | None,
        typer.Option(
            help="The person's address for 911, one FIELD=VALUE each: street, city, region, "
            "postalCode (name: default the person's name). Without it the SIP app cannot "
            "place calls."
        ),
    ] = None,
    a2p_campaign: Annotated[
        str | None,
        typer.Option(
            help="The US A2P 10DLC campaign SID (QE...) registered on the tenant's Messaging "
            "Service, or 'pending' before its first up: a US region texting US contacts needs "
            "it."
        ),
    ] = None,
    sender: Annotated[
        str | None,
        typer.Option(
            help="local (a long code in the region, the default) or toll-free (a toll-free "
            "number, texting US and Canadian contacts once its Toll-Free Verification is "
            "approved)."
        ),
    ] = None,
    stacks_dir: StacksDir = Path("stacks"),
) -> None:
    """Write stacks/Pulumi.NAME.yaml for a new tenant (validated; nothing written on error)."""
    target = stack_file(stacks_dir, name)
    try:
        address: dict[str, str] = {}
        for item in emergency_address or []:
            field, sep, value = item.partition("=")
            if not sep:
                raise ConfigError("emergencyAddress", f"{item!r}: write FIELD=VALUE")
            address[field.strip()] = value
        country = REGIONS[region].country if region in REGIONS else "CA"
        values: dict[str, Any] = {
            "email": email,
            "region": region,
            "near": ",".join(map(str, parse_near(near))) if near else None,
            "language": lang,
            "contacts": [parse_contact(c, country).as_config() for c in contact or []],
            "sensitivity": sensitivity,
            "personName": person_name,
            "callCountries": call_country or None,
            "emergencyAddress": address or None,
            "a2pCampaign": a2p_campaign,
            "sender": sender,
        }
        tenant = validate_tenant(name, values)
    except ConfigError as error:
        raise _fail(str(error)) from None
    if target.exists():
        raise _fail(f"{target} already exists: edit it, or remove the tenant first")
    if not stacks_dir.is_dir():
        raise _fail(f"{stacks_dir} is not a directory (run from the repository root)")
    write_stack_file(stacks_dir, tenant)
    typer.echo(f"wrote {target}: commit it and open a pull request to onboard {name}")


@app.command("list")
def list_(stacks_dir: StacksDir = Path("stacks")) -> None:
    """List tenants with their region, language and contacts; invalid files are flagged."""
    files = sorted(stacks_dir.glob("Pulumi.*.yaml"))
    if not files:
        typer.echo(f"no tenants in {stacks_dir}")
        return
    for path in files:
        name = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        try:
            tenant = validate_tenant(name, read_stack_values(path))
        except ConfigError as error:
            typer.echo(f"{name:<24} INVALID  ethiq:{error.key}: {error.reason}")
            continue
        except yaml.YAMLError as error:
            typer.echo(f"{name:<24} INVALID  {error}")
            continue
        typer.echo(
            f"{name:<24} {tenant.region:<6} {tenant.language:<6} "
            f"{len(tenant.contacts)} contact(s)  {tenant.email}"
        )


@app.command()
def remove(
    name: Annotated[str, typer.Argument(help="Tenant name.")],
    stacks_dir: StacksDir = Path("stacks"),
) -> None:
    """Delete stacks/Pulumi.NAME.yaml (CI then plans the tenant's destroy)."""
    target = stack_file(stacks_dir, name)
    if not target.exists():
        raise _fail(f"no tenant {name!r} ({target} does not exist)")
    target.unlink()
    typer.echo(f"removed {target}: commit it and open a pull request")


@app.command("opt-out-replies")
def opt_out_replies(
    name: Annotated[str, typer.Argument(help="Tenant name.")],
    entered: Annotated[
        bool,
        typer.Option(
            "--entered",
            help="Once entered in the Console: record it in the runtime (operator API, "
            "ETHIQ_OPERATOR_TOKEN), which lists the step as due until then.",
        ),
    ] = False,
    by: By = "",
    url: Url = "",
    stacks_dir: StacksDir = Path("stacks"),
) -> None:
    """Print what to enter in the Console's Opt-Out Management for NAME's Messaging Service.

    Twilio has no API for Advanced Opt-Out, and its replies name this tenant's person, so
    they differ per tenant (docs/runbooks.md, Advanced Opt-Out). --entered records what was
    entered (its fingerprint, who, when): the operator page lists the step as due until the
    recorded entries are what the tenant's registration asks for."""
    target = stack_file(stacks_dir, name)
    if not target.exists():
        raise _fail(f"no tenant {name!r} ({target} does not exist)")
    try:
        person_name = parse_person_name(read_stack_values(target).get("personName"))
    except (ConfigError, yaml.YAMLError) as error:
        raise _fail(f"{target}: {error}") from error
    typer.echo(console_entries(person_name), nl=False)
    if not entered:
        return
    fingerprint = console_fingerprint(person_name)
    step = operator_request(
        url,
        "POST",
        f"/operator/tenants/{name}/opt-out-replies",
        {"fingerprint": fingerprint, "by": by or login_name()},
    )
    if step["due"]:
        typer.secho(
            f"recorded as entered by {step['entered_by']}, but the runtime's registration of "
            f"{name} asks for other entries (person {step['person_name'] or '(none)'!r}, "
            f"{step['why_due']}): apply the stack file first (or deploy the runtime of this "
            "code), then enter them again",
            err=True,
            fg="red",
        )
        raise typer.Exit(1)
    typer.echo(
        f"recorded: {name}'s Advanced Opt-Out on {step['messaging_service_sid']} entered by "
        f"{step['entered_by']} (entries {fingerprint[:12]})"
    )
