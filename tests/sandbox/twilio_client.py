"""The twilio SDK pointed at a sandbox: a test-local http client that rewrites the base URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

__all__ = ["RewritingHttpClient", "sdk_client"]


class RewritingHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio is untyped here
    """Sends the SDK's ``https://api.twilio.com/...`` requests to ``base_url``, same path+query."""

    def __init__(self, base_url: str, timeout: float | None = 10.0) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        parts = urlsplit(url)
        rewritten = urlunsplit(
            (self._base.scheme, self._base.netloc, parts.path, parts.query, parts.fragment)
        )
        return super().request(method, rewritten, *args, **kwargs)


def sdk_client(
    base_url: str, username: str, password: str, account_sid: str | None = None
) -> Client:
    return Client(
        username, password, account_sid=account_sid, http_client=RewritingHttpClient(base_url)
    )
