"""A tenant as the runtime routes on it; validated on construction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Final, Literal, get_args

import phonenumbers

from runtime.regions import LANGUAGES, Language
from runtime.screening.risk import Sensitivity, parse_sensitivity
from runtime.storage.errors import InvalidSlug
from runtime.storage.names import validate_slug
from runtime.storage.widths import width
from runtime.tenants.errors import InvalidTenant
from runtime.tenants.schema_tables import Contact

__all__ = [
    "MonitoredNumber",
    "OptOutEntered",
    "TenantContact",
    "TenantRecord",
    "UsTexting",
    "to_e164",
    "validate_e164",
]

# Where the tenant's US texting registration stands (A2P 10DLC brand and campaign, or Toll-Free
# Verification), as its stack last read it from Twilio: "" none declared (no US sender),
# "pending" not approved yet (Twilio blocks its texts to US numbers: 30034 / 30032; a toll-free
# number's to Canadian numbers too), "approved".
UsTexting = Literal["", "pending", "approved"]
US_TEXTING: Final[tuple[str, ...]] = get_args(UsTexting)

_E164_MAX: Final = 16  # "+" and at most 15 digits (ITU-T E.164); phonenumbers reads up to 17


def validate_e164(number: str) -> str:
    """Return ``number`` if it is already E.164 as ``phonenumbers`` writes it (``+``, a country
    code and at most 15 digits, nothing else), else raise."""
    if not isinstance(number, str) or not _is_e164(number):
        raise InvalidTenant(f"not an E.164 phone number: {number!r}")
    return number


@lru_cache(maxsize=8192)
def _is_e164(number: str) -> bool:
    """Remembered: every webhook checks its tenant's number, ``phonenumbers`` takes ~0.1 ms."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return _e164(parsed) == number and len(number) <= _E164_MAX


def to_e164(text: str, region: str | None = "CA") -> str:
    """A number as a person types it (spaces, dashes, brackets; national digits are read as a
    number of ``region``, none: only international form) in E.164, else raise."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidTenant(f"not a phone number: {text!r}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidTenant(f"not a phone number: {text!r}")
    return _e164(parsed)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _validate_language(language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidTenant(f"unsupported language {language!r}: use one of {LANGUAGES}")


@dataclass(frozen=True, slots=True)
class TenantContact:
    """An emergency contact as declared in the tenant's stack config."""

    number: str
    name: str
    priority: int = 0
    language: Language = "fr-CA"

    def __post_init__(self) -> None:
        validate_e164(self.number)
        _validate_language(self.language)
        limit = width(Contact, "name")
        if len(self.name) > limit:
            raise InvalidTenant(
                f"contact {self.number}: name is {len(self.name)} characters long; "
                f"at most {limit} fit"
            )


# The width of a monitored number's name (``ethiq:monitoredNumbers[].name``): a first name.
MONITORED_NAME_MAX: Final = 40


@dataclass(frozen=True, slots=True)
class MonitoredNumber:
    """A phone of the household that forwards to the tenant's Ethiq number too (a spouse's),
    beyond the person's own (``ethiq:monitoredNumbers``). ``carrier``: a key of
    ``runtime.people.forwarding.CARRIERS`` for its codes, "" : the person's carrier."""

    number: str
    name: str = ""
    carrier: str = ""

    def __post_init__(self) -> None:
        validate_e164(self.number)
        if len(self.name) > MONITORED_NAME_MAX:
            raise InvalidTenant(
                f"monitored number {self.number}: name is {len(self.name)} characters long; "
                f"at most {MONITORED_NAME_MAX} fit"
            )


@dataclass(frozen=True, slots=True)
class TenantRecord:
    """One tenant. ``auth_token`` is the subaccount's token in clear: in memory only, never in
    ``repr``; the registry stores it encrypted."""

    slug: str
    phone_number: str
    sip_address: str
    sip_username: str
    subaccount_sid: str
    auth_token: str = field(repr=False)
    language: Language = "fr-CA"
    region: str = ""
    contacts: tuple[TenantContact, ...] = ()
    # The tenant's screening sensitivity; None follows the platform default (ETHIQ_SENSITIVITY).
    sensitivity: Sensitivity | None = None
    # How alerts name the protected person ("" : "your relative" / "votre proche").
    person_name: str = ""
    # Countries beyond Canada and the US the person's SIP app may call (ISO 3166-1 alpha-2).
    call_countries: tuple[str, ...] = ()
    # The tenant's Messaging Service (MG…): alerts and replies are sent through it, and its
    # Advanced Opt-Out keywords are what Twilio blocks on; "" sends from the number itself.
    messaging_service_sid: str = ""
    us_texting: UsTexting = ""
    # The household's other phones forwarding to the Ethiq number (the person's own is not
    # here: it is the people's record, ``own_number``).
    monitored_numbers: tuple[MonitoredNumber, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        try:
            validate_slug(self.slug)
        except InvalidSlug as error:
            raise InvalidTenant(str(error)) from error
        validate_e164(self.phone_number)
        _validate_language(self.language)
        if self.sensitivity is not None:
            try:
                parse_sensitivity(str(self.sensitivity))
            except ValueError as error:
                raise InvalidTenant(f"tenant {self.slug!r}: {error}") from None
        if not self.auth_token:
            raise InvalidTenant(f"tenant {self.slug!r}: empty auth token")
        if self.us_texting not in US_TEXTING:
            raise InvalidTenant(f"tenant {self.slug!r}: us_texting is not one of {US_TEXTING}")
        # Accept any iterable of contacts from callers, store a tuple (hashable, immutable).
        object.__setattr__(self, "contacts", tuple(self.contacts))
        object.__setattr__(self, "call_countries", tuple(self.call_countries))
        object.__setattr__(self, "monitored_numbers", tuple(self.monitored_numbers))
        monitored = [m.number for m in self.monitored_numbers]
        if self.phone_number in monitored or len(set(monitored)) != len(monitored):
            raise InvalidTenant(
                f"tenant {self.slug!r}: a monitored number is listed twice or is the Ethiq "
                "number itself"
            )

    @property
    def toll_free(self) -> bool:
        """Whether the tenant texts from a toll-free number (``ethiq:sender: toll-free``): its
        Toll-Free Verification then gates texts to Canadian numbers as well as US ones."""
        number = phonenumbers.parse(self.phone_number, None)
        return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.TOLL_FREE


@dataclass(frozen=True, slots=True)
class OptOutEntered:
    """An operator's record of the Console step (Advanced Opt-Out has no API): the fingerprint
    of the entries they entered (``runtime.alerts.keywords.console_fingerprint``), on which
    Messaging Service, when and by whom. The registry keeps it across re-registrations."""

    fingerprint: str
    service_sid: str
    at: datetime
    by: str
