"""Emergency addresses: the Address resource (api v2010) with ``EmergencyEnabled``, as a
number's ``EmergencyAddressSid``.

What Twilio documents and this models
(https://www.twilio.com/docs/voice/sip/api/emergency-calling-api,
https://www.twilio.com/docs/usage/api/address):

- an emergency address is an Address with ``emergency_enabled`` true; only US, Canadian and UK
  addresses can be registered for emergency calling;
- a number's ``EmergencyAddressSid`` must name an emergency address of the number's own account;
  an empty value dis-associates it. ``EmergencyStatus`` is ignored since Twilio's 2021 change
  (https://twilio.com/changelog/changes-to-the-emergency-calling-api); the number reports
  ``emergency_address_status`` (``registered`` / ``unregistered``) instead. Registration is
  asynchronous on Twilio (``pending-registration`` first); the sandbox's is done at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from ethiq.sandbox.formats import now

__all__ = ["EMERGENCY_COUNTRIES", "Address"]

EMERGENCY_COUNTRIES: Final = frozenset({"US", "CA", "GB"})


@dataclass(slots=True)
class Address:
    sid: str
    account_sid: str
    customer_name: str
    street: str
    city: str
    region: str
    postal_code: str
    iso_country: str
    friendly_name: str | None = None
    street_secondary: str | None = None
    emergency_enabled: bool = False
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
