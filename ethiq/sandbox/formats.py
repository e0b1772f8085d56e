"""Twilio's value formats: sids, RFC 2822 dates, E.164 numbers."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime

__all__ = [
    "API_VERSION",
    "format_date",
    "friendly_number",
    "is_e164",
    "new_sid",
    "new_token",
    "now",
]

API_VERSION = "2010-04-01"

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def new_sid(prefix: str) -> str:
    """A Twilio sid: two-letter prefix and 32 lowercase hex digits."""
    return prefix + secrets.token_hex(16)


def new_token() -> str:
    """An auth token shaped like Twilio's (32 hex digits)."""
    return secrets.token_hex(16)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def format_date(moment: datetime) -> str:
    """RFC 2822 in GMT, as Twilio writes it: ``Thu, 30 Jul 2015 20:00:00 +0000``."""
    return format_datetime(moment.astimezone(UTC)).replace("-0000", "+0000")


def is_e164(number: str) -> bool:
    return _E164.fullmatch(number) is not None


def friendly_number(number: str) -> str:
    """``+15145550123`` → ``(514) 555-0123`` for North American numbers; others unchanged."""
    if number.startswith("+1") and len(number) == 12:  # noqa: PLR2004 - +1 and ten digits
        digits = number[2:]
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return number
