"""``ethiq:emergencyAddress``: where the protected person lives, for 911.

A 911 call from the person's SIP app goes out from the tenant's number; Twilio routes it to the
dispatcher serving the emergency address registered for that number and shows them that
address (E911). From a number without one, the call goes to a national centre (and costs a fee),
so the stack lets the SIP app call out only once the address is set
(https://www.twilio.com/docs/voice/sip/emergency-calling).

In the stack file::

    ethiq:emergencyAddress:
      name: Lucie Tremblay        # optional: ethiq:personName when omitted
      street: 1234 rue Sainte-Catherine O
      city: Montréal
      region: QC                  # province or state, in the tenant's country
      postalCode: H3B 1A1
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["KEY", "AddressError", "EmergencyAddress", "parse_emergency_address"]

KEY: Final = "emergencyAddress"
_FIELDS: Final = ("name", "street", "city", "region", "postalCode")
_US = "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ"
_US += " NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
_SUBDIVISIONS: Final = {
    "CA": frozenset(["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]),
    "US": frozenset(_US.split(" ")),
}
_POSTAL: Final = {
    "CA": re.compile(r"^([A-Z]\d[A-Z])[ -]?(\d[A-Z]\d)$"),
    "US": re.compile(r"^(\d{5})(-\d{4})?$"),
}
_MAX = 128


class AddressError(ValueError):
    """A wrong field: ``key`` names it (``emergencyAddress.<field>``); tenant_config reports it
    as its ConfigError."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class EmergencyAddress:
    customer_name: str
    street: str
    city: str
    region: str
    postal_code: str
    iso_country: str

    def for_twilio(self) -> dict[str, str]:
        """The Address resource's fields."""
        return {
            "customer_name": self.customer_name,
            "street": self.street,
            "city": self.city,
            "region": self.region,
            "postal_code": self.postal_code,
            "iso_country": self.iso_country,
        }

    def as_config(self) -> dict[str, str]:
        return {
            "name": self.customer_name,
            "street": self.street,
            "city": self.city,
            "region": self.region,
            "postalCode": self.postal_code,
        }


def parse_emergency_address(
    value: Any, country: str, person_name: str = ""
) -> EmergencyAddress | None:
    """The address, None when the key is absent; an :class:`AddressError` naming the field."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, Mapping):
        raise AddressError(KEY, "must be a mapping with street, city, region and postalCode")
    unknown = sorted(set(map(str, value)) - set(_FIELDS))
    if unknown:
        raise AddressError(f"{KEY}.{unknown[0]}", f"unknown field (known: {', '.join(_FIELDS)})")
    fields: dict[str, str] = {}
    for name in _FIELDS:
        raw = value.get(name, person_name if name == "name" else None)
        text = " ".join(str(raw).split()) if isinstance(raw, str | int) else ""
        if not text:
            extra = " (or set ethiq:personName)" if name == "name" else ""
            raise AddressError(f"{KEY}.{name}", f"is required{extra}")
        if len(text) > _MAX or not text.isprintable():
            raise AddressError(f"{KEY}.{name}", f"{text!r} is not a printable text of ≤{_MAX}")
        fields[name] = text
    region = fields["region"].upper()
    if region not in _SUBDIVISIONS.get(country, frozenset()):
        raise AddressError(f"{KEY}.region", f"{fields['region']!r} is not a region of {country}")
    postal = _POSTAL[country].match(fields["postalCode"].upper())
    if postal is None:
        raise AddressError(
            f"{KEY}.postalCode", f"{fields['postalCode']!r} is not a postal code of {country}"
        )
    code = f"{postal[1]} {postal[2]}" if country == "CA" else postal[0]
    return EmergencyAddress(fields["name"], fields["street"], fields["city"], region, code, country)
