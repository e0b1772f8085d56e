"""Acting on live calls through Twilio's REST API, in the tenant's subaccount.

Three actions, each the way Twilio documents it: ring the person into the call's conference
(a participant labelled ``person``), announce a warning to that participant only (the caller
hears nothing and the call goes on), and replace a call's TwiML (only for a caller who is
alone, e.g. sent to voicemail: on a bridged call it would hang up the other leg).
https://www.twilio.com/docs/voice/api/conference-participant-resource
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from twilio.rest import Client

from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.tenants import TenantRecord

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


class TwilioCallUpdater:
    def __init__(self, credentials: TwilioCredentials, timeout_s: float = 5.0) -> None:
        self._credentials = credentials
        self._timeout_s = timeout_s

    def _client(self, tenant: TenantRecord) -> Client:
        return make_client(
            self._credentials, account_sid=tenant.subaccount_sid, timeout=self._timeout_s
        )

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.wait_for(asyncio.to_thread(work), self._timeout_s + 1.0)

    async def update(self, tenant: TenantRecord, call_sid: str, twiml: str) -> None:
        await self._run(lambda: self._client(tenant).calls(call_sid).update(twiml=twiml))

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
        def run() -> str:
            # A friendly name in the path creates the conference if it does not exist yet.
            participant = (
                self._client(tenant)
                .conferences(conference)
                .participants.create(
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

        return await self._run(run)

    async def announce(self, tenant: TenantRecord, conference: str, label: str, url: str) -> None:
        def run() -> None:
            client = self._client(tenant)
            # Participant updates need the conference's sid (CF…), not its friendly name.
            found = client.conferences.list(friendly_name=conference, status="in-progress", limit=1)
            if not found:
                raise NoConference(conference)
            client.conferences(found[0].sid).participants(label).update(
                announce_url=url, announce_method="POST"
            )

        await self._run(run)
