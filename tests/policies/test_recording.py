"""call-recording and consent-notice as plain functions: jurisdiction per region, recorded
consent, the consent notice no stack can turn off."""

from __future__ import annotations

from typing import Any

import pytest

from infra.tenant_config import KNOWN_KEYS, REGIONS
from policies.rules import (
    RECORDING_CONSENT,
    consent_notice_errors,
    recording_errors,
    recording_properties,
    recording_requested,
)

CONSENTED = {"recordCalls": True, "recordingConsentAt": "2026-01-15T10:00:00Z"}


def test_every_served_region_has_a_recording_rule() -> None:
    assert set(RECORDING_CONSENT) == set(REGIONS)


def test_no_recording_asked_passes_everywhere() -> None:
    assert recording_requested({"recordCalls": False, "recording": "false"}) == []
    assert recording_errors("US-CA", {}, []) == []


@pytest.mark.parametrize("region", ["CA-QC", "CA-ON", "CA-BC", "US-NY"])
def test_one_party_regions_allow_recording_with_recorded_consent(region: str) -> None:
    assert recording_errors(region, CONSENTED, recording_requested(CONSENTED)) == []
    assert recording_errors(region, {"recordingConsentAt": "2026-01-15"}, ["x.record"]) == []


@pytest.mark.parametrize(
    ("region", "values", "message"),
    [
        ("CA-QC", {"recordCalls": True}, "needs the tenant's recorded consent: set ethiq:recor"),
        (
            "CA-QC",
            {"recordCalls": True, "recordingConsentAt": "yesterday"},
            "(ISO 8601), not 'yesterday'",
        ),
        (
            "US-NY",
            {"recordCalls": True, "recordingConsentAt": "2999-01-01T00:00:00Z"},
            "ethiq:recordingConsentAt '2999-01-01T00:00:00Z' is in the future",
        ),
        ("US-CA", CONSENTED, "is not allowed in US-CA: all-party consent is required"),
        ("MX-CMX", CONSENTED, "no recording rule for region 'MX-CMX'"),
    ],
)
def test_recording_without_jurisdiction_or_consent_is_refused(
    region: str, values: dict[str, Any], message: str
) -> None:
    [error] = recording_errors(region, values, recording_requested(values))
    assert message in error
    assert error.startswith(("call recording (ethiq:recordCalls)", "ethiq:recordingConsentAt"))


def test_resource_properties_that_turn_recording_on_are_found() -> None:
    props = {
        "record": "record-from-answer",
        "recordingStatusCallback": "https://runtime.ethiq.example/r",  # a URL, not a switch
        "dial": {"recording_enabled": True, "record": "do-not-record"},
        "recordCalls": False,
    }
    assert recording_properties(props) == ["record", "dial.recording_enabled"]
    assert recording_requested({"recording": True}) == ["ethiq:recording"]


def test_a_tenant_in_an_all_party_region_cannot_turn_the_consent_notice_off() -> None:
    for off in (False, "false", "off", "none"):
        [error] = consent_notice_errors("US-CA", {"consentNotice": off})
        assert "ethiq:consentNotice cannot be turned off in US-CA: all-party consent" in error
    assert consent_notice_errors("US-CA", {}) == []  # the region decides: the notice plays
    assert consent_notice_errors("US-CA", {"consentNotice": True}) == []
    assert "consentNotice" in KNOWN_KEYS  # the key a stack would try it with is a known one


@pytest.mark.parametrize("region", ["CA-QC", "CA-ON", "CA-BC", "US-NY"])
def test_one_party_regions_play_no_notice_and_a_stack_cannot_claim_one(region: str) -> None:
    assert consent_notice_errors(region, {}) == []
    assert consent_notice_errors(region, {"consentNotice": False}) == []
    [error] = consent_notice_errors(region, {"consentNotice": True})
    assert f"in {region} (one-party consent) no consent notice is played" in error


def test_a_region_without_a_consent_rule_is_refused() -> None:
    [error] = consent_notice_errors("MX-CMX", {})
    assert "no consent rule for region 'MX-CMX'" in error
    assert all(consent_notice_errors(region, {}) == [] for region in REGIONS)
