"""Live call updates through Twilio's REST API, in the tenant's subaccount."""

from __future__ import annotations

import asyncio
from typing import Protocol

from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.tenants import TenantRecord

__all__ = ["CallUpdater", "TwilioCallUpdater"]


class CallUpdater(Protocol):
    async def update(self, tenant: TenantRecord, call_sid: str, twiml: str) -> None:
        """Replace the live call's TwiML."""
        ...


class TwilioCallUpdater:
    def __init__(self, credentials: TwilioCredentials, timeout_s: float = 5.0) -> None:
        self._credentials = credentials
        self._timeout_s = timeout_s

    async def update(self, tenant: TenantRecord, call_sid: str, twiml: str) -> None:
        def run() -> None:
            client = make_client(
                self._credentials, account_sid=tenant.subaccount_sid, timeout=self._timeout_s
            )
            client.calls(call_sid).update(twiml=twiml)

        await asyncio.wait_for(asyncio.to_thread(run), self._timeout_s + 1.0)
