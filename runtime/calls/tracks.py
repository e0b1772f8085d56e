"""The ONE place that says which transcription track is which speaker.

On an inbound call Twilio's ``inbound_track`` is the audio coming into Twilio from the caller,
``outbound_track`` the audio Twilio sends to the caller (our person's voice, once the SIP leg is
bridged). Twilio's documentation is ambiguous, so the caller's track is configurable
(``ETHIQ_CALLER_TRACK``); everything else follows from it.
"""

from __future__ import annotations

from runtime.screening.model import Speaker

__all__ = ["speaker_for"]


def speaker_for(track: str, caller_track: str = "inbound_track") -> Speaker:
    """``caller`` for the caller's track, ``callee`` (the protected person) for the other."""
    return "caller" if track == caller_track else "callee"
