"""Twilio webhook signatures, checked against the PUBLIC URL Twilio called.

Behind TLS termination the app sees an internal URL (``http://10.0.0.5:8000/...``); Twilio signed
``ETHIQ_PUBLIC_URL`` + path + query. We rebuild that URL from configuration only (never from
forwarded headers) and check ``X-Twilio-Signature`` with the auth token of the tenant's
subaccount, then that the payload's ``AccountSid`` is that subaccount.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from twilio.request_validator import RequestValidator

__all__ = ["SIGNATURE_HEADER", "public_url", "sign", "signature_valid"]

SIGNATURE_HEADER: Final = "X-Twilio-Signature"


def public_url(base: str, path: str, query: str = "") -> str:
    """The URL Twilio signed: the configured public base, the request's path and raw query."""
    url = base.rstrip("/") + path
    return f"{url}?{query}" if query else url


def signature_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Whether ``signature`` is Twilio's for ``url`` and form ``params`` under ``auth_token``."""
    if not signature or not auth_token:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature Twilio would send (tests, the sandbox, local tools)."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))
