"""Error tracking with Sentry, scrubbed of what must never leave the platform.

Sentry receives exceptions and their context: request bodies, local variables of the failing
frames, breadcrumbs of log lines. On this service those carry phone numbers (callers, the
protected person, their contacts), what was said on a call (transcription events, SMS bodies) and
credentials (Twilio auth tokens, signatures, the operator token). ``scrub_event`` is the
``before_send`` hook: it walks the whole event and replaces

- values under keys that name a secret or a transcript (``auth_token``, ``Body``,
  ``TranscriptionData``, ``Authorization``, ...) with ``[Filtered]``;
- phone numbers anywhere in strings with ``[phone]``: what libphonenumber's matcher finds
  (international numbers however spaced, ``+33 6 12 34 56 78``, and national ones read as
  North American, ``(514) 555-0123``); credentials in URLs and credential-shaped words in free
  text with ``[Filtered]`` (Twilio SIDs are kept: they identify, they grant nothing);
- a log line's parameters and ``extra`` values that are free text (a string with a space in
  it: what someone said, an SMS) with ``[Filtered]``, and the line's formatted message rebuilt
  from its template and the scrubbed parameters (breadcrumbs likewise, from the log record).

What people said can only be recognised by where it travels (form fields, ``text`` of segments,
SMS ``Body``, log parameters): code must never put it into an exception message.

``data_collection`` keeps user identity, request bodies and SQL parameters out to begin with;
Sentry's own server-side scrubbing is a last net, not the first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, cast

import phonenumbers
import sentry_sdk
from sentry_sdk.integrations.litestar import LitestarIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

if TYPE_CHECKING:
    from sentry_sdk._types import Event, Hint

__all__ = ["FILTERED", "init_error_tracking", "scrub_event"]

FILTERED: Final = "[Filtered]"
PHONE: Final = "[phone]"

# Keys whose values are secrets or what people said, compared on the key lower-cased with
# everything but letters removed (``X-Twilio-Signature`` -> ``xtwiliosignature``): a key is
# sensitive if it contains one of _SENSITIVE_PARTS or is one of _SENSITIVE_KEYS.
_SENSITIVE_PARTS: Final = (
    "authorization",
    "token",
    "password",
    "passwd",
    "secret",
    "signature",
    "cookie",
    "apikey",
    "transcript",
    "credential",
)
_SENSITIVE_KEYS: Final = frozenset(
    {
        "body",  # SMS bodies
        "text",  # transcript segments
        "segments",
        "speechresult",
        "reasons",
        "dsn",
        "registrykey",
        "databaseurl",
        "redisurl",
    }
)
_MAX_DEPTH: Final = 32  # Sentry trims deeper structures itself; never recurse without bound
# Numbers without a country code are read as North American (the platform's first region);
# POSSIBLE leniency: a plausible length is enough, a number need not be assigned to be hidden
# (https://github.com/daviddrysdale/python-phonenumbers, ``PhoneNumberMatcher``).
_PHONE_REGION: Final = "US"
_PHONE_LENIENCY: Final = phonenumbers.Leniency.POSSIBLE
_FREE_TEXT_RE: Final = re.compile(r"\s")
_URL_CREDENTIALS_RE: Final = re.compile(r"(?<=://)[^/@\s]+:[^/@\s]+@")
# Something shaped like a credential inside free text (an exception message): 24 or more
# letters, digits, ``_``, ``-``, ``+``, ``/`` or ``=`` with at least one digit, unless it is a
# Twilio SID (two capitals and 32 hex digits), which identifies and grants nothing.
_SECRET_LIKE_RE: Final = re.compile(
    r"(?<![A-Za-z0-9_+/=-])(?![A-Z]{2}[0-9a-f]{32}(?![A-Za-z0-9]))"
    r"(?=[A-Za-z_+/=-]*[0-9])[A-Za-z0-9_+/=-]{24,}"
)


def _sensitive(key: object) -> bool:
    normalised = re.sub(r"[^a-z]", "", str(key).lower())
    return normalised in _SENSITIVE_KEYS or any(part in normalised for part in _SENSITIVE_PARTS)


def _scrub_string(value: str) -> str:
    value = _URL_CREDENTIALS_RE.sub(f"{FILTERED}@", value)
    value = _SECRET_LIKE_RE.sub(FILTERED, value)
    return _scrub_phones(value)


def _scrub_phones(value: str) -> str:
    if not any(c.isdigit() for c in value):
        return value
    matches = list(phonenumbers.PhoneNumberMatcher(value, _PHONE_REGION, _PHONE_LENIENCY))
    for match in reversed(matches):  # from the end: earlier offsets stay valid
        value = value[: match.start] + PHONE + value[match.end :]
    return value


def _scrub_param(value: Any) -> Any:
    """A log parameter or ``extra`` value: free text is what someone said, never sent."""
    if isinstance(value, str) and _FREE_TEXT_RE.search(value):
        return FILTERED
    return _scrub(value, 1)


def _log_line(message: object, params: Any) -> tuple[str, Any]:
    """A log line's message rebuilt from its template and scrubbed parameters."""
    template = _scrub_string(str(message))
    if isinstance(params, Mapping):
        params = {k: FILTERED if _sensitive(k) else _scrub_param(v) for k, v in params.items()}
    elif isinstance(params, list | tuple):
        params = tuple(_scrub_param(p) for p in params)
    else:
        return template, ()
    try:
        return template % params if params else template, params
    except (TypeError, ValueError, KeyError):
        return template, params


def _scrub_log(event: dict[str, Any]) -> dict[str, Any]:
    entry = event.get("logentry")
    if isinstance(entry, Mapping) and "message" in entry:
        formatted, params = _log_line(entry["message"], entry.get("params") or ())
        event["logentry"] = {
            **entry,
            "formatted": formatted,
            "params": list(params) if isinstance(params, tuple) else params,
        }
    extra = event.get("extra")
    if isinstance(extra, Mapping):
        event["extra"] = {k: _scrub_param(v) for k, v in extra.items()}
    return event


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:
        return FILTERED
    if isinstance(value, str):
        return _scrub_string(value)
    if isinstance(value, Mapping):
        return {
            k: (FILTERED if _sensitive(k) and v not in (None, "") else _scrub(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        # Header and query lists come as [name, value] pairs.
        name = value[0] if len(value) == 2 else None  # noqa: PLR2004
        if isinstance(name, str) and _sensitive(name):
            return [name, FILTERED]
        return [_scrub(item, depth + 1) for item in value]
    return value


def scrub_event(event: Event, _hint: Hint | None = None) -> Event:
    """Sentry ``before_send``/``before_send_transaction``: the event without secrets or speech."""
    return cast("Event", _scrub(_scrub_log(dict(event))))


def _scrub_breadcrumb(crumb: dict[str, Any], hint: Hint) -> dict[str, Any]:
    record = (hint or {}).get("log_record")
    if isinstance(record, logging.LogRecord):
        crumb = {**crumb, "message": _log_line(record.msg, record.args or ())[0]}
        crumb["data"] = {k: _scrub_param(v) for k, v in (crumb.get("data") or {}).items()}
    return cast("dict[str, Any]", _scrub(crumb))


def init_error_tracking(dsn: str, *, environment: str, release: str) -> bool:
    """Start Sentry when ``dsn`` is set; returns whether it is on.

    The Litestar integration reports unhandled exceptions of route handlers; the logging
    integration turns ``logger.error``/``logger.exception`` into events (our handlers log and
    answer 5xx instead of raising, so this is how most failures reach Sentry).
    """
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        # No user identity, no request bodies (webhook forms carry numbers and speech), no SQL
        # parameters, and no frame variables: the framework's frames hold reprs of the whole
        # request, body included, which no key-based scrubbing can see into.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=_scrub_breadcrumb,
        integrations=[LitestarIntegration(), LoggingIntegration(event_level=logging.ERROR)],
        default_integrations=True,
        traces_sample_rate=0.0,
    )
    return True
