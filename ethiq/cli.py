"""The ``ethiq`` command: one front door to every domain's commands."""

from __future__ import annotations

import typer

from ethiq import (
    billing_cli,
    demo_cli,
    engine_cli,
    ops_cli,
    people_cli,
    pulumi_cli,
    reconcile_cli,
    runtime_cli,
    tenant_cli,
)
from ethiq.sandbox import cli as sandbox_cli
from runtime.screening import cli as screening_cli

app = typer.Typer(
    help="Ethiq: phone-fraud screening. Tenants are Pulumi stacks; one runtime serves them all.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(engine_cli.app, name="engine")
app.add_typer(tenant_cli.app, name="tenant")
app.add_typer(people_cli.app, name="people")
app.add_typer(billing_cli.app, name="billing")
app.command("score")(screening_cli.score)
app.command("eval")(screening_cli.evaluate)
app.command("sandbox")(sandbox_cli.sandbox)
app.command("reconcile")(reconcile_cli.reconcile)
app.command("deploy-all")(reconcile_cli.deploy_all)
app.command("drift")(reconcile_cli.drift)
app.command(
    "pulumi",
    context_settings={"ignore_unknown_options": True},
    add_help_option=False,
)(pulumi_cli.pulumi)
app.command("serve")(runtime_cli.serve)
app.command("worker")(runtime_cli.worker)
app.command("demo")(demo_cli.demo)
app.add_typer(demo_cli.simulate_app, name="simulate")
app.command("block")(ops_cli.block)
app.command("unblock")(ops_cli.unblock)
app.command("blocks")(ops_cli.blocks)
app.add_typer(ops_cli.incident_app, name="incident")
app.command("kpi")(ops_cli.kpi)

__all__ = ["app"]
