"""Phone numbers are read and checked by ``phonenumbers`` only (runtime.tenants.records)."""

from __future__ import annotations

import pytest

from runtime.tenants import InvalidTenant, to_e164, validate_e164


@pytest.mark.parametrize("number", ["+15145550123", "+442071234567", "+33142685300"])
def test_e164_numbers_are_accepted_as_they_are(number: str) -> None:
    assert validate_e164(number) == number


@pytest.mark.parametrize(
    "number",
    ["15145550123", "+0145550100", "+1514555012345678", "+1 514 555 0123", "+1514555012x", "", "+"],
)
def test_anything_but_canonical_e164_is_refused(number: str) -> None:
    with pytest.raises(InvalidTenant, match=r"E\.164"):
        validate_e164(number)


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("5145550123", "+15145550123"),
        ("514 555-0123", "+15145550123"),
        ("(514) 555-0123", "+15145550123"),
        ("+1 514 555 0123", "+15145550123"),
        ("+44 20 7123 4567", "+442071234567"),
    ],
)
def test_a_number_as_a_person_types_it_becomes_e164(typed: str, e164: str) -> None:
    assert to_e164(typed) == e164


@pytest.mark.parametrize("typed", ["", "555", "call me", "514555012345678"])
def test_what_is_no_number_is_refused(typed: str) -> None:
    with pytest.raises(InvalidTenant):
        to_e164(typed)
