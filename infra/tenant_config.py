"""A tenant's desired state: the ``ethiq:*`` keys of ``stacks/Pulumi.<tenant>.yaml``.

One validator serves ``ethiq tenant add`` (before anything is written) and the Pulumi program
(before anything is declared), so a bad value is refused the same way in both places, with the
key and the reason.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import phonenumbers

from infra.emergency_address import AddressError, EmergencyAddress, parse_emergency_address
from infra.us_texting import UsTexting, UsTextingError, parse_us_texting
from runtime.billing.plans import ENTRY_PLAN, PLANS
from runtime.billing.plans import plan as plan_named
from runtime.regions import CARRIER_KEYS, LANGUAGES, REGIONS, Region
from runtime.screening.risk import parse_sensitivity

__all__ = [
    "KNOWN_KEYS",
    "LANGUAGES",
    "REGIONS",
    "ConfigError",
    "Contact",
    "Monitored",
    "Region",
    "TenantConfig",
    "check_keys",
    "flag",
    "parse_a2p_campaign",
    "parse_call_countries",
    "parse_contact",
    "parse_monitored_numbers",
    "parse_near",
    "parse_person_name",
    "parse_plan",
    "parse_sender",
    "parse_sensitivity_key",
    "validate_tenant",
]


# Every ethiq:* key a stack file may hold (the tenant's own, the operator's, the policies').
KNOWN_KEYS: Final = frozenset(
    {
        "email",
        "region",
        "near",
        "language",
        "contacts",
        "retainData",
        "allowDestroy",  # removal and release of the number and subaccount (README)
        "adoptStackId",  # a removed stack's resources, adopted by a new stack (README)
        "runtimeUrl",
        "databaseUrl",
        "registryKey",
        "recordCalls",
        "recording",
        "recordingConsentAt",
        "consentNotice",  # only what the region decides (policies/recording.py, consent-notice)
        "sensitivity",  # screening thresholds: low, normal, high or 0..1 (ethiq eval --sensitivity)
        "personName",  # the protected person's name, as alerts give it to their contacts
        "callCountries",  # countries beyond Canada and the US the person's SIP app may call
        "emergencyAddress",  # the person's address for 911 (infra/emergency_address.py)
        "a2pCampaign",  # the US A2P 10DLC campaign (QE…) of a US tenant's Messaging Service
        "spendLimit",  # USD a month the subaccount may spend: Usage Triggers at 80 % and 100 %
        "sender",  # local (a long code in the region, default) or toll-free (verified)
        "plan",  # the plan the subscription pays for (ethiq billing changes proposes it)
        "usTexting",  # the business the stack registers US texting for (infra/us_texting.py)
        "usTextingIdentity",  # its EIN and address: a secret (infra/us_texting.py)
        "monitoredNumbers",  # the household's other phones forwarding to the Ethiq number
    }
)

_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_MAX_CONTACTS = 5


class ConfigError(ValueError):
    """A config value is wrong: ``key`` names it, the message says why."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class Contact:
    number: str  # E.164
    name: str = ""
    language: str = ""  # "" : the tenant's (ethiq:language)

    def as_config(self) -> dict[str, str]:
        values = {"number": self.number, "name": self.name, "language": self.language}
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class Monitored:
    """A phone of the household, beyond the person's own, that forwards to the Ethiq number."""

    number: str  # E.164
    name: str = ""  # whose phone, as the person's page names it
    carrier: str = ""  # one of runtime.regions.CARRIER_KEYS; "" : the person's

    def as_config(self) -> dict[str, str]:
        values = {"number": self.number, "name": self.name, "carrier": self.carrier}
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class TenantConfig:
    name: str
    email: str
    region: str
    near: tuple[float, float]
    language: str
    contacts: tuple[Contact, ...]
    retain_data: bool = True
    allow_destroy: bool = False  # the number and subaccount may be released (README)
    # Screening sensitivity as ``ethiq eval --sensitivity`` prints it; None: platform default.
    sensitivity: str | None = None
    person_name: str = ""  # "" : alerts say "your relative"
    call_countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2, sorted
    # None: the SIP app cannot call out (no 911 without the person's address).
    emergency_address: EmergencyAddress | None = None
    a2p_campaign: str = ""  # the US A2P 10DLC campaign SID (QE…); "" : none registered
    # USD a month (infra/providers/twilio_usage.py); None: the plan's (``spend_limit_usd``).
    spend_limit: float | None = None
    sender: str = "local"  # or "toll-free": a toll-free number, Toll-Free Verified
    plan: str = ""  # a key of runtime.billing.plans.PLANS; "" : not declared (the account's)
    # The business the stack registers US texting for (A2P 10DLC or Toll-Free Verification).
    us_texting: UsTexting | None = None
    # Phones beyond the person's own forwarding to the Ethiq number (the plan's
    # ``monitored_numbers`` counts the person's own too).
    monitored_numbers: tuple[Monitored, ...] = ()

    @property
    def served(self) -> Region:
        return REGIONS[self.region]

    @property
    def monthly_spend_limit(self) -> float:
        """What the subaccount's Usage Triggers watch: ``ethiq:spendLimit``, else the declared
        plan's default, else the entry plan's (every stack declares its triggers)."""
        if self.spend_limit is not None:
            return self.spend_limit
        return plan_named(self.plan or ENTRY_PLAN).spend_limit_usd

    def as_stack_config(self) -> dict[str, Any]:
        """The ``config:`` block of the stack file (``ethiq:`` keys)."""
        return {
            "ethiq:email": self.email,
            "ethiq:region": self.region,
            "ethiq:near": f"{self.near[0]:.4f},{self.near[1]:.4f}",
            "ethiq:language": self.language,
            "ethiq:contacts": [c.as_config() for c in self.contacts],
            "ethiq:retainData": self.retain_data,
        } | (
            ({"ethiq:sensitivity": self.sensitivity} if self.sensitivity is not None else {})
            | ({"ethiq:personName": self.person_name} if self.person_name else {})
            | ({"ethiq:callCountries": list(self.call_countries)} if self.call_countries else {})
            | (
                {"ethiq:emergencyAddress": self.emergency_address.as_config()}
                if self.emergency_address
                else {}
            )
            | ({"ethiq:a2pCampaign": self.a2p_campaign} if self.a2p_campaign else {})
            | ({"ethiq:spendLimit": self.spend_limit} if self.spend_limit is not None else {})
            | ({"ethiq:sender": self.sender} if self.sender != SENDER_LOCAL else {})
            | ({"ethiq:plan": self.plan} if self.plan else {})
            | ({"ethiq:usTexting": self.us_texting.as_config()} if self.us_texting else {})
            | (
                {"ethiq:monitoredNumbers": [m.as_config() for m in self.monitored_numbers]}
                if self.monitored_numbers
                else {}
            )
        )


def validate_tenant(name: str, values: Mapping[str, Any]) -> TenantConfig:
    """Validate a tenant from its stack name and ``ethiq:`` values (keys without the prefix).

    Raises :class:`ConfigError` naming the first wrong key.
    """
    if not _SLUG.match(name):
        raise ConfigError(
            "name",
            f"{name!r} is not a tenant name: 3-32 characters, lowercase letters, digits and "
            "hyphens, starting with a letter",
        )
    check_keys(values)
    email = _require_str(values, "email")
    if not _EMAIL.match(email):
        raise ConfigError("email", f"{email!r} is not an email address")
    region = _require_str(values, "region")
    if region not in REGIONS:
        raise ConfigError(
            "region", f"{region!r} is not a region Ethiq serves ({', '.join(sorted(REGIONS))})"
        )
    near_raw = values.get("near")
    near = REGIONS[region].centre if near_raw in (None, "") else parse_near(str(near_raw))
    language = str(values.get("language") or _default_language(region))
    if language not in LANGUAGES:
        raise ConfigError("language", f"{language!r} is not supported ({', '.join(LANGUAGES)})")
    contacts = _contacts(values.get("contacts"), REGIONS[region].country, language)
    monitored = parse_monitored_numbers(values.get("monitoredNumbers"), REGIONS[region].country)
    plan = parse_plan(values.get("plan"), len(contacts), len(monitored))
    retain = flag(values, "retainData", default=True)
    allow_destroy = flag(values, "allowDestroy", default=False)
    sensitivity = parse_sensitivity_key(values.get("sensitivity"))
    person_name = parse_person_name(values.get("personName"))
    try:
        address = parse_emergency_address(
            values.get("emergencyAddress"), REGIONS[region].country, person_name
        )
    except AddressError as error:
        raise ConfigError(error.key, error.reason) from None
    try:
        us_texting = parse_us_texting(values.get("usTexting"))
    except UsTextingError as error:
        raise ConfigError(error.key, error.reason) from None
    campaign = parse_a2p_campaign(values.get("a2pCampaign"))
    sender = parse_sender(values.get("sender"))
    if us_texting is not None and sender != SENDER_TOLL_FREE and REGIONS[region].country != "US":
        raise ConfigError(
            "usTexting",
            "a long code outside the US has no A2P 10DLC to register: remove it, or text from "
            "a toll-free number (ethiq:sender: toll-free), whose verification it then submits",
        )
    if us_texting is not None and campaign:
        raise ConfigError(
            "a2pCampaign",
            "the stack registers the campaign itself (ethiq:usTexting): remove ethiq:a2pCampaign",
        )
    return TenantConfig(
        name,
        email,
        region,
        near,
        language,
        contacts,
        retain,
        allow_destroy,
        sensitivity,
        person_name,
        parse_call_countries(values.get("callCountries")),
        address,
        campaign,
        parse_spend_limit(values.get("spendLimit")),
        sender,
        plan,
        us_texting,
        monitored,
    )


def parse_plan(value: Any, contacts: int, monitored: int = 0) -> str:
    """``ethiq:plan``: the plan the tenant's subscription pays for (``solo``, ``family``);
    its declared contacts and monitored numbers must fit it (a downgrade names what to remove
    first). Absent: not declared, the billing account's plan counts alone for the contacts,
    and monitored numbers beyond the person's own are held to the entry plan's limit."""
    if value is None or value == "":
        _monitored_fit(ENTRY_PLAN, monitored, "monitoredNumbers")
        return ""
    name = str(value).strip().lower()
    if name not in PLANS:
        raise ConfigError("plan", f"{value!r} is not a plan ({', '.join(PLANS)})")
    allowed = PLANS[name].contacts
    if contacts > allowed:
        raise ConfigError(
            "plan",
            f"{name} allows {allowed} emergency contacts and the stack declares {contacts}: "
            "remove some from ethiq:contacts first",
        )
    _monitored_fit(name, monitored, "plan")
    return name


def _monitored_fit(name: str, monitored: int, key: str) -> None:
    """The person's own number and ``monitored`` more within plan ``name``'s limit."""
    allowed = PLANS[name].monitored_numbers  # type: ignore[index]  # a key of PLANS
    if 1 + monitored <= allowed:
        return
    held = "" if key == "plan" else "without ethiq:plan the stack is held to the entry plan: "
    raise ConfigError(
        key,
        f"{held}{name} allows {allowed} monitored number{'s' if allowed > 1 else ''} (the "
        f"person's own included) and the stack declares {1 + monitored}, the person's own and "
        f"{monitored} in ethiq:monitoredNumbers: remove some from ethiq:monitoredNumbers first"
        + ("" if key == "plan" else ", or declare a plan that allows them"),
    )


MONITORED_NAME_MAX: Final = 40  # runtime.tenants.records.MONITORED_NAME_MAX (a test checks)


def parse_monitored_numbers(value: Any, country: str = "CA") -> tuple[Monitored, ...]:
    """``ethiq:monitoredNumbers``: the household's other phones that forward to the Ethiq
    number (a spouse's), each ``{number, name, carrier}`` or ``"+15145550111:Paul"``; valid
    E.164 numbers, each once. Absent: none (the person's own number only)."""
    if value is None or value == "":
        return ()
    if not isinstance(value, list):
        raise ConfigError("monitoredNumbers", "must be a list of {number, name, carrier}")
    numbers: list[Monitored] = []
    for index, item in enumerate(value):
        key = f"monitoredNumbers[{index}]"
        if isinstance(item, str):
            number, _, name = item.partition(":")
            carrier = ""
        elif isinstance(item, Mapping) and isinstance(item.get("number"), str):
            number = item["number"]
            name, carrier = str(item.get("name") or ""), str(item.get("carrier") or "")
        else:
            raise ConfigError(key, "must have a number")
        entry = Monitored(_e164(number.strip(), country, f"{key}.number"), name.strip(), carrier)
        if carrier and carrier not in CARRIER_KEYS:
            raise ConfigError(
                f"{key}.carrier",
                f"{carrier!r} is not a carrier Ethiq knows ({', '.join(CARRIER_KEYS)})",
            )
        if len(entry.name) > MONITORED_NAME_MAX:
            raise ConfigError(
                f"{key}.name",
                f"is {len(entry.name)} characters long; at most {MONITORED_NAME_MAX} fit",
            )
        if entry.number in {m.number for m in numbers}:
            raise ConfigError(key, f"{entry.number} is listed twice")
        numbers.append(entry)
    return tuple(numbers)


SPEND_LIMIT_MAX: Final = 1000.0  # USD a month: beyond it a typo, not a plan


def parse_spend_limit(value: Any) -> float | None:
    """``ethiq:spendLimit``: what the tenant's subaccount may spend in a month, in USD (Twilio
    bills in USD), above 0 and at most ``SPEND_LIMIT_MAX``; absent: None, the plan's default
    (:attr:`TenantConfig.monthly_spend_limit`)."""
    if value is None or value == "":
        return None
    try:
        amount = float(value)
    except (TypeError, ValueError):
        raise ConfigError("spendLimit", f"{value!r} is not an amount in USD") from None
    if not 0 < amount <= SPEND_LIMIT_MAX:
        raise ConfigError("spendLimit", f"must be above 0 and at most {SPEND_LIMIT_MAX:.0f} USD")
    return round(amount, 2)


PERSON_NAME_MAX: Final = 40  # room for it twice in a two-segment alert


def parse_person_name(value: Any) -> str:
    """``ethiq:personName``: how alerts name the protected person ("Jeanne" rather than "your
    relative"). Printable text, at most :data:`PERSON_NAME_MAX` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError("personName", f"must be text, not {value!r}")
    name = " ".join(value.split())
    if len(name) > PERSON_NAME_MAX:
        raise ConfigError(
            "personName", f"is {len(name)} characters long; at most {PERSON_NAME_MAX} fit"
        )
    if not name.isprintable() or any(ch in name for ch in "<>{}"):
        raise ConfigError("personName", f"{name!r} holds characters a text message cannot show")
    return name


def parse_call_countries(value: Any) -> tuple[str, ...]:
    """``ethiq:callCountries``: countries beyond Canada and the US (always allowed) that the
    person's SIP app may call, as ISO 3166-1 alpha-2 codes: a list, or ``FR,GB`` as
    ``pulumi config set`` writes it. Premium-rate numbers stay refused everywhere."""
    if value is None:
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise ConfigError("callCountries", f"{text!r} is not a list") from None
        else:
            value = [part for part in text.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("callCountries", f"must be a list of country codes, not {value!r}")
    codes = set()
    for raw in value:
        code = raw.strip().upper()
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(
                "callCountries", f"{raw!r} is not an ISO 3166-1 alpha-2 country code (e.g. FR)"
            )
        codes.add(code)
    return tuple(sorted(codes - {"CA", "US"}))


SENDER_LOCAL: Final = "local"
SENDER_TOLL_FREE: Final = "toll-free"


def parse_sender(value: Any) -> str:
    """``ethiq:sender``: what the tenant's number is. ``local`` (default): a long code in the
    region, which needs A2P 10DLC to text US numbers and which Canadian carriers filter.
    ``toll-free``: a toll-free number, which texts US and Canadian numbers once its Toll-Free
    Verification is approved (Twilio's advice for Canada; the alternative to 10DLC).
    https://www.twilio.com/docs/messaging/compliance/toll-free/console-onboarding"""
    if value is None or (isinstance(value, str) and not value.strip()):
        return SENDER_LOCAL
    text = str(value).strip().lower()
    if text not in {SENDER_LOCAL, SENDER_TOLL_FREE}:
        raise ConfigError(
            "sender", f"{value!r} is neither {SENDER_LOCAL!r} nor {SENDER_TOLL_FREE!r}"
        )
    return text


_CAMPAIGN = re.compile(r"^QE[0-9a-f]{32}$")
A2P_PENDING: Final = "pending"


def parse_a2p_campaign(value: Any) -> str:
    """``ethiq:a2pCampaign``: the SID of the US A2P 10DLC campaign (``QE`` and 32 hex digits)
    registered for the tenant's Messaging Service, which US carriers require before a US long
    code texts US recipients (policy ``us-a2p-registration``).
    https://www.twilio.com/docs/messaging/compliance/a2p-10dlc

    A campaign is registered *on* a Messaging Service, which the stack's first ``up`` creates:
    ``pending`` says so (a reviewed choice: texts to US recipients are not delivered until the
    campaign is verified); the next ``up`` with the ``QE…`` SID checks it against Twilio."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, str) and value.strip().lower() == A2P_PENDING:
        return A2P_PENDING
    if not isinstance(value, str) or not _CAMPAIGN.match(value.strip()):
        raise ConfigError(
            "a2pCampaign",
            f"{value!r} is not a US A2P campaign SID (QE and 32 hex digits, as the Console "
            f"shows under Messaging > Regulatory Compliance > Campaigns) nor {A2P_PENDING!r}",
        )
    return value.strip()


def parse_sensitivity_key(value: Any) -> str | None:
    """``ethiq:sensitivity``: ``low``, ``normal``, ``high`` or a number from 0 to 1 (None: the
    platform's ``ETHIQ_SENSITIVITY``), as text the registry stores and the scorer reads."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError("sensitivity", f"must be low, normal, high or 0..1, not {value!r}")
    text = value.strip().lower() if isinstance(value, str) else str(float(value))
    try:
        parsed = parse_sensitivity(text)
    except ValueError as error:
        raise ConfigError("sensitivity", str(error).removeprefix("sensitivity ")) from None
    return str(parsed)  # one spelling per value ("0.70" is "0.7"), so refresh sees no drift


def check_keys(keys: Iterable[str]) -> None:
    """Unknown ``ethiq:`` keys are mistakes (``ethiq:langauge`` would silently be ignored)."""
    for key in sorted(keys):
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1, cutoff=0.6)
            hint = f"did you mean ethiq:{close[0]}? " if close else ""
            raise ConfigError(key, f"is not a setting Ethiq knows; {hint}(known: {_known()})")


def flag(values: Mapping[str, Any], key: str, *, default: bool) -> bool:
    """A boolean setting: YAML ``true``/``false``, or the strings ``pulumi config set`` writes."""
    value = values.get(key, default)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise ConfigError(key, f"must be true or false, not {value!r}")
    return value


def _known() -> str:
    return ", ".join(sorted(KNOWN_KEYS))


def parse_near(text: str) -> tuple[float, float]:
    """``"45.50,-73.57"`` → (45.5, -73.57); latitude and longitude in range."""
    try:
        lat_text, lon_text = text.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise ConfigError("near", f"{text!r} is not LAT,LON (e.g. 45.50,-73.57)") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # noqa: PLR2004 (degrees)
        raise ConfigError("near", f"{text!r} is out of range (latitude ±90, longitude ±180)")
    return lat, lon


# The width of a stored contact name (runtime.tenants.schema_tables.Contact.name; a test checks).
CONTACT_NAME_MAX: Final = 100


def parse_contact(text: str, country: str = "CA") -> Contact:
    """``"+15145550111:Marie"`` or ``"+15145550111:John:en-US"`` → Contact; the number must be
    a valid E.164 number, a last part that is a language is the contact's own."""
    number, _, rest = text.partition(":")
    name, _, language = rest.rpartition(":")
    if not name and language not in LANGUAGES:
        name, language = language, ""
    elif language not in LANGUAGES:
        name, language = rest, ""
    return Contact(_e164(number.strip(), country, "contacts"), name.strip(), language)


def _contacts(raw: Any, country: str, tenant_language: str) -> tuple[Contact, ...]:
    if raw is None:
        raise ConfigError("contacts", "at least one emergency contact is required")
    if not isinstance(raw, list):
        raise ConfigError("contacts", "must be a list of {number, name, language}")
    contacts: list[Contact] = []
    for index, item in enumerate(raw):
        if isinstance(item, str):
            contact = parse_contact(item, country)
        elif isinstance(item, Mapping) and isinstance(item.get("number"), str):
            name, language = item.get("name", ""), str(item.get("language") or "")
            if language and language not in LANGUAGES:
                raise ConfigError(
                    f"contacts[{index}].language",
                    f"{language!r} is not supported ({', '.join(LANGUAGES)})",
                )
            contact = Contact(
                _e164(item["number"], country, f"contacts[{index}].number"), str(name), language
            )
        else:
            raise ConfigError(f"contacts[{index}]", "must have a number")
        if contact.language == tenant_language:  # one spelling: the tenant's is the default
            contact = Contact(contact.number, contact.name)
        if len(contact.name) > CONTACT_NAME_MAX:
            raise ConfigError(
                f"contacts[{index}].name",
                f"is {len(contact.name)} characters long; at most {CONTACT_NAME_MAX} fit",
            )
        if contact.number in {c.number for c in contacts}:
            raise ConfigError(f"contacts[{index}]", f"{contact.number} is listed twice")
        contacts.append(contact)
    if not contacts:
        raise ConfigError("contacts", "at least one emergency contact is required")
    if len(contacts) > _MAX_CONTACTS:
        raise ConfigError("contacts", f"at most {_MAX_CONTACTS} emergency contacts")
    return tuple(contacts)


def _e164(number: str, country: str, key: str) -> str:
    try:
        parsed = phonenumbers.parse(number, country)
    except phonenumbers.NumberParseException:
        raise ConfigError(key, f"{number!r} is not a phone number") from None
    if not number.startswith("+"):
        raise ConfigError(key, f"{number!r} must be in E.164 form, e.g. +15145550111")
    if not phonenumbers.is_valid_number(parsed):
        raise ConfigError(key, f"{number!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _require_str(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "is required")
    return value.strip()


def _default_language(region: str) -> str:
    return "fr-CA" if region == "CA-QC" else "en-US"
