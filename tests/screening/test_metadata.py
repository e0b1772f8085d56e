"""Call metadata signals: STIR/SHAKEN, spoofing patterns, contacts, velocity, number format."""

from __future__ import annotations

import pytest

from runtime.screening.engine import ScreeningSession
from runtime.screening.metadata import metadata_signals
from runtime.screening.model import CallMeta

PERSON = "+15145559876"


def signals(**fields: object) -> dict[str, float]:
    meta = CallMeta(forwarded_from=PERSON, to="+14385550100", **fields)  # type: ignore[arg-type]
    return {signal.key: signal.weight for signal in metadata_signals(meta)}


@pytest.mark.parametrize(
    "verstat",
    [
        "TN-Validation-Failed",
        "TN-Validation-Failed-A",
        "TN-Validation-Failed-C-Diverted",
        "TN-Validation-Failed-B-Passthrough",
    ],
)
def test_failed_stir_shaken_is_evidence_of_spoofing(verstat: str) -> None:
    assert signals(from_="+14505550100", stir_verstat=verstat)["stir_failed"] > 1.0


def test_passed_a_reassures_even_when_diverted() -> None:
    assert (
        signals(from_="+14505550100", stir_verstat="TN-Validation-Passed-A-Diverted")["stir_passed"]
        < 0
    )


@pytest.mark.parametrize("verstat", [None, "No-TN-Validation", "TN-Validation-Passed-C"])
def test_absent_or_c_attestation_says_nothing(verstat: str | None) -> None:
    assert signals(from_="+14505550100", stir_verstat=verstat) == {}


def test_own_number_as_caller_id() -> None:
    assert "own_number" in signals(from_=PERSON)


def test_neighbour_spoofing_same_area_code_and_exchange() -> None:
    assert "neighbour_spoofing" in signals(from_="+15145550001")
    assert "neighbour_spoofing" not in signals(from_="+15144440001")


@pytest.mark.parametrize("number", ["+19995550100", "+1514555012345678", "12"])
def test_impossible_numbers(number: str) -> None:
    assert "impossible_number" in signals(from_=number)


@pytest.mark.parametrize(
    "number", ["anonymous", "Anonymous", "+266696687", "+7378742833", "Restricted"]
)
def test_withheld_caller_id(number: str) -> None:
    assert "hidden_caller" in signals(from_=number)


@pytest.mark.parametrize("number", [None, ""])
def test_unknown_caller_id_is_not_suspicious(number: str | None) -> None:
    assert signals(from_=number) == {}


def test_contacts_lower_metadata_risk() -> None:
    assert signals(from_="+14505550100", caller_in_contacts=True)["in_contacts"] < 0


def test_cross_tenant_velocity_is_optional_and_graded() -> None:
    assert "velocity" not in signals(from_="+14505550100")
    low = signals(from_="+14505550100", caller_velocity=3)["velocity"]
    high = signals(from_="+14505550100", caller_velocity=50)["velocity"]
    assert 0 < low < high


def test_b_attestation_reassures_less_than_a() -> None:
    a = signals(from_="+14505550100", stir_verstat="TN-Validation-Passed-A")["stir_passed"]
    b = signals(from_="+14505550100", stir_verstat="TN-Validation-Passed-B")["stir_passed"]
    assert a < b < 0
    assert signals(from_="+14505550100", stir_verstat="TN-Validation-Passed-B-Diverted") == {
        "stir_passed": b
    }


def test_a_number_without_country_code_is_read_as_canadian() -> None:
    assert signals(from_="4505550100") == {}
    assert set(signals(from_="5145550001")) == {"neighbour_spoofing"}
    assert "impossible_number" in signals(from_="9995550100")


def test_the_persons_number_without_country_code_still_reveals_neighbour_spoofing() -> None:
    meta = CallMeta(from_="+15145550001", forwarded_from="5145559876")
    assert {signal.key for signal in metadata_signals(meta)} == {"neighbour_spoofing"}
    meta = CallMeta(from_="+15145550001", forwarded_from="15145559876")
    assert {signal.key for signal in metadata_signals(meta)} == {"neighbour_spoofing"}


def test_velocity_reaches_the_campaign_level_at_ten_tenants() -> None:
    at = signals(from_="+14505550100", caller_velocity=10)["velocity"]
    below = signals(from_="+14505550100", caller_velocity=9)["velocity"]
    assert at == signals(from_="+14505550100", caller_velocity=50)["velocity"]
    assert below == signals(from_="+14505550100", caller_velocity=3)["velocity"] < at
    assert "velocity" not in signals(from_="+14505550100", caller_velocity=2)


def test_signals_come_strongest_evidence_of_fraud_first() -> None:
    meta = CallMeta(
        from_=PERSON,
        forwarded_from=PERSON,
        stir_verstat="TN-Validation-Failed",
        caller_in_contacts=True,
        caller_velocity=3,
    )
    keys = [signal.key for signal in metadata_signals(meta)]
    assert keys == ["own_number", "stir_failed", "velocity", "in_contacts"]
    weights = [signal.weight for signal in metadata_signals(meta)]
    assert weights == sorted(weights, reverse=True)


@pytest.mark.parametrize(
    ("number", "key"),
    [("anonymous", "hidden_caller"), ("+19995550100", "impossible_number"),
     ("+15145550001", "neighbour_spoofing"), (PERSON, "own_number")],
)  # fmt: skip
def test_a_suspicious_caller_id_raises_the_risk_before_anyone_speaks(number: str, key: str) -> None:
    plain = ScreeningSession(CallMeta(from_="+14505550100", forwarded_from=PERSON), model=None)
    odd = ScreeningSession(CallMeta(from_=number, forwarded_from=PERSON), model=None)
    assert f"meta:{key}" in odd.features()
    assert odd.assessment.current_risk > plain.assessment.current_risk
