"""Call recording: only where the tenant's jurisdiction allows it, and only with consent.

Ethiq's tenant is a party to every screened call, so where one party's consent suffices the
tenant's recorded consent (``ethiq:recordingConsentAt``) is enough. Where every party must
consent, the caller (possibly a fraudster) cannot be asked before screening starts: recording
is refused there. The table is this platform's conservative reading, reviewed like code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Final

__all__ = [
    "RECORDING_CONSENT",
    "Consent",
    "recording_errors",
    "recording_properties",
    "recording_requested",
]


class Consent(Enum):
    ONE_PARTY = "one-party consent"
    ALL_PARTY = "all-party consent"


RECORDING_CONSENT: Final[Mapping[str, Consent]] = {
    "CA-QC": Consent.ONE_PARTY,  # Criminal Code s. 184(2)(a), federal
    "CA-ON": Consent.ONE_PARTY,
    "CA-BC": Consent.ONE_PARTY,
    "US-NY": Consent.ONE_PARTY,  # NY Penal Law 250.00
    "US-CA": Consent.ALL_PARTY,  # California Penal Code 632
}

_FLAGS: Final = ("recordCalls", "recording")
# Twilio's record / recording settings, whatever the casing: record, recordCalls, recording_enabled
_RECORD_KEY = re.compile(r"^record(ing)?(_?calls|_?enabled)?$", re.IGNORECASE)
_OFF: Final = {"", "false", "do-not-record", "none", "off"}


def recording_properties(props: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Key paths of resource properties that turn recording on."""
    found: list[str] = []
    for key, value in props.items():
        if isinstance(value, Mapping):
            found += recording_properties(value, f"{prefix}{key}.")
        elif _RECORD_KEY.match(key) and _enabled(value):
            found.append(f"{prefix}{key}")
    return found


def recording_requested(values: Mapping[str, Any]) -> list[str]:
    """The ``ethiq:*`` flags that ask for recording."""
    return [f"ethiq:{flag}" for flag in _FLAGS if _enabled(values.get(flag))]


def recording_errors(region: Any, values: Mapping[str, Any], requested_by: list[str]) -> list[str]:
    """``requested_by`` names what turns recording on (config flags, resource properties)."""
    if not requested_by:
        return []
    what = ", ".join(requested_by)
    consent = RECORDING_CONSENT.get(str(region))
    if consent is None:
        return [f"call recording ({what}) is not allowed: no recording rule for region {region!r}"]
    if consent is Consent.ALL_PARTY:
        return [
            f"call recording ({what}) is not allowed in {region}: {consent.value} is required "
            "and the caller cannot consent before screening"
        ]
    at = values.get("recordingConsentAt")
    when = _moment(at)
    if when is None:
        return [
            f"call recording ({what}) needs the tenant's recorded consent: set "
            "ethiq:recordingConsentAt to when it was given (ISO 8601)"
            + (f", not {at!r}" if at not in (None, "") else "")
        ]
    if when > datetime.now(UTC):
        return [f"ethiq:recordingConsentAt {at!r} is in the future"]
    return []


def _enabled(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() not in _OFF


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
