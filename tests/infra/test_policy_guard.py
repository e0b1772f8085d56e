"""How the program knows it runs under the policy pack, and what `ethiq pulumi` adds."""

from __future__ import annotations

from pathlib import Path

from ethiq.pulumi_cli import pulumi_command
from infra.policy_guard import PACK, policy_packs_of

ROOT = Path(__file__).parents[2]


def test_packs_are_read_from_both_flag_forms_relative_to_the_command_cwd() -> None:
    argv = ["up", "--policy-pack", "policies", "--policy-pack=/elsewhere/pack", "--stack", "a"]
    assert policy_packs_of(argv, ROOT) == {PACK, Path("/elsewhere/pack")}
    assert policy_packs_of(["up", "--stack", "a"], ROOT) == set()


def test_ethiq_pulumi_adds_the_pack_only_where_pulumi_runs_policies() -> None:
    pack = ["--policy-pack", str(ROOT / "policies")]
    assert pulumi_command(["up", "--yes", "--stack", "a"], ROOT) == [
        "pulumi", "up", "--yes", "--stack", "a", *pack
    ]  # fmt: skip
    assert pulumi_command(["preview", "--diff"], ROOT / "infra") == [
        "pulumi",
        "preview",
        "--diff",
        *pack,
    ]
    for args in (
        ["destroy", "--yes"],
        ["refresh"],
        ["stack", "init", "a"],
        ["config", "set", "k", "v"],
    ):
        assert pulumi_command(args, ROOT) == ["pulumi", *args]
