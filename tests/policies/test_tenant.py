"""tenant-config, data-residency and contacts-consent as plain functions."""

from __future__ import annotations

from typing import Any

import pytest

from infra.tenant_config import REGIONS
from policies.rules import residency_errors, tenant_config_errors, unconsented_contacts
from policies.values import UNKNOWN

GOOD: dict[str, Any] = {
    "email": "famille@example.org",
    "region": "CA-QC",
    "contacts": [{"number": "+15145550111", "name": "Marie"}],
}
REGISTRATION: dict[str, Any] = {"region": "CA-QC", "contacts": [{"number": "+15145550111"}]}


def test_a_valid_tenant_passes() -> None:
    assert tenant_config_errors("acme", GOOD, REGISTRATION) == []
    # During a preview the registration's values may not be known yet.
    assert tenant_config_errors("acme", GOOD, {"region": UNKNOWN, "contacts": UNKNOWN}) == []


@pytest.mark.parametrize(
    ("values", "registration", "message"),
    [
        ({}, REGISTRATION, "the stack's ethiq:* config did not reach the policy pack"),
        ({**GOOD, "email": "nope"}, REGISTRATION, "stacks/Pulumi.acme.yaml: ethiq:email:"),
        (
            {k: v for k, v in GOOD.items() if k != "contacts"},
            REGISTRATION,
            "ethiq:contacts: at least one emergency contact is required",
        ),
        ({**GOOD, "contacts": []}, REGISTRATION, "ethiq:contacts: at least one emergency"),
        ({**GOOD, "region": "CA-ZZ"}, REGISTRATION, "ethiq:region: 'CA-ZZ' is not a region"),
        (GOOD, {**REGISTRATION, "contacts": []}, "the tenant registration has no emergency"),
        (GOOD, {**REGISTRATION, "region": "CA-ON"}, "the registration's region 'CA-ON' is not"),
    ],
)
def test_an_invalid_tenant_is_reported(
    values: dict[str, Any], registration: dict[str, Any], message: str
) -> None:
    errors = tenant_config_errors("acme", values, registration)
    assert any(message in error for error in errors), errors


def test_the_stack_name_is_validated_too() -> None:
    [error] = tenant_config_errors("Bad_Name", GOOD, REGISTRATION)
    assert "ethiq:name: 'Bad_Name' is not a tenant name" in error


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_each_served_region_passes_in_its_own_data_region(region: str) -> None:
    assert residency_errors(region, REGIONS[region].data_region) == []


@pytest.mark.parametrize(
    ("region", "data_region", "message"),
    [
        ("US-NY", "ca-central-1", "a US-NY tenant must stay in us-east-1, but the database"),
        ("CA-QC", "us-east-1", "a CA-QC tenant must stay in ca-central-1"),
        ("FR-IDF", "eu-west-3", "region 'FR-IDF' is not a region Ethiq serves"),
        ("CA-QC", None, "the database's data region is unknown: set the policy config dataRegion"),
    ],
)
def test_data_outside_the_tenants_region_is_refused(
    region: str, data_region: str | None, message: str
) -> None:
    [error] = residency_errors(region, data_region)
    assert message in error


def test_residency_waits_for_a_known_region() -> None:
    assert residency_errors(UNKNOWN, "ca-central-1") == []


def test_contacts_without_consent_are_reported_without_their_full_number() -> None:
    values = {
        "contacts": [
            {"number": "+15145550111", "name": "Marie", "consented": True},
            {"number": "+15145550122", "name": "Paul"},
            {"number": "+15145550133", "consented": "yes"},  # only true counts
            "+15145550144:Luc",
        ]
    }
    assert unconsented_contacts(values) == [
        "emergency contact 2 (Paul, …0122) has not consented to alerts yet "
        "(ethiq:contacts[1].consented)",
        "emergency contact 3 (…0133) has not consented to alerts yet (ethiq:contacts[2].consented)",
        "emergency contact 4 (Luc, …0144) has not consented to alerts yet "
        "(ethiq:contacts[3].consented)",
    ]
    assert unconsented_contacts({"contacts": values["contacts"][:1]}) == []
    assert unconsented_contacts({}) == []


SPOUSE, SON, DAUGHTER = "+15145550122", "+15145550133", "+15145550144"


def test_monitored_numbers_within_the_plan_pass() -> None:
    family = {**GOOD, "plan": "family", "monitoredNumbers": [SPOUSE, {"number": SON}]}
    assert tenant_config_errors("acme", family, REGISTRATION) == []
    assert tenant_config_errors("acme", {**GOOD, "plan": "solo"}, REGISTRATION) == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        # Solo monitors the person's own number only.
        (
            {**GOOD, "plan": "solo", "monitoredNumbers": [SPOUSE]},
            "ethiq:plan: solo allows 1 monitored number (the person's own included) and the "
            "stack declares 2, the person's own and 1 in ethiq:monitoredNumbers: remove some "
            "from ethiq:monitoredNumbers first",
        ),
        # Family's three, the person's own counted: a fourth phone is one too many.
        (
            {**GOOD, "plan": "family", "monitoredNumbers": [SPOUSE, SON, DAUGHTER]},
            "ethiq:plan: family allows 3 monitored numbers (the person's own included) and the "
            "stack declares 4",
        ),
        # No plan declared: held to the entry plan's limit, as the spend triggers are sized.
        (
            {**GOOD, "monitoredNumbers": [SPOUSE]},
            "ethiq:monitoredNumbers: without ethiq:plan the stack is held to the entry plan: "
            "solo allows 1 monitored number",
        ),
        (
            {**GOOD, "plan": "family", "monitoredNumbers": ["514-555-0122"]},
            "ethiq:monitoredNumbers[0].number: '514-555-0122' must be in E.164 form",
        ),
        (
            {**GOOD, "plan": "family", "monitoredNumbers": [SPOUSE, {"number": SPOUSE}]},
            "ethiq:monitoredNumbers[1]: +15145550122 is listed twice",
        ),
        (
            {**GOOD, "plan": "family", "monitoredNumbers": [{"number": SON, "carrier": "acme"}]},
            "ethiq:monitoredNumbers[0].carrier: 'acme' is not a carrier Ethiq knows",
        ),
    ],
)
def test_monitored_numbers_beyond_the_plan_or_invalid_are_refused(
    values: dict[str, Any], message: str
) -> None:
    [error] = tenant_config_errors("acme", values, REGISTRATION)
    assert error.startswith("stacks/Pulumi.acme.yaml: "), error
    assert message in error, error


def test_a_downgrade_is_refused_until_the_monitored_numbers_are_removed() -> None:
    """The plan change ``ethiq billing changes`` proposes after a downgrade in Stripe: refused
    while the stack monitors more than the smaller plan allows, as for its contacts."""
    family = {**GOOD, "plan": "family", "monitoredNumbers": [SPOUSE]}
    assert tenant_config_errors("acme", family, REGISTRATION) == []
    [error] = tenant_config_errors("acme", {**family, "plan": "solo"}, REGISTRATION)
    assert "remove some from ethiq:monitoredNumbers first" in error
    removed = {k: v for k, v in family.items() if k != "monitoredNumbers"} | {"plan": "solo"}
    assert tenant_config_errors("acme", removed, REGISTRATION) == []
