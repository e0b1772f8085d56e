"""A deterministic inventory of local numbers per country and region, toll-free numbers, and the
search over them.

Numbers are 555-01xx lines (reserved for fiction in the North American plan) in real area codes,
placed a few miles around their city so that ``NearLatLong`` + ``Distance`` searches behave like
Twilio's. The same inventory is built on every start, so tests can rely on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["AvailableNumber", "Inventory", "SearchQuery", "distance_miles"]

NUMBERS_PER_AREA_CODE = 12
EARTH_RADIUS_MILES = 3958.8
DEFAULT_DISTANCE_MILES = 25
MAX_DISTANCE_MILES = 500


@dataclass(frozen=True, slots=True)
class _City:
    country: str
    region: str
    locality: str
    rate_center: str
    postal_code: str
    lata: str | None
    latitude: float
    longitude: float
    area_codes: tuple[int, ...]


_CITIES = (
    _City("CA", "QC", "Montreal", "MONTREAL", "H2X 1Y4", None, 45.5017, -73.5673, (514, 438)),
    _City("CA", "QC", "Laval", "LAVAL", "H7N 2B6", None, 45.6066, -73.7124, (450,)),
    _City("CA", "QC", "Quebec", "QUEBEC", "G1R 4P5", None, 46.8139, -71.2080, (418,)),
    _City("CA", "QC", "Sherbrooke", "SHERBROOKE", "J1H 1Z1", None, 45.4042, -71.8929, (819,)),
    _City("CA", "ON", "Toronto", "TORONTO", "M5H 2N2", None, 43.6532, -79.3832, (416, 647)),
    _City("CA", "ON", "Ottawa", "OTTAWA", "K1P 1J1", None, 45.4215, -75.6972, (613,)),
    _City("CA", "BC", "Vancouver", "VANCOUVER", "V6B 1A1", None, 49.2827, -123.1207, (604,)),
    _City("US", "NY", "New York", "NWYRCYZN01", "10007", "132", 40.7128, -74.0060, (212,)),
    _City("US", "CA", "San Francisco", "SNFC CNTRL", "94103", "722", 37.7749, -122.4194, (415,)),
    _City("US", "IL", "Chicago", "CHICAGO", "60601", "358", 41.8781, -87.6298, (312,)),
    _City("US", "FL", "Miami", "MIAMI", "33130", "460", 25.7617, -80.1918, (305,)),
)


# Toll-free codes (North America-wide: Twilio sells them under US and CA). No region, no place.
TOLL_FREE_CODES = (833, 844, 855)


@dataclass(frozen=True, slots=True)
class AvailableNumber:
    phone_number: str
    iso_country: str
    region: str
    locality: str
    rate_center: str
    postal_code: str
    lata: str | None
    latitude: float
    longitude: float
    voice: bool
    sms: bool
    mms: bool
    address_requirements: str
    toll_free: bool = False

    @property
    def area_code(self) -> int:
        return int(self.phone_number[2:5])


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Twilio's AvailablePhoneNumbers/Local filters, already parsed."""

    country: str
    area_code: int | None = None
    contains: str | None = None
    in_region: str | None = None
    in_locality: str | None = None
    in_postal_code: str | None = None
    in_rate_center: str | None = None
    near_lat_long: tuple[float, float] | None = None
    distance_miles: float = DEFAULT_DISTANCE_MILES
    voice_enabled: bool | None = None
    sms_enabled: bool | None = None
    mms_enabled: bool | None = None
    exclude_address_requirements: frozenset[str] = frozenset()
    toll_free: bool = False  # AvailablePhoneNumbers/{country}/TollFree rather than /Local


def distance_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance in miles."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(h))


def _numbers_for(city: _City) -> Iterable[AvailableNumber]:
    for area_code in city.area_codes:
        for index in range(NUMBERS_PER_AREA_CODE):
            # Spread the numbers up to ~5 miles around the city centre, deterministically.
            d_lat = (((index * 7 + area_code) % 11) - 5) * 0.01
            d_lon = (((index * 5 + area_code) % 13) - 6) * 0.01
            yield AvailableNumber(
                phone_number=f"+1{area_code}555{100 + index:04d}",
                iso_country=city.country,
                region=city.region,
                locality=city.locality,
                rate_center=city.rate_center,
                postal_code=city.postal_code,
                lata=city.lata,
                latitude=round(city.latitude + d_lat, 6),
                longitude=round(city.longitude + d_lon, 6),
                voice=True,
                sms=index % 5 != 4,  # noqa: PLR2004 - every fifth number is voice-only
                mms=index % 2 == 0,
                address_requirements="any" if index % 3 == 2 else "none",  # noqa: PLR2004
            )


def _toll_free() -> Iterable[AvailableNumber]:
    for code in TOLL_FREE_CODES:
        for index in range(NUMBERS_PER_AREA_CODE):
            yield AvailableNumber(
                phone_number=f"+1{code}555{100 + index:04d}",
                iso_country="US",
                region="",
                locality="",
                rate_center="",
                postal_code="",
                lata=None,
                latitude=0.0,
                longitude=0.0,
                voice=True,
                sms=True,
                mms=False,
                address_requirements="none",
                toll_free=True,
            )


def _contains_pattern(contains: str) -> re.Pattern[str]:
    # Twilio: digits and letters (keypad) with '*' matching any one digit; letters kept literal.
    return re.compile(re.escape(contains).replace(r"\*", r"\d"))


class Inventory:
    """Every number Twilio could sell here, in a stable order; ownership is tracked elsewhere."""

    def __init__(self) -> None:
        local = (number for city in _CITIES for number in _numbers_for(city))
        self._numbers = (*local, *_toll_free())
        self._by_number = {number.phone_number: number for number in self._numbers}

    def get(self, phone_number: str) -> AvailableNumber | None:
        return self._by_number.get(phone_number)

    def search(self, query: SearchQuery, taken: set[str]) -> list[AvailableNumber]:
        """Matching numbers not in ``taken``; nearest first when searching near a point."""
        contains = _contains_pattern(query.contains) if query.contains else None
        found = [
            number
            for number in self._numbers
            if number.phone_number not in taken and _matches(number, query, contains)
        ]
        if query.near_lat_long is not None:
            origin = query.near_lat_long
            found.sort(key=lambda n: distance_miles(origin, (n.latitude, n.longitude)))
        return found


def _matches(number: AvailableNumber, query: SearchQuery, contains: re.Pattern[str] | None) -> bool:
    checks = (
        number.toll_free == query.toll_free,
        # Toll-free numbers reach the whole North American plan: listed under US and CA.
        number.iso_country == query.country or (number.toll_free and query.country == "CA"),
        query.area_code is None or number.area_code == query.area_code,
        contains is None or contains.search(number.phone_number) is not None,
        query.in_region is None or number.region.upper() == query.in_region.upper(),
        query.in_locality is None or number.locality.lower() == query.in_locality.lower(),
        query.in_postal_code is None or number.postal_code == query.in_postal_code,
        query.in_rate_center is None or number.rate_center == query.in_rate_center.upper(),
        query.voice_enabled is not True or number.voice,
        query.sms_enabled is not True or number.sms,
        query.mms_enabled is not True or number.mms,
        number.address_requirements not in query.exclude_address_requirements,
    )
    if not all(checks):
        return False
    if query.near_lat_long is None:
        return True
    return (
        distance_miles(query.near_lat_long, (number.latitude, number.longitude))
        <= query.distance_miles
    )
