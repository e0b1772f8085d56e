"""TwiML as Twilio documents it: verbs, nouns, attributes and the values Twilio accepts.

The sandbox parses every TwiML document the runtime answers (voice webhook, ``<Dial>``
action, announcement, ``<Record>`` action …) and checks it against this table; each problem
becomes a contract violation, so tests fail on TwiML real Twilio would refuse. Sources:
https://www.twilio.com/docs/voice/twiml (one page per verb and noun),
https://www.twilio.com/docs/voice/twiml/say/text-speech (voices and their languages).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ANNOUNCE_VERBS",
    "TwimlProblem",
    "check_twiml",
    "parse_twiml",
    "say_voice_problem",
    "transcription_problem",
]

_CALLBACK = ("statusCallback", "statusCallbackMethod", "statusCallbackEvent")
_AMD = (
    "machineDetection",
    "machineDetectionTimeout",
    "machineDetectionSpeechThreshold",
    "machineDetectionSpeechEndThreshold",
    "machineDetectionSilenceTimeout",
    "amdStatusCallback",
    "amdStatusCallbackMethod",
)
_RECORDING = (
    "recordingStatusCallback",
    "recordingStatusCallbackMethod",
    "recordingStatusCallbackEvent",
)
_SSML = frozenset(
    {"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
)

# element → (allowed attributes, allowed children); "#text" allows text content.
_SCHEMA: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "Response": (frozenset(), frozenset()),  # children: the verbs, below
    "Say": (frozenset({"voice", "language", "loop"}), _SSML | {"#text"}),
    "Play": (frozenset({"loop", "digits"}), frozenset({"#text"})),
    "Pause": (frozenset({"length"}), frozenset()),
    "Hangup": (frozenset(), frozenset()),
    "Reject": (frozenset({"reason"}), frozenset()),
    "Redirect": (frozenset({"method"}), frozenset({"#text"})),
    "Record": (
        frozenset(
            {
                "action",
                "method",
                "timeout",
                "finishOnKey",
                "maxLength",
                "playBeep",
                "trim",
                "transcribe",
                "transcribeCallback",
                *_RECORDING,
            }
        ),
        frozenset(),
    ),
    "Dial": (
        frozenset(
            {
                "action",
                "method",
                "timeout",
                "hangupOnStar",
                "timeLimit",
                "callerId",
                "record",
                "trim",
                "answerOnBridge",
                "ringTone",
                "recordingTrack",
                "sequential",
                "referUrl",
                "referMethod",
                *_RECORDING,
            }
        ),
        frozenset({"Number", "Sip", "Client", "Conference", "Queue", "Sim", "#text"}),
    ),
    "Number": (
        frozenset({"sendDigits", "url", "method", "byoc", *_CALLBACK, *_AMD}),
        frozenset({"#text"}),
    ),
    "Sip": (
        frozenset({"username", "password", "url", "method", *_CALLBACK, *_AMD}),
        frozenset({"#text"}),
    ),
    "Conference": (
        frozenset(
            {
                "muted",
                "beep",
                "startConferenceOnEnter",
                "endConferenceOnExit",
                "waitUrl",
                "waitMethod",
                "maxParticipants",
                "record",
                "region",
                "coach",
                "trim",
                "eventCallbackUrl",
                "jitterBufferSize",
                "participantLabel",
                *_CALLBACK,
                *_RECORDING,
            }
        ),
        frozenset({"#text"}),
    ),
    "Start": (frozenset({"action", "method"}), frozenset({"Stream", "Siprec", "Transcription"})),
    "Stop": (frozenset(), frozenset({"Stream", "Siprec", "Transcription"})),
    "Transcription": (
        frozenset(
            {
                "name",
                "track",
                "statusCallbackUrl",
                "statusCallbackMethod",
                "inboundTrackLabel",
                "outboundTrackLabel",
                "partialResults",
                "languageCode",
                "transcriptionEngine",
                "speechModel",
                "profanityFilter",
                "hints",
                "enableAutomaticPunctuation",
                "intelligenceService",
            }
        ),
        frozenset({"Config", "Parameter"}),
    ),
    "Stream": (
        frozenset({"url", "name", "track", "statusCallback", "statusCallbackMethod"}),
        frozenset({"Parameter"}),
    ),
}
VERBS: Final = frozenset(
    {"Say", "Play", "Pause", "Hangup", "Reject", "Redirect", "Record", "Dial", "Start", "Stop"}
)
# What an announcement (participant ``announceUrl``, conference ``waitUrl``) may contain.
ANNOUNCE_VERBS: Final = frozenset({"Play", "Say", "Pause", "Redirect"})

_ENUMS: Final[dict[tuple[str, str], frozenset[str]]] = {
    ("Reject", "reason"): frozenset({"rejected", "busy"}),
    ("Transcription", "track"): frozenset({"inbound_track", "outbound_track", "both_tracks"}),
    ("Transcription", "transcriptionEngine"): frozenset({"google", "deepgram"}),
    ("Conference", "beep"): frozenset({"true", "false", "onEnter", "onExit"}),
    ("Dial", "record"): frozenset(
        {"do-not-record", "record-from-answer", "record-from-ringing"}
        | {"record-from-answer-dual", "record-from-ringing-dual"}
    ),
}
_BOOLEANS: Final = frozenset(
    {
        ("Conference", "startConferenceOnEnter"),
        ("Conference", "endConferenceOnExit"),
        ("Conference", "muted"),
        ("Dial", "answerOnBridge"),
        ("Dial", "hangupOnStar"),
        ("Record", "playBeep"),
        ("Record", "transcribe"),
        ("Transcription", "partialResults"),
        ("Transcription", "profanityFilter"),
        ("Transcription", "enableAutomaticPunctuation"),
    }
)
_METHODS: Final = frozenset({"GET", "POST"})
# (element, attribute) → inclusive range Twilio documents.
_RANGES: Final[dict[tuple[str, str], tuple[int, int]]] = {
    ("Dial", "timeout"): (5, 600),
    ("Dial", "timeLimit"): (1, 14400),
    ("Record", "timeout"): (0, 3600),
    ("Record", "maxLength"): (1, 14400),
    ("Pause", "length"): (0, 3600),
}

# The legacy voices are documented only for these languages.
_MAN_WOMAN: Final = frozenset({"en", "en-gb", "en-us", "es", "fr", "de"})
# Amazon Polly voices Twilio offers, by locale (Standard and Neural), for the locales we use.
_POLLY: Final[dict[str, frozenset[str]]] = {
    "fr-CA": frozenset({"Chantal", "Gabrielle", "Liam"}),
    "fr-FR": frozenset({"Celine", "Léa", "Lea", "Mathieu", "Remi"}),
    "en-US": frozenset(
        {"Ivy", "Joanna", "Joey", "Justin", "Kendra", "Kevin", "Kimberly", "Matthew"}
        | {"Salli", "Ruth", "Stephen", "Danielle", "Gregory"}
    ),
    "en-GB": frozenset({"Amy", "Brian", "Emma", "Arthur"}),
}
_POLLY_NEURAL_ONLY: Final = frozenset({"Gabrielle", "Liam", "Kevin", "Ruth", "Stephen"})
_GOOGLE = re.compile(
    r"^Google\.(?P<locale>[a-z]{2,3}-[A-Z]{2})-(Standard|Wavenet|Neural2|Chirp3-HD|Chirp-HD|Journey|Studio)-[A-Za-z]+$"
)
_POLLY_VOICE = re.compile(r"^Polly\.(?P<name>[^-]+)(?P<neural>-Neural|-Generative)?$")


# Real-time transcription: languages per (engine, speech model), for the locales the sandbox
# knows; defaults are Google and its telephony model. https://www.twilio.com/docs/voice/twiml/transcription
TRANSCRIPTION_DEFAULTS: Final = ("google", "telephony")
TRANSCRIPTION_LANGUAGES: Final[dict[tuple[str, str], frozenset[str]]] = {
    ("google", "telephony"): frozenset({"en-US", "en-CA", "en-GB", "fr-CA", "fr-FR", "es-US"}),
    ("google", "long"): frozenset({"en-US", "en-CA", "en-GB", "fr-CA", "fr-FR", "es-US"}),
    ("google", "short"): frozenset({"en-US", "en-CA", "en-GB", "fr-CA", "fr-FR", "es-US"}),
    ("deepgram", "nova-2"): frozenset({"en-US", "en-CA", "en-GB", "fr-CA", "fr-FR", "es"}),
    ("deepgram", "nova-3"): frozenset({"en-US", "en-CA", "en-GB", "en"}),
}


def transcription_problem(attributes: dict[str, str]) -> str | None:
    """Why Twilio would answer this ``<Transcription>`` with a ``transcription-error``."""
    engine = attributes.get("transcriptionEngine", TRANSCRIPTION_DEFAULTS[0])
    model = attributes.get(
        "speechModel", TRANSCRIPTION_DEFAULTS[1] if engine == "google" else "nova-2"
    )
    language = attributes.get("languageCode", "en-US")
    languages = TRANSCRIPTION_LANGUAGES.get((engine, model))
    if languages is None:
        return f"speech model {model!r} is not available for engine {engine!r}"
    if language not in languages:
        return f"language {language} is not supported by {engine} {model}"
    return None


@dataclass(frozen=True, slots=True)
class TwimlProblem:
    """One thing Twilio would refuse, with Twilio's error code (12100 parse, 12200 schema)."""

    code: int
    message: str


def parse_twiml(text: str) -> ET.Element | None:
    try:
        return ET.fromstring(text)  # noqa: S314 - the sandbox parses what the app under test sent
    except ET.ParseError:
        return None


def _polly_problem(voice: str, match: re.Match[str], language: str | None) -> str | None:
    name = match["name"]
    locale = next((loc for loc, names in _POLLY.items() if name in names), None)
    if locale is None:
        return f"unknown Polly voice {voice}"
    if language and language != locale:
        return f"{voice} speaks {locale}, not {language}"
    if name in _POLLY_NEURAL_ONLY and not match["neural"]:
        return f"{voice} exists only as a neural voice ({voice}-Neural)"
    return None


def say_voice_problem(voice: str | None, language: str | None) -> str | None:
    """Why ``<Say voice language>`` is an invalid pair (None when Twilio documents it)."""
    if voice is None or voice in {"man", "woman"}:
        lang = language or "en-US"
        if lang.lower() in _MAN_WOMAN:
            return None
        return (
            f"voice {voice or 'man (default)'} is not documented for language {lang}: "
            "pick an explicit Polly or Google voice"
        )
    if polly := _POLLY_VOICE.fullmatch(voice):
        return _polly_problem(voice, polly, language)
    if google := _GOOGLE.fullmatch(voice):
        if language and language != google["locale"]:
            return f"{voice} speaks {google['locale']}, not {language}"
        return None
    return f"unknown voice {voice}"


def _attribute_problem(tag: str, name: str, value: str) -> str | None:
    key = (tag, name)
    problem = None
    if key in _ENUMS and value not in _ENUMS[key]:
        problem = f"not one of {sorted(_ENUMS[key])}"
    elif key in _BOOLEANS and value not in {"true", "false"}:
        problem = "must be true or false"
    elif (name.endswith("Method") or name == "method") and value.upper() not in _METHODS:
        problem = "GET or POST"
    elif key in _RANGES:
        low, high = _RANGES[key]
        if not value.isdigit() or not low <= int(value) <= high:
            problem = f"an integer {low}-{high}"
    elif (
        name.endswith(("Url", "url", "action", "Callback"))
        and value  # an empty waitUrl is allowed: silence
        and not value.startswith(("http://", "https://"))
    ):
        problem = "not an absolute URL"
    return None if problem is None else f"<{tag} {name}={value!r}>: {problem}"


def _walk(element: ET.Element, parent: str) -> Iterator[TwimlProblem]:
    tag = element.tag
    schema = _SCHEMA.get(tag)
    allowed_here = VERBS if parent == "Response" else _SCHEMA[parent][1]
    if tag not in allowed_here and not (parent == "Say" and tag in _SSML):
        yield TwimlProblem(12200, f"<{tag}> is not allowed inside <{parent}>")
        return
    if schema is None:  # SSML inside <Say>: not checked further
        return
    attributes, children = schema
    for name, value in element.attrib.items():
        if name not in attributes:
            yield TwimlProblem(12200, f"<{tag}> has no attribute {name!r}")
        elif problem := _attribute_problem(tag, name, value):
            yield TwimlProblem(12200, problem)
    if tag == "Say" and (
        problem := say_voice_problem(element.get("voice"), element.get("language"))
    ):
        yield TwimlProblem(13520, f"<Say>: {problem}")
    if (element.text or "").strip() and "#text" not in children:
        yield TwimlProblem(12200, f"<{tag}> takes no text")
    if tag == "Dial" and not (element.text or "").strip() and len(element) == 0:
        yield TwimlProblem(12200, "<Dial> has nothing to dial")
    for child in element:
        yield from _walk(child, tag)


def check_twiml(text: str, *, allowed_verbs: frozenset[str] = VERBS) -> list[TwimlProblem]:
    """Every problem Twilio would report for this voice TwiML document."""
    root = parse_twiml(text)
    if root is None:
        return [TwimlProblem(12100, "document parse failure: not well-formed XML")]
    if root.tag != "Response":
        return [TwimlProblem(12100, f"root element must be <Response>, not <{root.tag}>")]
    problems = []
    for child in root:
        if child.tag not in allowed_verbs:
            problems.append(TwimlProblem(12200, f"<{child.tag}> is not allowed here"))
            continue
        problems.extend(_walk(child, "Response"))
    return problems
