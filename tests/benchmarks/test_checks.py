"""A benchmark's checks name what failed, by how much, and end the run non-zero."""

from __future__ import annotations

import pytest

from tests.benchmarks.checks import Checks


def test_a_failed_check_is_named_with_its_figure_and_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    checks = Checks()
    checks.add("stacks previewed, of the stacks changed", 0.5, "==", 1.0, detail="only b")
    checks.add("worker CPU per voice call", 1.6, "<=", 0.8, unit=" ms")
    checks.add("throughput, of the ceiling", 0.2, ">=", 0.12)
    with pytest.raises(SystemExit) as exited:
        checks.finish()
    message = str(exited.value.code)
    assert message.startswith("2 of 3 checks failed")
    assert "stacks previewed, of the stacks changed: 0.5 (target == 1, off by -0.5): only b" in (
        message
    )
    assert "worker CPU per voice call: 1.6 ms (target <= 0.8 ms, 2.00x the target)" in message
    assert "throughput" not in message
    out = capsys.readouterr().out
    assert "ok   throughput, of the ceiling: 0.2 (target >= 0.12)" in out
    assert out.rstrip().endswith("False")


def test_a_run_whose_checks_pass_ends_normally(capsys: pytest.CaptureFixture[str]) -> None:
    checks = Checks()
    checks.add("stacks failed, of the stacks previewed", 0.0, "==", 0.0, detail="never shown")
    checks.finish()
    out = capsys.readouterr().out
    assert "never shown" not in out
    assert out.rstrip().endswith("True")
