"""Keep secrets out of reports: a report becomes a PR comment, engine output may echo a value.

Policy messages and provider errors can quote property values in plaintext even when Pulumi
holds them as secrets, so every error text is scrubbed of the environment's secret values and of
passwords in URLs before it reaches a report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

__all__ = ["MASK", "redact", "secret_values"]

MASK: Final = "***"
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSPHRASE|KEY|DATABASE_URL|CREDENTIAL")
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.IGNORECASE)
_MIN_SECRET = 6  # shorter values would mask ordinary words


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Values of variables whose names say they are secret, longest first."""
    values = {v for k, v in env.items() if _SECRET_NAME.search(k.upper()) and len(v) >= _MIN_SECRET}
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for value in secrets:
        text = text.replace(value, MASK)
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", text)
