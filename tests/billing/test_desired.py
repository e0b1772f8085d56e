"""The subscription as desired state: `ethiq billing changes` proposes a Stripe plan change as
``ethiq:plan`` and a due release as ``ethiq:allowDestroy: true`` in the stack files, never a
release still inside the retention period, and refuses a plan the declared contacts exceed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from ethiq.cli import app
from runtime.billing import Accounts
from runtime.billing.tables import BillingAccount, StripeEvent
from runtime.privacy.tables import ErasureRequest
from runtime.storage import store_for_url
from runtime.storage.bind import bind_table

NOW = datetime.now(UTC)
SALT = "v1:c2FsdA==:v1:abc:def"


def _stack(path: Path, contacts: int, **extra: Any) -> None:
    config = {
        "ethiq:email": f"{path.stem}@example.org",
        "ethiq:region": "CA-QC",
        "ethiq:contacts": [f"+1514555011{n}" for n in range(contacts)],
        "ethiq:databaseUrl": {"secure": "v1:AAAA:opaque"},  # must survive the rewrite
        **{f"ethiq:{k}": v for k, v in extra.items()},
    }
    path.write_text(yaml.safe_dump({"encryptionsalt": SALT, "config": config}, sort_keys=False))


def _seed(url: str) -> None:
    async def seed() -> None:
        store = store_for_url(url)
        try:
            # Billing's tables are all this needs (the platform's migrations take seconds).
            table = bind_table(BillingAccount, store.platform_engine())
            await table.create_table()
            await bind_table(StripeEvent, store.platform_engine()).create_table()
            accounts = Accounts(store)
            for tenant, plan, canceled in [
                ("upgraded", "family", None),
                ("downgraded", "solo", None),  # three contacts: more than Solo allows
                ("fewer-phones", "solo", None),  # a spouse's phone monitored: more than Solo
                ("released", "solo", NOW - timedelta(days=31)),
                ("retained", "solo", NOW - timedelta(days=3)),
                ("local", "solo", None),  # no subscription: set up by hand, not governed
                ("erased", "solo", NOW - timedelta(days=3)),  # then asked for an erasure
                ("erased-before", "solo", NOW - timedelta(days=3)),  # asked before canceling
            ]:
                await accounts.open(tenant, f"cus_{tenant}", plan)
                if tenant != "local":
                    await table.update(
                        {
                            table.subscription_id: f"sub_{tenant}",
                            table.subscription_status: "canceled" if canceled else "active",
                            table.canceled_at: canceled,
                        }
                    ).where(table.tenant == tenant)
            # The person's erasure requests (runtime/privacy): done, asked after or before
            # the cancellation; a pending one ends nothing.
            erasures = bind_table(ErasureRequest, store.platform_engine())
            await erasures.create_table()
            for tenant, days, state in [
                ("erased", 1, "done"),
                ("erased-before", 5, "done"),
                ("retained", 1, "pending"),
            ]:
                await erasures.insert(
                    erasures(
                        slug=tenant,
                        state=state,
                        requested_by="person",
                        requested_at=NOW - timedelta(days=days),
                    )
                )
        finally:
            await store.close()

    asyncio.run(seed())


def test_the_command_as_documented_proposes_plans_and_due_releases(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ethiq.sqlite"
    _seed(url)
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    _stack(stacks / "Pulumi.upgraded.yaml", 3, plan="solo")
    _stack(stacks / "Pulumi.downgraded.yaml", 3, plan="family")
    _stack(stacks / "Pulumi.released.yaml", 1, plan="solo")
    _stack(stacks / "Pulumi.retained.yaml", 1, plan="solo")
    _stack(stacks / "Pulumi.local.yaml", 1)
    _stack(stacks / "Pulumi.erased.yaml", 1, plan="solo")
    _stack(stacks / "Pulumi.erased-before.yaml", 1, plan="solo")
    before = {p.name: p.read_text() for p in stacks.iterdir()}
    # In process (the command line as the README gives it): `ethiq` takes seconds to start.
    runner = CliRunner()
    env = {"DATABASE_URL": url}

    listed = runner.invoke(app, ["billing", "changes", "--stacks", str(stacks)], env=env)
    assert listed.exit_code == 0, listed.output
    lines = sorted(listed.stdout.splitlines())
    assert [line.split("\t")[:2] for line in lines] == [
        ["downgraded", "ethiq:plan: solo"],
        ["erased", "ethiq:allowDestroy: true"],  # early: the person asked for the erasure
        ["released", "ethiq:allowDestroy: true"],
        ["upgraded", "ethiq:plan: family"],
    ]
    assert "history erased on the person's request of" in lines[1]
    assert {p.name: p.read_text() for p in stacks.iterdir()} == before  # listing writes nothing

    written = runner.invoke(
        app, ["billing", "changes", "--stacks", str(stacks), "--write"], env=env
    )
    assert written.exit_code == 1  # one refusal
    assert "downgraded: refused: ethiq:plan: solo allows 2 emergency contacts" in written.stderr
    after = {f.stem[len("Pulumi.") :]: yaml.safe_load(f.read_text()) for f in stacks.glob("*")}
    assert after["upgraded"]["config"]["ethiq:plan"] == "family"
    assert after["released"]["config"]["ethiq:allowDestroy"] is True
    assert after["upgraded"]["encryptionsalt"] == SALT
    assert after["released"]["config"]["ethiq:databaseUrl"] == {"secure": "v1:AAAA:opaque"}
    assert after["erased"]["config"]["ethiq:allowDestroy"] is True
    for untouched in ("downgraded", "retained", "local", "erased-before"):
        assert (stacks / f"Pulumi.{untouched}.yaml").read_text() == before[
            f"Pulumi.{untouched}.yaml"
        ]


def test_a_downgrade_is_refused_while_the_stack_monitors_more_phones_than_the_plan(
    tmp_path: Path,
) -> None:
    """Family to Solo in Stripe, the stack still monitoring a spouse's phone: the plan change is
    listed, and ``--write`` refuses it naming the numbers to remove first."""
    url = f"sqlite:///{tmp_path}/ethiq.sqlite"
    _seed(url)
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    path = stacks / "Pulumi.fewer-phones.yaml"
    _stack(path, 1, plan="family", monitoredNumbers=["+15145550122"])
    before = path.read_text()
    runner, env = CliRunner(), {"DATABASE_URL": url}
    listed = runner.invoke(app, ["billing", "changes", "--stacks", str(stacks)], env=env)
    assert listed.exit_code == 0, listed.output
    assert [line.split("\t")[:2] for line in listed.stdout.splitlines()] == [
        ["fewer-phones", "ethiq:plan: solo"]
    ]
    written = runner.invoke(
        app, ["billing", "changes", "--stacks", str(stacks), "--write"], env=env
    )
    assert written.exit_code == 1
    assert (
        "fewer-phones: refused: ethiq:plan: solo allows 1 monitored number (the person's own "
        "included)" in written.stderr
    )
    assert "remove some from ethiq:monitoredNumbers first" in written.stderr
    assert path.read_text() == before


def test_the_command_names_the_cancellation_day_in_the_tenants_time_zone(tmp_path: Path) -> None:
    # Canceled at 02:30 UTC: the evening before in Quebec, the day its notices and pages name.
    url = f"sqlite:///{tmp_path}/ethiq.sqlite"
    canceled = (NOW - timedelta(days=40)).replace(hour=2, minute=30, second=0, microsecond=0)

    async def seed() -> None:
        store = store_for_url(url)
        try:
            table = bind_table(BillingAccount, store.platform_engine())
            await table.create_table()
            await bind_table(StripeEvent, store.platform_engine()).create_table()
            await Accounts(store).open("evening", "cus_evening", "solo")
            await table.update(
                {
                    table.subscription_id: "sub_evening",
                    table.subscription_status: "canceled",
                    table.canceled_at: canceled,
                }
            ).where(table.tenant == "evening")
        finally:
            await store.close()

    asyncio.run(seed())
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    _stack(stacks / "Pulumi.evening.yaml", 1, plan="solo")
    listed = CliRunner().invoke(
        app, ["billing", "changes", "--stacks", str(stacks)], env={"DATABASE_URL": url}
    )
    assert listed.exit_code == 0, listed.output
    local_day = (canceled - timedelta(days=1)).date().isoformat()
    assert f"canceled on {local_day}," in listed.stdout, listed.stdout
    assert canceled.date().isoformat() not in listed.stdout
