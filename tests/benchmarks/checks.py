"""A benchmark's pass/fail checks: each one prints its figure beside its target, and a failed
run ends non-zero naming every check that failed and by how much.

A target is a bound on a figure measured in the same run (a count, or a ratio to a baseline
of that run), never an absolute time: the machine's load moves those.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Check", "Checks"]

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "<=": operator.le,
    ">=": operator.ge,
}


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    figure: float
    relation: str  # "==", "<=" or ">="
    target: float
    unit: str = ""
    detail: str = ""  # what failed, when it did (e.g. the stacks and their errors)

    @property
    def passed(self) -> bool:
        return _COMPARE[self.relation](self.figure, self.target)

    def describe(self) -> str:
        line = (
            f"{self.name}: {self.figure:g}{self.unit} (target {self.relation} "
            f"{self.target:g}{self.unit}"
        )
        if not self.passed and self.relation != "==" and self.target:
            line += f", {self.figure / self.target:.2f}x the target"
        elif not self.passed:
            line += f", off by {self.figure - self.target:+g}{self.unit}"
        line += ")"
        return f"{line}: {self.detail}" if self.detail and not self.passed else line


@dataclass(slots=True)
class Checks:
    """Collects a run's checks; :meth:`finish` prints them and exits non-zero on a failure."""

    items: list[Check] = field(default_factory=list)

    def add(
        self,
        name: str,
        figure: float,
        relation: str,
        target: float,
        *,
        unit: str = "",
        detail: str = "",
    ) -> Check:
        if relation not in _COMPARE:
            raise ValueError(f"unknown relation {relation!r}")
        check = Check(name, figure, relation, target, unit, detail)
        self.items.append(check)
        return check

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.items if not c.passed]

    def finish(self) -> None:
        """Print every check and the verdict; ``SystemExit`` naming the failed checks."""
        for check in self.items:
            print(f"{'ok  ' if check.passed else 'FAIL'} {check.describe()}")
        failed = self.failed
        print(f"all ok                     {not failed!s:>8}")
        if failed:
            raise SystemExit(
                f"{len(failed)} of {len(self.items)} checks failed: "
                + "; ".join(c.describe() for c in failed)
            )
