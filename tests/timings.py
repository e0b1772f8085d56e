"""Where the suite's time goes: wall seconds per test group and per file, printed at the end
of every run (CI's log included), so a slow group shows before the suite nears its budget."""

from __future__ import annotations

from collections import defaultdict
from pathlib import PurePosixPath

import pytest
from _pytest.terminal import TerminalReporter

_BY_FILE: defaultdict[str, float] = defaultdict(float)
_SLOWEST_FILES = 12


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Setup, call and teardown all count: module fixtures (servers, stacks) are often the cost."""
    _BY_FILE[report.nodeid.split("::", 1)[0]] += report.duration


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not _BY_FILE:
        return
    groups: defaultdict[str, float] = defaultdict(float)
    for path, seconds in _BY_FILE.items():
        groups[str(PurePosixPath(path).parent)] += seconds
    write = terminalreporter.write_line
    terminalreporter.section("time per group")
    total = sum(groups.values())
    for group, seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
        write(f"{seconds:8.1f} s {seconds / total:5.0%}  {group}")
    write(f"{total:8.1f} s        in all")
    terminalreporter.section("slowest files")
    for path, seconds in sorted(_BY_FILE.items(), key=lambda kv: -kv[1])[:_SLOWEST_FILES]:
        write(f"{seconds:8.1f} s  {path}")
