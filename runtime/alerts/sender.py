"""Sending SMS through a tenant's subaccount: through its Messaging Service when it has one
(Twilio then applies the service's Advanced Opt-Out: a recipient who opted out gets 21610),
else from the tenant's number.
https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Protocol, TypeVar

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException

from runtime.telephony.async_clients import AsyncClients
from runtime.telephony.twilio_api import DEFAULT_TIMEOUT_S, TwilioCredentials
from runtime.tenants import TenantRecord

__all__ = ["OPTED_OUT", "SENDER_NOT_REGISTERED", "SendError", "SmsSender", "TwilioSmsSender"]

T = TypeVar("T")

OPTED_OUT = 21610  # the recipient opted out (STOP, ARRET…) of this sender or service
# Status-callback errors that say the *sender* may not text these recipients: every message of
# the tenant to them fails alike until an operator registers it; retrying never helps.
SENDER_NOT_REGISTERED = {
    # A US long code in no approved A2P 10DLC campaign, texting a US number: Twilio blocks it.
    # https://www.twilio.com/docs/api/errors/30034
    30034: "its US number is not in an approved A2P 10DLC campaign: US texting pending "
    "registration (the stack's usTexting output, ethiq:usTexting)",
    # A toll-free number whose Toll-Free Verification is not approved.
    # https://www.twilio.com/docs/api/errors/30032
    30032: "its toll-free number is not verified: US texting pending registration (the "
    "stack's usTexting output, Toll-Free Verification)",
}


class SendError(Exception):
    """Twilio refused (``status``/``code``) or did not answer (both ``None``)."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def transient(self) -> bool:
        """429, 5xx and transport errors may succeed later; other refusals will not."""
        return self.status is None or self.status == 429 or self.status >= 500  # noqa: PLR2004


class SmsSender(Protocol):
    async def send(self, tenant: TenantRecord, to: str, body: str, status_callback: str) -> str:
        """Send; return the message sid, or raise :class:`SendError`."""
        ...

    async def find(self, tenant: TenantRecord, to: str, marker: str) -> str | None:
        """The sid of a message already sent to ``to`` whose body contains ``marker``."""
        ...


class TwilioSmsSender:
    """People's messages go through their tenant's subaccount; the operators' own (the on-call
    alerts, which belong to no tenant) through the parent account (``account_sid=None``).

    The SDK's asynchronous methods on kept-alive connections (one client per subaccount): a
    stalled Twilio costs each message at most ``timeout_s`` (``ETHIQ_TWILIO_TIMEOUT_S``), and
    no thread stays blocked on it meanwhile, so other tenants' alerts wait for nothing more."""

    def __init__(
        self, credentials: TwilioCredentials, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self._clients = AsyncClients(credentials, timeout_s)

    async def send(self, tenant: TenantRecord, to: str, body: str, status_callback: str) -> str:
        origin = (
            tenant.messaging_service_sid if tenant.messaging_service_sid else tenant.phone_number
        )
        return await self.send_as(tenant.subaccount_sid, origin, to, body, status_callback)

    async def find(self, tenant: TenantRecord, to: str, marker: str) -> str | None:
        # The service's pool holds the tenant's number only: messages list under it.
        return await self.find_as(tenant.subaccount_sid, tenant.phone_number, to, marker)

    async def send_as(
        self, account_sid: str | None, origin: str, to: str, body: str, status_callback: str = ""
    ) -> str:
        """Send from ``origin`` (a number, or a Messaging Service ``MG…``) of the account."""

        async def run() -> str:
            sender = (
                {"messaging_service_sid": origin} if origin.startswith("MG") else {"from_": origin}
            )
            callback = {"status_callback": status_callback} if status_callback else {}
            messages = self._clients.client(account_sid).messages
            message = await messages.create_async(to=to, body=body, **sender, **callback)
            return str(message.sid)

        return await self._call(run())

    async def find_as(
        self, account_sid: str | None, origin: str, to: str, marker: str
    ) -> str | None:
        """The sid of a message the account sent ``to`` whose body contains ``marker``."""

        async def run() -> str | None:
            listed = {} if origin.startswith("MG") else {"from_": origin}
            messages = self._clients.client(account_sid).messages
            for message in await messages.list_async(to=to, limit=50, **listed):
                if marker in (message.body or ""):
                    return str(message.sid)
            return None

        return await self._call(run())

    async def close(self) -> None:
        """Close this event loop's connections."""
        await self._clients.close()

    async def _call(self, work: Awaitable[T]) -> T:
        try:
            # Each request is bounded by the timeout; a listing may take a few requests.
            return await asyncio.wait_for(work, 2 * self._clients.timeout_s)
        except TwilioRestException as error:
            raise SendError(str(error.msg), status=error.status, code=error.code) from error
        except (TwilioException, aiohttp.ClientError, OSError, TimeoutError) as error:
            raise SendError(f"Twilio unreachable: {error!r}") from error
