"""The Twilio SDK's HTTP clients, as the runtime uses them."""

from __future__ import annotations

import asyncio
import logging
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
