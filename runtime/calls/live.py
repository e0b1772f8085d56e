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
from collections.abc import Awaitable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from runtime.telephony.async_clients import AsyncClients
from runtime.telephony.twilio_api import DEFAULT_TIMEOUT_S, TwilioCredentials
from runtime.tenants import TenantRecord

if TYPE_CHECKING:
    from twilio.rest import Client

__all__ = ["CallUpdater", "NoConference", "TwilioCallUpdater"]

T = TypeVar("T")


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

    def __init__(
        self, credentials: TwilioCredentials, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self._clients = AsyncClients(credentials, timeout_s)

    def _client(self, tenant: TenantRecord) -> Client:
        return self._clients.client(tenant.subaccount_sid)

    async def _run(self, work: Awaitable[T]) -> T:
        async with asyncio.timeout(self._clients.timeout_s):
            return await work

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
        await self._clients.close()
