from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ethiq.cli import app
from ethiq.sandbox.contract import ENV_SPEC, find_spec


def test_ethiq_sandbox_is_a_command() -> None:
    result = CliRunner().invoke(app, ["sandbox", "--help"])
    assert result.exit_code == 0
    assert "--account-sid" in result.output


def test_half_credentials_are_refused() -> None:
    result = CliRunner().invoke(
        app, ["sandbox", "--account-sid", "AC" + "0" * 32], env={"TWILIO_AUTH_TOKEN": ""}
    )
    assert result.exit_code != 0


def test_missing_spec_is_announced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_SPEC, str(tmp_path / "nowhere.json"))
    path, notice = find_spec()
    assert path is None
    assert "skipped" in notice
    assert "nowhere.json" in notice
