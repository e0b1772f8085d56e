"""TwiML the runtime answers with, built by the twilio SDK, in the tenant's language."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, Final

import phonenumbers
from phonenumbers import PhoneNumberType
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Start, VoiceResponse

__all__ = [
    "CALLER_LABEL",
    "PERSON_LABEL",
    "RING_TIMEOUT_S",
    "SPEECH_MODEL",
    "TRANSCRIPTION_ENGINE",
    "VOICES",
    "conference_name",
    "conference_twiml",
    "connect_twiml",
    "dial_target",
    "fallback_notice_twiml",
    "hangup_twiml",
    "hosted_fallback_twiml",
    "message_twiml",
    "outbound_twiml",
    "reject_twiml",
    "say_consent_notice",
    "secure_sip_uri",
    "transcription_options",
    "unavailable_twiml",
    "voicemail_twiml",
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


# Told to the caller before the transcription starts where every party must consent
# (runtime/telephony/consent.py): what is done, by whom, why, and how they consent.
_CONSENT_NOTICE = {
    "fr": (
        "Cet appel est filtré par Ethiq contre la fraude : vos paroles sont transcrites "
        "pendant l'appel. En restant en ligne, vous y consentez."
    ),
    "en": (
        "This call is screened by Ethiq against fraud: what you say is transcribed during "
        "the call. By staying on the line, you agree."
    ),
}

_VOICEMAIL = {
    "fr": "La personne que vous appelez n'est pas disponible. Laissez un message après le bip.",
    "en": "The person you are calling is not available. Please leave a message after the beep.",
}

# Explicit voices: the default man/woman voice is documented only for en, en-gb, es, fr and de,
# and an invalid voice/language pair may fail the <Say>.
# https://www.twilio.com/docs/voice/twiml/say/text-speech
VOICES: Final = {
    "fr": ("fr-CA", "Polly.Gabrielle-Neural"),
    "en": ("en-US", "Polly.Joanna-Neural"),
}
# Pinned speech recognition: Google's telephony model knows fr-CA and en-US; a change is a
# reviewed change, not a default Twilio may move. https://www.twilio.com/docs/voice/twiml/transcription
TRANSCRIPTION_ENGINE: Final = "google"
SPEECH_MODEL: Final = "telephony"
# How long the person's app may ring before the caller goes to voicemail (Twilio adds ~5 s).
RING_TIMEOUT_S: Final = 25
VOICEMAIL_MAX_S: Final = 120
PERSON_LABEL: Final = "person"
CALLER_LABEL: Final = "caller"


def _lang(language: str) -> str:
    return "fr" if language.lower().startswith("fr") else "en"


def _say(response: VoiceResponse, text: dict[str, str], language: str) -> None:
    locale, voice = VOICES[_lang(language)]
    response.say(text[_lang(language)], voice=voice, language=locale)


def conference_name(call_sid: str) -> str:
    """One conference per inbound call, named after the caller's call sid."""
    return f"ethiq-{call_sid}"


def secure_sip_uri(address: str) -> str:
    """The person's SIP URI with ``;secure=true``: the SIP domain's ``secure`` flag only covers
    calls *into* the domain; Twilio → the app needs the URI parameter (TLS + SRTP).
    https://www.twilio.com/docs/voice/api/secure-media"""
    uri = address if address.startswith(("sip:", "sips:")) else f"sip:{address}"
    params = uri.split(";")[1:]
    return uri if "secure=true" in params else f"{uri};secure=true"


def say_consent_notice(response: VoiceResponse, language: str) -> None:
    """The consent notice, in the tenant's language first, then the other one, each with its
    own explicit voice (callers of a Quebec number may speak either)."""
    first = _lang(language)
    for lang in (first, "en" if first == "fr" else "fr"):
        locale, voice = VOICES[lang]
        response.say(_CONSENT_NOTICE[lang], voice=voice, language=locale)


def _transcription(
    response: VoiceResponse, url: str, language: str, *, notice: bool = False
) -> None:
    """``<Start><Transcription>``; with ``notice``, the consent notice comes first: TwiML verbs
    run in order, and ``<Start>`` only begins the transcription when it is reached
    (https://www.twilio.com/docs/voice/twiml/transcription)."""
    if notice:
        say_consent_notice(response, language)
    start = Start()
    start.transcription(**transcription_options(url, language))
    response.append(start)


def transcription_options(url: str, language: str) -> dict[str, Any]:
    """How every call is transcribed: the ``<Transcription>`` attributes, which are also the
    REST API's parameters for starting one on a live call (the SDK names both alike).
    https://www.twilio.com/docs/voice/api/realtime-transcription-resource"""
    return {
        "status_callback_url": url,
        "language_code": language,
        "track": "both_tracks",
        "partial_results": False,
        "transcription_engine": TRANSCRIPTION_ENGINE,
        "speech_model": SPEECH_MODEL,
    }


def conference_twiml(
    *,
    call_sid: str,
    language: str,
    transcription_url: str | None,
    dial_action_url: str,
    consent_notice: bool = False,
) -> str:
    """Transcribe the call, put the caller in the call's own conference (``consent_notice``:
    the caller is told first, see :func:`_transcription`).

    The person joins it as a participant the runtime creates (labelled ``person``), so that a
    warning can later be announced to the person's participant only: updating the call itself
    would end its ``<Dial>`` and hang up the person (Twilio's Conference Participant resource,
    ``announceUrl``: https://www.twilio.com/docs/voice/api/conference-participant-resource).
    The caller never starts the conference: until the person answers they hear ringing music,
    and when they hang up the conference ends.
    """
    response = VoiceResponse()
    if transcription_url:
        _transcription(response, transcription_url, language, notice=consent_notice)
    dial = Dial(action=dial_action_url, method="POST")
    dial.conference(
        conference_name(call_sid),
        start_conference_on_enter=False,
        end_conference_on_exit=True,
        beep="false",
        participant_label=CALLER_LABEL,
    )
    response.append(dial)
    return str(response)


def connect_twiml(
    *,
    sip_address: str,
    caller_id: str | None,
    language: str,
    transcription_url: str | None,
    dial_action_url: str | None = None,
    whisper_url: str | None = None,
    consent_notice: bool = False,
) -> str:
    """Ring the SIP app directly (``<Dial><Sip>``): the fallback and the degraded path, when no
    conference can be set up. ``timeout`` + ``action``: an unanswered call goes to voicemail
    instead of ending (``DialCallStatus`` arrives on ``action``). With ``whisper_url``, Twilio
    plays that document on the person's leg before bridging (the caller does not hear it)."""
    response = VoiceResponse()
    if transcription_url:
        _transcription(response, transcription_url, language, notice=consent_notice)
    options: dict[str, Any] = {"timeout": RING_TIMEOUT_S}
    if caller_id:
        options["caller_id"] = caller_id
    if dial_action_url:
        options |= {"action": dial_action_url, "method": "POST"}
    dial = Dial(**options)
    if whisper_url:
        dial.sip(secure_sip_uri(sip_address), url=whisper_url, method="POST")
    else:
        dial.sip(secure_sip_uri(sip_address))
    response.append(dial)
    return str(response)


def whisper_twiml(kind: str, language: str) -> str:
    """The warning itself, for the person's leg only (``kind``: pre or live): announced to the
    person's participant, or whispered before the bridge. Only <Say> (announcements may hold
    <Play>, <Say>, <Pause>, <Redirect>)."""
    text = _LIVE_WARNING if kind == "live" else _PREANSWER_WARNING
    response = VoiceResponse()
    _say(response, text, language)
    return str(response)


def voicemail_twiml(
    language: str,
    record_action_url: str,
    transcription_url: str | None = None,
    *,
    consent_notice: bool = False,
) -> str:
    """The person did not answer: the caller may leave a message. Real-time transcription,
    started by <Start> for the whole call, keeps running during <Record>, so a voicemail is
    screened like a conversation (and alerts like one). ``transcription_url``: start it here
    (the caller goes to voicemail at once, e.g. during the person's quiet hours)."""
    response = VoiceResponse()
    if transcription_url:
        _transcription(response, transcription_url, language, notice=consent_notice)
    _say(response, _VOICEMAIL, language)
    response.record(
        action=record_action_url,
        method="POST",
        max_length=VOICEMAIL_MAX_S,
        timeout=5,
        play_beep=True,
    )
    return str(response)


def hangup_twiml() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def reject_twiml(language: str = "fr-CA", *, say: bool = True) -> str:
    """Unknown number (a polite word first) or blocked caller (plain reject)."""
    response = VoiceResponse()
    if say:
        _say(response, _UNKNOWN, language)
        response.hangup()
    else:
        response.reject(reason="rejected")
    return str(response)


def busy_twiml() -> str:
    """A busy tone: Twilio does not answer the call, so the caller is not billed for it
    (https://www.twilio.com/docs/voice/twiml/reject)."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


def unavailable_twiml(language: str = "fr-CA") -> str:
    """Nothing is known about the called number and the registry is down."""
    response = VoiceResponse()
    _say(response, _UNAVAILABLE, language)
    response.hangup()
    return str(response)


_SCREENING_DOWN = {
    "fr": "Ethiq ne peut pas filtrer cet appel pour le moment. Soyez prudent.",
    "en": "Ethiq cannot screen this call right now. Be careful.",
}


def hosted_fallback_twiml(sip_address: str, notice_url: str) -> str:
    """The Twilio-hosted fallback (a static document, so no ``callerId``: Twilio then shows the
    caller's number, and no ``action``: the runtime may be down): ring the person's SIP app,
    TLS + SRTP, and before the bridge play ``notice_url`` to them only (``<Sip url>``, fetched
    with GET as static assets are served)."""
    response = VoiceResponse()
    dial = Dial(timeout=RING_TIMEOUT_S)
    dial.sip(secure_sip_uri(sip_address), url=notice_url, method="GET")
    response.append(dial)
    return str(response)


def fallback_notice_twiml(language: str) -> str:
    """Whispered to the person by the hosted fallback: this call is not screened."""
    response = VoiceResponse()
    _say(response, _SCREENING_DOWN, language)
    return str(response)


_REFUSED = {
    "fr": "Ce numéro ne peut pas être appelé depuis votre ligne Ethiq. Au revoir.",
    "en": "This number cannot be called from your Ethiq line. Goodbye.",
}
EMERGENCY: Final = "911"
# 933: Twilio's emergency address test number (US), which reads back the address registered
# for the caller ID without reaching a dispatcher:
# https://www.twilio.com/docs/voice/tutorials/emergency-calling-for-programmable-voice
EMERGENCY_NUMBERS: Final = frozenset({EMERGENCY, "933"})
HOME_REGIONS: Final = frozenset({"CA", "US"})


def dial_target(dialled: str, *, countries: Collection[str] = ()) -> str | None:
    """What the person dialled, as Twilio must dial it: ``911`` (``933``), or an E.164 number.

    NANP numbers are accepted as people dial them (``5145550123``, ``15145550123``,
    ``1-800-…``, ``+1…``) and normalised with ``phonenumbers``; premium-rate numbers are
    refused, and so are numbers outside Canada and the US (including NANP ones such as +1 876,
    where "one ring" callback scams live) unless their country is one of the tenant's
    ``countries`` (``ethiq:callCountries``). Twilio's Voice Geographic Permissions of the
    account still apply on top (https://www.twilio.com/docs/voice/geographic-permissions).
    """
    digits = re.sub(r"[\s().-]", "", dialled)
    if digits in EMERGENCY_NUMBERS:
        return digits  # whatever the tenant's countries: emergency calls always go out
    try:
        number = phonenumbers.parse(digits, "CA")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    kind = phonenumbers.number_type(number)
    if kind in {PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST}:
        return None
    region = phonenumbers.region_code_for_number(number)
    if region not in HOME_REGIONS and region not in countries:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def outbound_twiml(
    to: str, caller_id: str, language: str, *, countries: Collection[str] = ()
) -> str:
    """A call from the person's SIP app: dial the number they called, from their Ethiq number.

    911 (and 933) go out like any number, with the tenant's number as caller ID: Twilio routes
    them as emergency calls when the SIP domain has emergency calling enabled and that number
    has a registered emergency address, which gives the dispatcher the person's address
    (https://www.twilio.com/docs/voice/sip/api/emergency-calling-api).
    """
    user = to.removeprefix("sips:").removeprefix("sip:").split("@", 1)[0].split(";", 1)[0]
    target = dial_target(user, countries=countries)
    response = VoiceResponse()
    if target is None:
        _say(response, _REFUSED, language)
        response.hangup()
        return str(response)
    dial = Dial(caller_id=caller_id)
    dial.number(target)
    response.append(dial)
    return str(response)


def message_twiml(body: str | None) -> str:
    """An SMS reply (or an empty response: no reply)."""
    response = MessagingResponse()
    if body:
        response.message(body)
    return str(response)
