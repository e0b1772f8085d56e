"""The layout drawn in docs/architecture.md holds: the import contracts of pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_no_import_cycle_and_adapters_know_no_domain_or_web_code() -> None:
    result = subprocess.run([LINT_IMPORTS], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_name_every_runtime_package() -> None:
    """A new runtime package must be placed in the layers, or it escapes every contract."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    runtime = next(c for c in config["contracts"] if c.get("containers") == ["runtime"])
    placed = {name.strip() for layer in runtime["layers"] for name in layer.split("|")}
    packages = {
        p.stem if p.suffix == ".py" else p.name
        for p in (ROOT / "runtime").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    assert packages == placed
