"""The Twilio SDK's HTTP clients, as the runtime uses them."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any

import pytest

from runtime.telephony.twilio_http import AsyncBaseUrlHttpClient, BaseUrlHttpClient


def _log_sync(request: dict[str, Any]) -> None:
    BaseUrlHttpClient("", 5.0).log_request(request)


def _log_async(request: dict[str, Any]) -> None:
    async def run() -> None:
        client = AsyncBaseUrlHttpClient("", 5.0)  # its connection pool needs a running loop
        try:
            client.log_request(request)
        finally:
            await client.close()

    asyncio.run(run())


@pytest.mark.parametrize("log_request", [_log_sync, _log_async])
def test_the_sdk_does_not_log_each_request_at_info(
    log_request: Callable[[dict[str, Any]], None], caplog: pytest.LogCaptureFixture
) -> None:
    """A dozen lines per REST call (URL, headers, status) cost more CPU than a voice answer."""
    request = {
        "method": "POST",
        "url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json",
        "params": {},
        "headers": {"Accept": "application/json", "User-Agent": "twilio-python"},
    }
    with caplog.at_level(logging.INFO):  # the root logger at INFO, as the app's config sets it
        log_request(request)
        logging.getLogger("runtime").info("the runtime's own lines still show")
    assert [r.name for r in caplog.records] == ["runtime"]


def test_the_async_client_bounds_every_request_by_its_timeout() -> None:
    """The SDK's own asynchronous client passes no timeout to aiohttp, so a Twilio that accepts
    the connection and never answers would hold the request forever
    (https://github.com/twilio/twilio-python/issues/925)."""

    async def run() -> BaseException | None:
        with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never answers
            base = f"http://127.0.0.1:{silent.getsockname()[1]}"
            client = AsyncBaseUrlHttpClient(base, 0.5)
            try:
                url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
                request = asyncio.ensure_future(client.request("POST", url, data={"To": "+1"}))
                done, _ = await asyncio.wait({request}, timeout=10.0)
                assert done, "the request was still waiting after 10 s"
                return request.exception()
            finally:
                await client.close()

    assert isinstance(asyncio.run(run()), TimeoutError)
