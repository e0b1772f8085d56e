"""The operators' alert rules, dashboard and runbooks are checked by the tools that run them.

``promtool`` (Debian's prometheus package, installed by setup) checks the rules file, runs its
unit tests (alerts firing on synthetic series) and parses every dashboard query; every metric
that rules and dashboard name must be one the runtime exports, and every runbook link must point
at a section of docs/runbooks.md. The dashboard is type-checked against Grafana's own published
dashboard types (``@grafana/schema``, with the TypeScript compiler, both installed by setup).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from runtime.metrics import Metrics, WorkerMetrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "ops/prometheus/ethiq-rules.yml"
# Minute-by-minute tests, and the ones over days evaluated hourly.
RULE_TESTS = sorted((ROOT / "ops/prometheus").glob("ethiq-rules*.test.yml"))
DASHBOARD = ROOT / "ops/grafana/ethiq-runtime.json"
DASHBOARD_SCHEMA = ROOT / "ops/grafana/dashboard.schema.json"
RUNBOOKS = ROOT / "docs/runbooks.md"
GRAFANA_SCHEMA = ROOT / ".venv/grafana-schema/node_modules"
METRIC_RE = re.compile(r"\b(ethiq_[a-z_]+)\b")


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.fail("promtool is missing: run `make setup` (Debian package prometheus)")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=False, timeout=60)


def _rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]


def _exported() -> list[Any]:
    """Every metric family a runtime exports: ``ethiq serve``'s, and ``ethiq worker``'s (the
    same, plus its own on the same registry)."""
    metrics = Metrics()
    WorkerMetrics(metrics.registry)
    return list(metrics.registry.collect())


def _exported_metric_names() -> set[str]:
    names: set[str] = set()
    for family in _exported():
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        if family.type == "histogram":
            names.update(f"{family.name}_{suffix}" for suffix in ("bucket", "sum", "count"))
        if family.type == "counter":
            names.add(f"{family.name}_total")
    return names


def test_rules_file_is_valid() -> None:
    result = _promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in result.stdout


def test_rules_fire_as_their_unit_tests_say() -> None:
    assert len(RULE_TESTS) == 2, RULE_TESTS
    result = _promtool("test", "rules", *map(str, RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    tested = {
        name for path in RULE_TESTS for name in re.findall(r"alertname:\s*(\w+)", path.read_text())
    }
    alerts = {rule["alert"] for rule in _rules() if "alert" in rule}
    assert alerts <= tested, f"alerts without a unit test: {sorted(alerts - tested)}"


def test_every_alert_has_a_runbook_section() -> None:
    anchors = {
        re.sub(r"[^a-z0-9-]", "", line[3:].strip().lower().replace(" ", "-"))
        for line in RUNBOOKS.read_text().splitlines()
        if line.startswith("## ")
    }
    for rule in _rules():
        if "alert" not in rule:
            continue
        url = rule["annotations"]["runbook_url"]
        path, _, anchor = url.partition("#")
        assert path == "docs/runbooks.md", url
        assert anchor in anchors, f"{rule['alert']}: no section #{anchor} in docs/runbooks.md"
        assert rule["labels"]["severity"] in {"page", "ticket"}


def test_dashboard_matches_its_schema() -> None:
    schema = json.loads(DASHBOARD_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(DASHBOARD.read_text()), schema)


def _grafana_type_errors(dashboard: dict[str, Any], tmp_path: Path) -> str:
    """tsc's errors for ``dashboard`` as a literal of Grafana's ``Dashboard`` type: literal
    unions (panel types, enums) are checked and so is every key, nested ones included (an object
    literal may not name a property its type does not declare)."""
    tsc = GRAFANA_SCHEMA / ".bin/tsc"
    if not tsc.exists():
        pytest.fail("Grafana's dashboard schema is missing: run `make setup`")
    check = tmp_path / "dashboard.ts"
    check.write_text(
        'import type { Dashboard } from "@grafana/schema";\n'
        f"export const dashboard: Dashboard = {json.dumps(dashboard, indent=1)};\n"
    )
    config = {
        "compilerOptions": {
            "strict": True,
            "noEmit": True,
            "moduleResolution": "node",
            "baseUrl": str(tmp_path),
            "paths": {"@grafana/schema": [str(GRAFANA_SCHEMA / "@grafana/schema")]},
        },
        "files": [str(check)],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    result = subprocess.run(
        [str(tsc), "--project", str(tmp_path / "tsconfig.json")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return result.stdout + result.stderr if result.returncode else ""


def test_dashboard_has_grafanas_own_types(tmp_path: Path) -> None:
    assert _grafana_type_errors(json.loads(DASHBOARD.read_text()), tmp_path) == ""


def _misspelt_field_option(dashboard: dict[str, Any]) -> None:
    dashboard["panels"][0]["fieldConfig"]["defaults"]["unitt"] = "s"


def _unknown_tooltip_mode(dashboard: dict[str, Any]) -> None:
    dashboard["graphTooltip"] = 7


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (_misspelt_field_option, """'"unitt"' does not exist in type 'FieldConfig"""),
        (_unknown_tooltip_mode, "not assignable to type 'DashboardCursorSync"),
    ],
    ids=["misspelt nested key", "out-of-range enum"],
)
def test_grafanas_types_refuse_a_broken_dashboard(
    change: Callable[[dict[str, Any]], None], error: str, tmp_path: Path
) -> None:
    """The check above can fail (one change per run: tsc stops checking a literal at its first
    error)."""
    dashboard = json.loads(DASHBOARD.read_text())
    change(dashboard)
    assert error in _grafana_type_errors(dashboard, tmp_path)


def test_dashboard_queries_parse(tmp_path: Path) -> None:
    """promtool has no query linter of its own: every query becomes a recording rule to check."""
    exprs = _dashboard_exprs()
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [{"record": f"dashboard:q{i}", "expr": e} for i, e in enumerate(exprs)],
            }
        ]
    }
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = _promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_and_dashboard_name_only_exported_metrics() -> None:
    exported = _exported_metric_names()
    used = set()
    for text in [RULES.read_text(), *_dashboard_exprs()]:
        used.update(METRIC_RE.findall(text))
    assert used, "no ethiq_ metric found in rules or dashboard"
    assert used <= exported, f"not exported by the runtime: {sorted(used - exported)}"
    panels_metrics = {m for e in _dashboard_exprs() for m in METRIC_RE.findall(e)}
    families = {name.removesuffix("_bucket") for name in panels_metrics}
    exported_families = {f.name for f in _exported()}
    missing = {f for f in exported_families if not any(m.startswith(f) for m in families)}
    assert not missing, f"metrics with no dashboard panel: {sorted(missing)}"


def test_dashboard_panels_fit_the_grid_without_overlapping() -> None:
    cells: dict[tuple[int, int], str] = {}
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, f"{panel['title']}: wider than Grafana's 24 columns"
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]
