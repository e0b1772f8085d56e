"""`ethiq demo`, the README's main job, end to end on the embedded defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ETHIQ = Path(sys.executable).parent / "ethiq"

pytestmark = pytest.mark.engine


def test_demo_screens_a_legit_and_a_scam_call() -> None:
    # Embedded defaults: no PostgreSQL, no Redis, whatever the calling shell has set.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [ETHIQ, "demo", "--json"], capture_output=True, text=True, check=False, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    legit, scam = summary["calls"]
    contacts = {t["name"]: t["contact"] for t in summary["tenants"]}

    assert legit["verdict"] == "legit"
    assert legit["alerts"] == []
    assert legit["answer"]["connected_to"].startswith("sip:user_lucie@")
    assert legit["live_updates"] == []
    assert legit["answer"]["whispered"] == []

    assert scam["verdict"] == "scam"
    assert [a["to"] for a in scam["alerts"]] == [contacts["george"]]
    assert "FRAUD ALERT" in scam["alerts"][0]["body"]
    assert len(scam["live_updates"]) == 1  # warned once, not once per segment
    [warning] = scam["live_warnings"]  # whispered to the person, never said to the caller
    assert "scam" in warning
    assert "<Say" not in scam["live_updates"][0]
    verdicts = [step["verdict"] for step in scam["timeline"]]
    assert verdicts.index("suspicious") < verdicts.index("scam")

    assert summary["twilio_contract_violations"] == []
