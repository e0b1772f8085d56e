"""Call recording: only where the tenant's jurisdiction allows it, and only with consent.

Ethiq's tenant is a party to every screened call, so where one party's consent suffices the
tenant's recorded consent (``ethiq:recordingConsentAt``) is enough. Where every party must
consent, the caller (possibly a fraudster) cannot be asked before screening starts: recording
is refused there. The table is :mod:`runtime.telephony.consent`'s, which the call path reads too
(it tells callers in those regions that the call is transcribed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Final

from runtime.telephony.consent import CONSENT_RULES, Consent, consent_rule

__all__ = [
    "RECORDING_CONSENT",
    "Consent",
    "consent_notice_errors",
    "recording_errors",
    "recording_properties",
    "recording_requested",
]


RECORDING_CONSENT: Final[Mapping[str, Consent]] = CONSENT_RULES  # one table, shared

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


def consent_notice_errors(region: Any, values: Mapping[str, Any]) -> list[str]:
    """The consent notice is the region's law, not a tenant's choice: every served region has
    a rule, and ``ethiq:consentNotice`` (if set) can only say what the region decides. The
    runtime reads the region alone (:func:`runtime.telephony.consent.needs_consent_notice`),
    so a stack file never claims a notice is off where callers must hear it, or on where
    none is played."""
    rule = consent_rule(str(region or ""))
    if rule is None:
        return [
            f"no consent rule for region {region!r}: add it to runtime/telephony/consent.py, "
            "so calls there know whether the caller must hear the consent notice"
        ]
    given = values.get("consentNotice")
    if given is None or given == "":
        return []
    wanted = rule is Consent.ALL_PARTY
    if _enabled(given) and not wanted:
        return [
            f"ethiq:consentNotice {given!r}: in {region} ({rule.value}) no consent notice is "
            "played; the region decides it, remove the key"
        ]
    if not _enabled(given) and wanted:
        return [
            f"ethiq:consentNotice cannot be turned off in {region}: {rule.value} is required, "
            "so every caller hears the consent notice before transcription starts"
        ]
    return []
