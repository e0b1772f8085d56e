"""The SDK's HTTP client, sent to a base URL (the local Twilio sandbox) when one is configured.

Apart from :mod:`runtime.telephony.twilio_api` so that importing credentials or the routing rule
costs nothing: the SDK's HTTP layer loads ``requests`` (about 0.2 s of CPU), which a Pulumi
program or provider process importing a provider module must not pay for a no-op ``up``.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from aiohttp import encode_basic_auth
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from runtime.telephony.base_url import route

__all__ = ["AsyncBaseUrlHttpClient", "BaseUrlHttpClient"]

# The SDK logs every request and response at INFO, a dozen lines each (method, URL, every
# header, status, headers again): on the voice webhook, formatting and writing them cost more
# CPU than answering the call, and repeat the subaccount's SID on every line. Its failures
# still reach the caller as exceptions, logged by the runtime.
for _sdk_logger in ("twilio.http_client", "twilio.async_http_client"):
    logging.getLogger(_sdk_logger).setLevel(logging.WARNING)


class BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]  # untyped SDK
    """Sends every ``https://*.twilio.com`` request to ``base_url`` instead
    (:func:`runtime.telephony.base_url.route`)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        return super().request(method, route(url, self._base_url), *args, **kwargs)


class AsyncBaseUrlHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # untyped SDK
    """The SDK's asynchronous client (one kept-alive connection pool), routed like
    :class:`BaseUrlHttpClient` when a base URL stands in for Twilio.

    Every request is bounded by ``timeout``: the SDK's own asynchronous client ignores the
    timeout it is given and passes none to aiohttp, so a stalled Twilio would hold a request
    forever (https://github.com/twilio/twilio-python/issues/925)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(pool_connections=True, timeout=timeout)
        self._base_url = base_url

    async def request(
        self,
        method: str,
        url: str,
        *args: Any,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Response:
        if self._base_url:
            url = route(url, self._base_url)
        headers = dict(headers or {})
        if auth is not None:  # as a header: aiohttp 3.14 deprecates its ``auth`` parameter
            headers["Authorization"] = encode_basic_auth(*auth)
        data = kwargs.pop("data", None)
        if data:
            # Encoded here, as Twilio reads it (repeated keys for lists): aiohttp's FormData
            # spends more CPU on a dozen fields than the rest of ringing the person in.
            data = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        bound = self.timeout if timeout is None else timeout
        return await super().request(
            method, url, *args, data=data, headers=headers, auth=None, timeout=bound, **kwargs
        )
