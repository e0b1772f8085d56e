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
    assert legit["answer"]["connected_to"].endswith(";secure=true")
    assert legit["answer"]["person_answered"]
    assert "<Conference" in legit["answer"]["twiml"]
    assert legit["call_updates"] == []
    assert legit["live_warnings"] == []
    assert legit["outcome"] == "answered"

    assert scam["verdict"] == "scam"
    assert [a["to"] for a in scam["alerts"]] == [contacts["george"]]
    assert "FRAUD ALERT" in scam["alerts"][0]["body"]
    [warning] = scam["live_warnings"]  # once, announced to the person's participant only
    assert "scam" in warning
    assert scam["call_updates"] == []  # the call was never replaced: nobody re-rung
    legs = {leg["label"]: leg for leg in scam["legs"]}
    assert legs["caller"]["heard"] == []
    assert warning in legs["person"]["heard"]
    [conference] = scam["conferences"]
    assert {p["label"] for p in conference["participants"]} == {"caller", "person"}
    verdicts = [step["verdict"] for step in scam["timeline"]]
    assert verdicts.index("suspicious") < verdicts.index("scam")

    # The sandbox's Advanced Opt-Out (the Console step) is recorded: the runtime lists none due.
    assert summary["console_steps_due"] == []

    # Each contact was invited in their language, then confirmed once they said yes.
    lucie, george = summary["tenants"]
    # The confirmation (Twilio's Advanced Opt-Out reply, the Console step's text) names the
    # person as the invitation did.
    assert lucie["invitation"].startswith("Ethiq: Lucie vous a choisi comme proche")
    assert "Répondez OUI pour accepter" in lucie["invitation"]
    assert lucie["confirmation"] == (
        "Ethiq: Merci, c'est confirmé. Vous recevrez une alerte de fraude par texto seulement "
        "si un appel frauduleux vise Lucie. Frais de messagerie possibles. Répondez ARRET pour "
        "ne plus en recevoir, AIDE pour de l'aide."
    )
    assert george["invitation"].startswith("Ethiq: George chose you as an emergency contact")
    assert "Reply YES to accept" in george["invitation"]
    assert george["confirmation"] == (
        "Ethiq: Thank you, confirmed. You will get a fraud alert text only if a scam call "
        "targets George. Msg&data rates may apply. Reply STOP to stop, HELP for help."
    )

    # Each person signed up on the page and was onboarded to active by the system and their
    # own hands: the KPI counts no operator's hand (enrolment, test calls: the person's page).
    for tenant in (lucie, george):
        onboarding = tenant["onboarding"]
        assert onboarding["active"], onboarding
        hows = {s["step"]: s["how"] for s in onboarding["steps"]}
        assert not [h for h in hows.values() if h.startswith("by an operator")]
        assert hows["account_created"] == f"enrolled with {tenant['name']}@example.org"
        assert "answered by the SIP app" in hows["sip_app_configured"]
        assert "came back to the Ethiq number" in hows["forwarding_verified"]
        assert "answered in the SIP app" in hows["test_call_passed"]

    kpi = summary["onboarding_kpi"]
    assert (kpi["started"], kpi["active"], kpi["manual"]) == (2, 2, 0), kpi
    assert kpi["manual_share"] == 0.0

    assert summary["twilio_contract_violations"] == []
