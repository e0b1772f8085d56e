"""The twilio SDK pointed at a sandbox, with the runtime's own base-URL client."""

from __future__ import annotations

from twilio.rest import Client

from runtime.telephony.twilio_http import BaseUrlHttpClient

__all__ = ["sdk_client"]


def sdk_client(
    base_url: str, username: str, password: str, account_sid: str | None = None
) -> Client:
    return Client(
        username,
        password,
        account_sid=account_sid,
        http_client=BaseUrlHttpClient(base_url, timeout=10.0),
    )
