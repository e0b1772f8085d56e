"""The one way this project builds a Twilio REST client.

Production and development differ only by configuration: ``TWILIO_API_BASE_URL`` (the local
Twilio sandbox) replaces ``https://api.twilio.com`` in every request; paths, auth and payloads are
untouched, so code never knows which one it talks to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http import AsyncHttpClient, HttpClient
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "AsyncBaseUrlHttpClient",
    "BaseUrlHttpClient",
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


class BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]  # untyped SDK
    """Sends every ``https://*.twilio.com`` request to ``base_url`` instead. The path is kept;
    a host other than ``api.twilio.com`` becomes its first segment, since one base URL stands in
    for every Twilio host and their paths overlap (``messaging.twilio.com/v1/Services`` and
    ``serverless.twilio.com/v1/Services``): ``https://messaging.twilio.com/v1/Services`` goes to
    ``<base_url>/messaging/v1/Services``."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        super().__init__(timeout=timeout)
        parts = urlsplit(base_url)
        self._scheme, self._netloc = parts.scheme, parts.netloc

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        return super().request(method, self.route(url), *args, **kwargs)

    def route(self, url: str) -> str:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host.endswith(".twilio.com"):
            product = host.removesuffix(".twilio.com")
            path = parts.path if product == "api" else f"/{product}{parts.path}"
            return urlunsplit((self._scheme, self._netloc, path, parts.query, ""))
        return url


def routed(url: str, base_url: str) -> str:
    """``url`` as a request outside the SDK must send it (e.g. Serverless uploads, which the
    SDK cannot make): unchanged for the real Twilio, on ``base_url`` otherwise."""
    return BaseUrlHttpClient(base_url).route(url) if base_url else url


class AsyncBaseUrlHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # untyped SDK
    """The SDK's asynchronous client (one kept-alive connection pool), routed like
    :class:`BaseUrlHttpClient` when a base URL stands in for Twilio."""

    def __init__(self, base_url: str) -> None:
        super().__init__(pool_connections=True)
        self._router = BaseUrlHttpClient(base_url) if base_url else None

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._router is not None:
            url = self._router.route(url)
        return await super().request(method, url, *args, **kwargs)


def make_async_http_client(credentials: TwilioCredentials) -> AsyncHttpClient:
    """An asynchronous transport for :func:`make_client` (``*_async`` methods of the SDK).
    Make it inside the event loop that uses it; ``await close()`` it when done."""
    return AsyncBaseUrlHttpClient(credentials.base_url)


def make_client(
    credentials: TwilioCredentials,
    *,
    account_sid: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    http_client: HttpClient | None = None,
) -> Client:
    """A client authenticated as the parent account, acting in ``account_sid`` when given
    (a tenant's subaccount); ``http_client`` replaces the default (blocking) transport."""
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
