"""Kept-alive Twilio REST clients for the runtime's own requests (ringing the person in, alerts).

One SDK client per (event loop, account) over one HTTP connection pool per event loop, so a
request reuses a connection instead of opening a new one (and a thread) each time, and every
request is bounded by the same timeout: a stalled Twilio costs each waiting request at most
that long, and never a thread that outlives it.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import TYPE_CHECKING, Final

from runtime.telephony.twilio_api import TwilioCredentials, make_async_http_client, make_client

if TYPE_CHECKING:
    from twilio.http import AsyncHttpClient
    from twilio.rest import Client

__all__ = ["CLIENTS", "AsyncClients"]

CLIENTS: Final = 1024  # SDK clients kept (one per subaccount; a few objects each)


class AsyncClients:
    """SDK clients of the parent account, acting in ``account_sid`` (a tenant's subaccount,
    ``None``: the parent's own), whose ``*_async`` methods share this loop's connections."""

    def __init__(self, credentials: TwilioCredentials, timeout_s: float) -> None:
        self._credentials = credentials
        self.timeout_s = timeout_s
        self._http: dict[asyncio.AbstractEventLoop, AsyncHttpClient] = {}
        self._clients: OrderedDict[tuple[asyncio.AbstractEventLoop, str | None], Client] = (
            OrderedDict()
        )

    def client(self, account_sid: str | None) -> Client:
        loop = asyncio.get_running_loop()
        key = (loop, account_sid)
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        http = self._http.get(loop)
        if http is None:
            http = self._http[loop] = make_async_http_client(self._credentials, self.timeout_s)
        client = self._clients[key] = make_client(
            self._credentials, account_sid=account_sid, http_client=http
        )
        if len(self._clients) > CLIENTS:
            self._clients.popitem(last=False)
        return client

    async def close(self) -> None:
        """Close the HTTP connections of this event loop (others can only be dropped)."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for owner, http in list(self._http.items()):
            del self._http[owner]
            if owner is loop:
                await http.close()
        self._clients.clear()
