"""Where Twilio's requests go when one base URL (the local Twilio sandbox) stands in for Twilio."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["route"]


def route(url: str, base_url: str) -> str:
    """Where a ``https://*.twilio.com`` request goes when ``base_url`` stands in for Twilio.

    The path is kept; a host other than ``api.twilio.com`` becomes its first segment, since one
    base URL stands in for every Twilio host and their paths overlap
    (``messaging.twilio.com/v1/Services`` and ``serverless.twilio.com/v1/Services``):
    ``https://messaging.twilio.com/v1/Services`` goes to ``<base_url>/messaging/v1/Services``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host.endswith(".twilio.com"):
        return url
    base = urlsplit(base_url)
    product = host.removesuffix(".twilio.com")
    path = parts.path if product == "api" else f"/{product}{parts.path}"
    return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))
