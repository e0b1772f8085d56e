"""The regions Ethiq serves (where a tenant's number is bought and where its data lives) and the
languages it speaks (the calls', the alerts', the pages').

Declared once, here, for the tenant stacks (``ethiq:region``, ``ethiq:language``,
:mod:`infra.tenant_config`), for the registry's records and for the sign-up and people's pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

__all__ = ["CARRIER_KEYS", "LANGUAGES", "REGIONS", "Language", "Region"]

Language = Literal["fr-CA", "en-US"]
LANGUAGES: Final[tuple[str, ...]] = get_args(Language)


@dataclass(frozen=True)
class Region:
    """A region the platform serves: where numbers are bought and where data lives."""

    country: str  # ISO 3166-1 alpha-2, as Twilio's AvailablePhoneNumbers wants it
    subdivision: str  # Twilio's InRegion
    centre: tuple[float, float]  # default place to search numbers near
    data_region: str  # where the tenant's data lives (residency)
    names: tuple[str, str]  # what people call it, in French and in English


REGIONS: Final[Mapping[str, Region]] = {
    "CA-QC": Region("CA", "QC", (45.5017, -73.5673), "ca-central-1", ("Québec", "Quebec")),
    "CA-ON": Region("CA", "ON", (43.6532, -79.3832), "ca-central-1", ("Ontario", "Ontario")),
    "CA-BC": Region(
        "CA",
        "BC",
        (49.2827, -123.1207),
        "ca-central-1",
        ("Colombie-Britannique", "British Columbia"),
    ),
    "US-NY": Region("US", "NY", (40.7128, -74.0060), "us-east-1", ("New York", "New York")),
    "US-CA": Region("US", "CA", (37.7749, -122.4194), "us-west-2", ("Californie", "California")),
}


# The mobile carriers of these markets a stack may name for a monitored number
# (``ethiq:monitoredNumbers``): keys only. Their forwarding codes and sources live with the
# person's pages (``runtime/people/forwarding.py``, whose ``CARRIERS`` a test keeps in step), so
# the tenant program, which validates stack files, never imports the pages' code.
CARRIER_KEYS: Final = (
    "bell",
    "rogers",
    "fido",
    "telus",
    "koodo",
    "virgin",
    "freedom",
    "videotron",
    "att",
    "tmobile",
    "verizon",
)
