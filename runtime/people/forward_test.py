"""The forwarding test call: proof that the person's own phone forwards to their Ethiq number.

The platform calls the person's own number through Twilio (the tenant's subaccount). If the
phone forwards, the carrier sends the call on to the Ethiq number and Twilio requests its voice
URL: that arrival proves forwarding works (the onboarding step ``forwarding_verified``). If it
does not come back, Twilio's status callback of the test call says how it ended, and the page
says what to check: ``completed`` (someone answered the phone: forwarding is off, or only for
unanswered calls and the person picked up), ``no-answer`` (it rang out: forwarding is off),
``busy``, ``failed`` (the number cannot be called).

``ForwardedFrom`` is set by the forwarding carrier and not all carriers pass it
(https://www.twilio.com/docs/voice/twiml#request-parameters): when present it must be the
person's number; when missing the arrival still proves forwarding, since only the person's phone
was called.

Caller ID, chosen so the test cannot loop: the call comes *from the Ethiq number itself*. A
number we own (Twilio refuses any other caller ID, 21210), and one no real caller has, so the
voice webhook recognises the arrival (``From`` = ``To``, a test under way) before any screening
and answers it with words and ``<Hangup>``: the arrival never dials anyone (the person's app,
their number), and the test call's own TwiML never dials either. Whatever forwards to whatever,
no new call is ever created, so nothing can ring back and forth. (Calling from the person's own
number would be spoofing it: carriers send such calls to voicemail and STIR/SHAKEN fails.)
"""

from __future__ import annotations

import asyncio
from typing import Final, Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.twiml.voice_response import VoiceResponse

from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.telephony.twiml import VOICES
from runtime.tenants import TenantRecord

__all__ = [
    "FORWARD_TEST_TIMEOUT_S",
    "ForwardingCaller",
    "TestCallError",
    "TwilioForwardingCaller",
    "arrival_twiml",
    "outbound_twiml",
]

# Long enough for "forward when unanswered": carriers ring the phone 20-30 s before forwarding.
FORWARD_TEST_TIMEOUT_S: Final = 60

_OUTBOUND = {
    "fr": "Ceci est l'appel d'essai d'Ethiq. Si vous entendez ce message, vos appels ne sont pas "
    "encore renvoyés vers Ethiq. Vous pouvez raccrocher.",
    "en": "This is Ethiq's test call. If you hear this message, your calls are not forwarded to "
    "Ethiq yet. You can hang up.",
}
_ARRIVAL = {
    "fr": "Appel d'essai Ethiq reçu : le renvoi fonctionne. Au revoir.",
    "en": "Ethiq test call received: forwarding works. Goodbye.",
}


class TestCallError(Exception):
    """Twilio refused to place the test call (or did not answer)."""


def _twiml(text: dict[str, str], language: str) -> str:
    lang = "fr" if language.lower().startswith("fr") else "en"
    locale, voice = VOICES[lang]
    response = VoiceResponse()
    response.say(text[lang], voice=voice, language=locale)
    response.hangup()
    return str(response)


def outbound_twiml(language: str) -> str:
    """What the test call says to whoever answers the person's phone (not forwarded)."""
    return _twiml(_OUTBOUND, language)


def arrival_twiml(language: str) -> str:
    """The Ethiq number's answer to the test call coming back: words, then hang up."""
    return _twiml(_ARRIVAL, language)


class ForwardingCaller(Protocol):
    async def call(self, tenant: TenantRecord, to: str, twiml: str, status_callback: str) -> str:
        """Place the test call from the tenant's number; its call sid."""
        ...


class TwilioForwardingCaller:
    def __init__(self, credentials: TwilioCredentials, timeout_s: float = 10.0) -> None:
        self._credentials = credentials
        self._timeout_s = timeout_s

    async def call(self, tenant: TenantRecord, to: str, twiml: str, status_callback: str) -> str:
        def run() -> str:
            client = make_client(
                self._credentials, account_sid=tenant.subaccount_sid, timeout=self._timeout_s
            )
            call = client.calls.create(
                to=to,
                from_=tenant.phone_number,
                twiml=twiml,
                timeout=FORWARD_TEST_TIMEOUT_S,
                status_callback=status_callback,  # "completed" only, Twilio's default event
            )
            return str(call.sid)

        try:
            return await asyncio.wait_for(asyncio.to_thread(run), self._timeout_s + 2.0)
        except TwilioRestException as error:
            message = f"Twilio refused the test call: {error.code} {error.msg}"
            raise TestCallError(message) from error
        except (TwilioException, OSError, TimeoutError) as error:
            raise TestCallError(f"Twilio unreachable: {error!r}") from error
