"""Where Twilio reaches the runtime: the one list of webhook paths, shared by the tenant program
(which points numbers and SIP domains at them) and the runtime (which serves them)."""

from __future__ import annotations

from typing import Final

__all__ = [
    "CALL_STATUS",
    "DIAL_STATUS",
    "FORWARD_TEST_STATUS",
    "PARTICIPANT_STATUS",
    "SIP_OUTBOUND",
    "SMS",
    "SMS_STATUS",
    "TRANSCRIPTION",
    "TWILIO_PATHS",
    "TWILIO_PREFIX",
    "USAGE",
    "VOICE",
    "VOICEMAIL",
    "VOICE_FALLBACK",
    "WHISPER",
    "webhook_urls",
]

TWILIO_PREFIX: Final = "/twilio/"  # every webhook of Twilio's is under it
VOICE: Final = "/twilio/voice"
VOICE_FALLBACK: Final = "/twilio/voice/fallback"
CALL_STATUS: Final = "/twilio/call-status"
SMS: Final = "/twilio/sms"
SIP_OUTBOUND: Final = "/twilio/sip"
# Set by the runtime itself (in TwiML and message creation), with ``?tenant=<slug>``
# (a transcription the runtime restarted on a live call: ``&restart=<n>``, its n-th):
TRANSCRIPTION: Final = "/twilio/transcription"
SMS_STATUS: Final = "/twilio/sms-status"
# Played to the protected person only: announced to their conference participant, or on their
# leg before it is bridged (``<Sip url=...>``).
WHISPER: Final = "/twilio/whisper"
# ``<Dial action>``: how the dial ended (``DialCallStatus``); unanswered → voicemail.
DIAL_STATUS: Final = "/twilio/dial-status"
# Status callbacks of the person's conference participant (``&call=`` the caller's call sid).
PARTICIPANT_STATUS: Final = "/twilio/participant-status"
# ``<Record action>`` of a voicemail.
VOICEMAIL: Final = "/twilio/voicemail"
# Status callback of a forwarding test call (runtime.people.forward_test).
FORWARD_TEST_STATUS: Final = "/twilio/forward-test-status"
# A subaccount's spend Usage Trigger fired (``?tenant=<slug>&threshold=<percent>``).
USAGE: Final = "/twilio/usage"

TWILIO_PATHS: Final = (
    VOICE,
    VOICE_FALLBACK,
    CALL_STATUS,
    SMS,
    SIP_OUTBOUND,
    TRANSCRIPTION,
    SMS_STATUS,
    USAGE,
)


def webhook_urls(public_url: str) -> dict[str, str]:
    """The number's and SIP domain's webhook URLs on the runtime's public base URL."""
    base = public_url.rstrip("/")
    return {
        "voice_url": base + VOICE,
        "voice_fallback_url": base + VOICE_FALLBACK,
        "status_callback": base + CALL_STATUS,
        "sms_url": base + SMS,
        "sip_voice_url": base + SIP_OUTBOUND,
    }
