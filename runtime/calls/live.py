"""Acting on live calls through Twilio's REST API, in the tenant's subaccount.

Each action the way Twilio documents it: ring the person into the call's conference
(a participant labelled ``person``), announce a warning to that participant only (the caller
hears nothing and the call goes on), replace a call's TwiML (only for a caller who is
alone, e.g. sent to voicemail: on a bridged call it would hang up the other leg), read a call's
status, and start a real-time transcription on a live call without touching its TwiML.
https://www.twilio.com/docs/voice/api/conference-participant-resource
https://www.twilio.com/docs/voice/api/realtime-transcription-resource
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Final, Protocol, TypeVar

from twilio.http import AsyncHttpClient
from twilio.rest import Client

from runtime.telephony.twilio_api import TwilioCredentials, make_async_http_client, make_client
from runtime.tenants import TenantRecord

__all__ = ["CallUpdater", "NoConference", "TwilioCallUpdater"]

T = TypeVar("T")
CLIENTS: Final = 1024  # SDK clients kept (one per subaccount; a few objects each)


class NoConference(LookupError):
    """The call's conference is not (or no longer) in progress."""


class CallUpdater(Protocol):
    async def update(self, tenant: TenantRecord, call_sid: str, twiml: str) -> None:
        """Replace the live call's TwiML."""
        ...

    async def add_participant(
        self,
        tenant: TenantRecord,
        conference: str,
        *,
        to: str,
        from_: str,
        label: str,
        timeout_s: int,
        status_callback: str,
        events: Sequence[str],
    ) -> str:
        """Dial ``to`` into the conference named ``conference``; the new leg's call sid."""
        ...

    async def announce(self, tenant: TenantRecord, conference: str, label: str, url: str) -> None:
        """Play the TwiML at ``url`` to the participant ``label`` of conference ``conference``."""
        ...

    async def call_status(self, tenant: TenantRecord, call_sid: str) -> str:
        """The call's status as Twilio has it now (``in-progress``, ``completed``, …)."""
        ...

    async def start_transcription(
        self, tenant: TenantRecord, call_sid: str, options: Mapping[str, Any]
    ) -> str:
        """Start a real-time transcription of the live call (``options``: the SDK's
        parameters); its sid."""
        ...


class TwilioCallUpdater:
    """Twilio's REST API through the SDK's asynchronous methods, on one HTTP connection pool
    per event loop (kept alive between calls): the voice webhook rings the person in on every
    call, so a thread and a new TLS connection per request would cost more than screening."""

    def __init__(self, credentials: TwilioCredentials, timeout_s: float = 5.0) -> None:
        self._credentials = credentials
        self._timeout_s = timeout_s
        self._http: dict[asyncio.AbstractEventLoop, AsyncHttpClient] = {}
        self._clients: OrderedDict[tuple[asyncio.AbstractEventLoop, str], Client] = OrderedDict()

    def _client(self, tenant: TenantRecord) -> Client:
        loop = asyncio.get_running_loop()
        key = (loop, tenant.subaccount_sid)
        client = self._clients.get(key)
        if client is None:
            http = self._http.get(loop)
            if http is None:
                http = self._http[loop] = make_async_http_client(self._credentials)
            client = self._clients[key] = make_client(
                self._credentials, account_sid=tenant.subaccount_sid, http_client=http
            )
            if len(self._clients) > CLIENTS:
                self._clients.popitem(last=False)
        else:
            self._clients.move_to_end(key)
        return client

    async def _run(self, work: Awaitable[T]) -> T:
        return await asyncio.wait_for(work, self._timeout_s)

    async def update(self, tenant: TenantRecord, call_sid: str, twiml: str) -> None:
        await self._run(self._client(tenant).calls(call_sid).update_async(twiml=twiml))

    async def add_participant(
        self,
        tenant: TenantRecord,
        conference: str,
        *,
        to: str,
        from_: str,
        label: str,
        timeout_s: int,
        status_callback: str,
        events: Sequence[str],
    ) -> str:
        # A friendly name in the path creates the conference if it does not exist yet.
        participant = await self._run(
            self._client(tenant)
            .conferences(conference)
            .participants.create_async(
                from_=from_,
                to=to,
                label=label,
                timeout=timeout_s,
                status_callback=status_callback,
                status_callback_method="POST",
                status_callback_event=list(events),
                start_conference_on_enter=True,
                end_conference_on_exit=False,
                beep="false",
                early_media=True,
            )
        )
        return str(participant.call_sid)

    async def announce(self, tenant: TenantRecord, conference: str, label: str, url: str) -> None:
        async def run() -> None:
            client = self._client(tenant)
            # Participant updates need the conference's sid (CF…), not its friendly name.
            found = await client.conferences.list_async(
                friendly_name=conference, status="in-progress", limit=1
            )
            if not found:
                raise NoConference(conference)
            await (
                client.conferences(found[0].sid)
                .participants(label)
                .update_async(announce_url=url, announce_method="POST")
            )

        await self._run(run())

    async def call_status(self, tenant: TenantRecord, call_sid: str) -> str:
        call = await self._run(self._client(tenant).calls(call_sid).fetch_async())
        return str(call.status)

    async def start_transcription(
        self, tenant: TenantRecord, call_sid: str, options: Mapping[str, Any]
    ) -> str:
        transcription = await self._run(
            self._client(tenant).calls(call_sid).transcriptions.create_async(**options)
        )
        return str(transcription.sid)

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
