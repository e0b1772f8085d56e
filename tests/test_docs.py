"""What the docs say that can drift mechanically, checked against the code: the README's
commands and options, the policy rules table, the runtime's paths table. (The settings table
has its own test: tests/runtime/test_settings.py.)"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer.main

from ethiq.cli import app
from runtime.web.app import create_app
from tests.runtime.helpers import make_settings

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()
ETHIQ = Path(sys.executable).parent / "ethiq"


def _table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of the markdown table whose header row starts with ``header``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip("|"))])
    return rows


def _command(words: list[str]) -> tuple[Any, list[str]]:
    """The click command a README command names, and the words after it."""
    command: Any = typer.main.get_command(app)
    while words and words[0] in getattr(command, "commands", {}):
        command = command.commands[words.pop(0)]
    return command, words


def _documented_commands() -> list[str]:
    """Every ``ethiq ...`` code span of the README."""
    return [span for span in re.findall(r"`(ethiq [^`]+)`", README)]


def test_every_command_the_readme_names_exists() -> None:
    for span in _documented_commands():
        if span.startswith("ethiq pulumi "):
            continue  # the rest of the line is pulumi's
        command, rest = _command(span.split()[1:])
        assert command.name != "ethiq" or not rest, span
        leftover = [w for w in rest if re.fullmatch(r"[a-z][a-z-]+", w)]
        assert not leftover, f"{span}: no command {leftover[0]!r}"


def test_every_option_of_the_command_table_exists() -> None:
    for cells in _table_rows(README, "| command |"):
        span = re.match(r"`(ethiq [^`]+)`", cells[0])
        if span is None or span.group(1).startswith("ethiq pulumi"):
            continue  # `ethiq pulumi` hands its options to pulumi
        command, _ = _command(span.group(1).split()[1:])
        options = {o for param in command.params for o in [*param.opts, *param.secondary_opts]}
        for option in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", span.group(1)):
            assert option in options, f"{span.group(1)}: {command.name} has no {option}"


def test_the_top_level_commands_are_listed_by_help() -> None:
    shown = subprocess.run([ETHIQ, "--help"], capture_output=True, text=True, check=True).stdout
    for span in _documented_commands():
        assert re.search(rf"\b{re.escape(span.split()[1])}\b", shown), span


def _pack_rules() -> dict[str, str]:
    """Rule name → enforcement level, as ``policies/__main__.py`` declares them."""
    tree = ast.parse((ROOT / "policies" / "__main__.py").read_text())
    rules: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "").endswith("Policy"):
            keywords = {k.arg: k.value for k in node.keywords}
            if "name" not in keywords:
                continue
            level = keywords.get("enforcement_level")
            name = ast.literal_eval(keywords["name"])
            rules[name] = "mandatory" if level is None else ast.unparse(level).split(".")[-1]
    return {name: level.lower() for name, level in rules.items()}


def test_the_policy_rules_table_is_the_pack() -> None:
    documented = {
        cells[0].strip("`"): cells[1] for cells in _table_rows(ARCHITECTURE, "| rule | level |")
    }
    assert documented == _pack_rules()


def _documented_paths() -> set[str]:
    paths = set()
    for cells in _table_rows(ARCHITECTURE, "| path | what |"):
        for path in re.findall(r"(/[a-z][a-z/_{}-]*|/)(?=[`?, ]|$)", cells[0]):
            paths.add(path)
    return paths


def test_the_runtimes_documented_paths_are_its_routes(tmp_path: Path) -> None:
    app = create_app(make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite"))
    routes = {re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path) for route in app.routes}
    documented = _documented_paths()
    machine = {p for p in routes if p.startswith(("/twilio/", "/health/", "/stripe/"))}
    assert machine <= documented, "undocumented: " + ", ".join(sorted(machine - documented))
    checked = {p for p in documented if not p.startswith("/operator/")} - {"/schema"}
    assert checked <= routes, "documented, not served: " + ", ".join(sorted(checked - routes))
