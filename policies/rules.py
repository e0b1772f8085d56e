"""Policy rules as plain functions: resource properties in, violation messages out."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["insecure_webhook_urls"]

# Twilio names its webhook properties voiceUrl, smsUrl, statusCallback, voiceFallbackUrl, ...
_WEBHOOK_KEY = re.compile(r"(url|callback)$", re.IGNORECASE)


def insecure_webhook_urls(props: Mapping[str, Any]) -> list[str]:
    """Webhook URLs must be https: Twilio posts call metadata and transcripts to them.

    Plain http is allowed only on loopback, where the local Twilio sandbox and runtime live.
    """
    return [
        f"{key} must be an https URL (got {value!r})"
        for key, value in _string_items(props)
        if _WEBHOOK_KEY.search(key) and not _is_secure(value)
    ]


def _string_items(props: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in props.items():
        if isinstance(value, str):
            yield f"{prefix}{key}", value
        elif isinstance(value, Mapping):
            yield from _string_items(value, f"{prefix}{key}.")


def _is_secure(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and _is_loopback(parts.hostname or "")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
