"""TwiML the runtime answers with, built by the twilio SDK, in the tenant's language."""

from __future__ import annotations

import re

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Start, VoiceResponse

__all__ = [
    "connect_twiml",
    "live_warning_twiml",
    "message_twiml",
    "outbound_twiml",
    "reject_twiml",
    "unavailable_twiml",
    "whisper_twiml",
]

_PREANSWER_WARNING = {
    "fr": (
        "Attention : Ethiq a repéré des signes de fraude dans cet appel. Ne donnez jamais "
        "d'argent, de code ou de mot de passe au téléphone. Nous vous mettons en communication."
    ),
    "en": (
        "Warning: Ethiq found signs of fraud in this call. Never give money, a code or a "
        "password over the phone. Connecting you now."
    ),
}
_LIVE_WARNING = {
    "fr": (
        "Attention : cet appel ressemble à une fraude. Ne donnez ni argent, ni code, ni "
        "renseignement personnel. Vous pouvez raccrocher."
    ),
    "en": (
        "Warning: this call looks like a scam. Do not give money, codes or personal "
        "information. You can hang up."
    ),
}
_UNKNOWN = {
    "fr": "Désolé, ce numéro n'est pas en service. Au revoir.",
    "en": "Sorry, this number is not in service. Goodbye.",
}
_UNAVAILABLE = {
    "fr": "Désolé, nous ne pouvons pas prendre votre appel pour le moment. Au revoir.",
    "en": "Sorry, we cannot take your call right now. Goodbye.",
}


def _lang(language: str) -> str:
    return "fr" if language.lower().startswith("fr") else "en"


def connect_twiml(
    *,
    sip_address: str,
    caller_id: str | None,
    language: str,
    transcription_url: str | None,
    whisper_url: str | None = None,
) -> str:
    """Start real-time transcription (when screening is up), ring the SIP app.

    With ``whisper_url``, Twilio fetches the warning from it and plays it on the person's leg
    before bridging: the person hears it, the caller does not.
    """
    response = VoiceResponse()
    if transcription_url:
        start = Start()
        start.transcription(
            status_callback_url=transcription_url,
            language_code=language,
            track="both_tracks",
            partial_results=False,
        )
        response.append(start)
    response.append(_dial(sip_address, caller_id, whisper_url))
    return str(response)


def live_warning_twiml(*, sip_address: str, caller_id: str | None, whisper_url: str) -> str:
    """What a live call update runs on the caller's leg: ring the SIP app again, with the
    warning whispered to the person when they answer (the caller hears ringing, not the
    warning). Twilio cannot speak into one side of a bridged ``<Dial>``; a conference could."""
    response = VoiceResponse()
    response.append(_dial(sip_address, caller_id, whisper_url))
    return str(response)


def whisper_twiml(kind: str, language: str) -> str:
    """The warning itself, fetched by Twilio for the person's leg (``kind``: pre or live)."""
    text = _LIVE_WARNING if kind == "live" else _PREANSWER_WARNING
    response = VoiceResponse()
    response.say(text[_lang(language)], language=language)
    return str(response)


def _dial(sip_address: str, caller_id: str | None, whisper_url: str | None) -> Dial:
    dial = Dial(caller_id=caller_id) if caller_id else Dial()
    if whisper_url:
        dial.sip(_sip_uri(sip_address), url=whisper_url, method="POST")
    else:
        dial.sip(_sip_uri(sip_address))
    return dial


def reject_twiml(language: str = "fr-CA", *, say: bool = True) -> str:
    """Unknown number (a polite word first) or blocked caller (plain reject)."""
    response = VoiceResponse()
    if say:
        response.say(_UNKNOWN[_lang(language)], language=language)
        response.hangup()
    else:
        response.reject(reason="rejected")
    return str(response)


def unavailable_twiml(language: str = "fr-CA") -> str:
    """Nothing is known about the called number and the registry is down."""
    response = VoiceResponse()
    response.say(_UNAVAILABLE[_lang(language)], language=language)
    response.hangup()
    return str(response)


def outbound_twiml(to: str, caller_id: str, language: str) -> str:
    """A call from the person's SIP app: dial the number they called, from their Ethiq number."""
    user = to.removeprefix("sips:").removeprefix("sip:").split("@", 1)[0].split(";", 1)[0]
    response = VoiceResponse()
    if re.fullmatch(r"\+[1-9][0-9]{1,14}", user):
        dial = Dial(caller_id=caller_id)
        dial.number(user)
        response.append(dial)
    else:
        response.say(_UNAVAILABLE[_lang(language)], language=language)
        response.hangup()
    return str(response)


def message_twiml(body: str | None) -> str:
    """An SMS reply (or an empty response: no reply)."""
    response = MessagingResponse()
    if body:
        response.message(body)
    return str(response)


def _sip_uri(address: str) -> str:
    return address if address.startswith(("sip:", "sips:")) else f"sip:{address}"
