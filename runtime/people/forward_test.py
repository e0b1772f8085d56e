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

The app test (onboarding step ``sip_app_configured``) is the same kind of call, placed to the
person's SIP address with ``;secure=true``: answered in the app, Twilio's final status is
``completed``; an app offline (no registration), refusing the encrypted media or not picked up
ends ``failed``, ``busy`` or ``no-answer``, and the page says what to check.

The end-to-end test (step ``test_call_passed``) is a forwarding test whose arrival rings the
app instead of hanging up: ``<Dial action><Sip>`` to the person's SIP address only, so it still
cannot loop (an app forwards nothing). The person answers in the app and hears the test call's
own words: the call went their number → forwarding → the Ethiq number → the app. ``<Dial
action>`` reports ``DialCallStatus`` (``completed`` once the app answered).
"""

from __future__ import annotations

import asyncio
from typing import Final, Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.twiml.voice_response import VoiceResponse

from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.telephony.twiml import VOICES, secure_sip_uri
from runtime.tenants import TenantRecord

__all__ = [
    "APP",
    "END_TO_END",
    "FORWARDING",
    "FORWARD_TEST_TIMEOUT_S",
    "ForwardingCaller",
    "TestCallError",
    "TwilioForwardingCaller",
    "app_twiml",
    "arrival_twiml",
    "end_to_end_arrival_twiml",
    "end_to_end_twiml",
    "outbound_twiml",
]

# The kinds of test call (``forwarding_test.kind``): to the person's own number, to their app.
FORWARDING: Final = "forwarding"
APP: Final = "app"
END_TO_END: Final = "end-to-end"

# Long enough for "forward when unanswered": carriers ring the phone 20-30 s before forwarding.
FORWARD_TEST_TIMEOUT_S: Final = 60

_OUTBOUND = {
    "fr": "Ceci est l'appel d'essai d'Ethiq. Si vous entendez ce message, vos appels ne sont pas "
    "encore renvoyés vers Ethiq. Vous pouvez raccrocher.",
    "en": "This is Ethiq's test call. If you hear this message, your calls are not forwarded to "
    "Ethiq yet. You can hang up.",
}
# The app test: Twilio calls the person's registered SIP endpoint through the REST API like any
# number (https://www.twilio.com/docs/voice/tutorials/how-to-route-calls-to-your-sip-network);
# whoever answers in the app hears this.
_APP = {
    "fr": "Ceci est l'appel d'essai d'Ethiq. Votre application est bien configurée : c'est ici "
    "que vos appels sonneront. Vous pouvez raccrocher.",
    "en": "This is Ethiq's test call. Your app is set up: this is where your calls will ring. "
    "You can hang up.",
}
# The end-to-end test's own words, heard in the app once the forwarded call rings there: said
# again over a minute, so the call stays up while the app rings (Twilio ends a call whose
# TwiML ends, and with it the forwarded leg).
_END_TO_END = {
    "fr": "Ceci est l'appel d'essai complet d'Ethiq. Il est passé par votre numéro, le renvoi "
    "et votre numéro Ethiq : votre protection fonctionne. Vous pouvez raccrocher.",
    "en": "This is Ethiq's full test call. It went through your number, call forwarding and "
    "your Ethiq number: your protection works. You can hang up.",
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


def app_twiml(language: str) -> str:
    """What the person hears on answering the test call in their SIP app."""
    return _twiml(_APP, language)


def end_to_end_twiml(language: str) -> str:
    """The end-to-end test call's own TwiML: its words, repeated for a minute, then hang up."""
    lang = "fr" if language.lower().startswith("fr") else "en"
    locale, voice = VOICES[lang]
    response = VoiceResponse()
    for _ in range(4):
        response.say(_END_TO_END[lang], voice=voice, language=locale)
        response.pause(length=10)
    response.hangup()
    return str(response)


def end_to_end_arrival_twiml(sip_address: str, action_url: str) -> str:
    """The Ethiq number's answer to the end-to-end test coming back: ring the person's app."""
    response = VoiceResponse()
    dial = response.dial(timeout=30, action=action_url, method="POST")
    dial.sip(secure_sip_uri(sip_address))
    return str(response)


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
