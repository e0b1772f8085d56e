"""The one way this project builds a Twilio REST client.

Production and development differ only by configuration: ``TWILIO_API_BASE_URL`` (the local
Twilio sandbox) replaces ``https://api.twilio.com`` in every request; paths, auth and payloads are
untouched, so code never knows which one it talks to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.telephony.base_url import route

if TYPE_CHECKING:
    from twilio.http import AsyncHttpClient, HttpClient
    from twilio.rest import Client

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "TwilioCredentials",
    "make_async_http_client",
    "make_client",
    "routed",
]

DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class TwilioCredentials:
    """Parent-account credentials; ``base_url`` empty means the real Twilio."""

    account_sid: str
    auth_token: str
    base_url: str = ""

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> TwilioCredentials:
        return cls(values["account_sid"], values["auth_token"], values.get("base_url") or "")

    def as_mapping(self) -> dict[str, str]:
        return {
            "account_sid": self.account_sid,
            "auth_token": self.auth_token,
            "base_url": self.base_url,
        }


def routed(url: str, base_url: str) -> str:
    """``url`` as a request outside the SDK must send it (e.g. Serverless uploads, which the
    SDK cannot make): unchanged for the real Twilio, on ``base_url`` otherwise."""
    return route(url, base_url) if base_url else url


def make_async_http_client(
    credentials: TwilioCredentials, timeout: float = DEFAULT_TIMEOUT_S
) -> AsyncHttpClient:
    """An asynchronous transport for :func:`make_client` (``*_async`` methods of the SDK), each
    request bounded by ``timeout``. Make it inside the event loop that uses it; ``await
    close()`` it when done."""
    from runtime.telephony.twilio_http import AsyncBaseUrlHttpClient  # noqa: PLC0415

    return AsyncBaseUrlHttpClient(credentials.base_url, timeout)


def make_client(
    credentials: TwilioCredentials,
    *,
    account_sid: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    http_client: HttpClient | None = None,
) -> Client:
    """A client authenticated as the parent account, acting in ``account_sid`` when given
    (a tenant's subaccount); ``http_client`` replaces the default (blocking) transport. The
    SDK loads here, on first use (see :mod:`runtime.telephony.twilio_http`)."""
    from twilio.http.http_client import TwilioHttpClient  # noqa: PLC0415
    from twilio.rest import Client  # noqa: PLC0415

    from runtime.telephony.twilio_http import BaseUrlHttpClient  # noqa: PLC0415

    if http_client is None:
        http_client = (
            BaseUrlHttpClient(credentials.base_url, timeout)
            if credentials.base_url
            else TwilioHttpClient(timeout=timeout)
        )
    return Client(
        credentials.account_sid,
        credentials.auth_token,
        account_sid=account_sid,
        http_client=http_client,
    )
