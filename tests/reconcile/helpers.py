"""What the reconcile engine tests share: the ``ethiq`` command they run and its report."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ETHIQ", "RUNTIME_URL", "Run"]

ETHIQ = Path(sys.executable).parent / "ethiq"
RUNTIME_URL = "https://runtime.ethiq.example"


@dataclass
class Run:
    code: int
    report: dict[str, Any]
    markdown: str
    stdout: str

    def by_stack(self) -> dict[str, dict[str, Any]]:
        return {r["stack"]: r for r in self.report["results"]}

    def statuses(self) -> dict[str, str]:
        return {name: r["status"] for name, r in self.by_stack().items()}
