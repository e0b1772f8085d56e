"""TwiML as Twilio documents it: the sandbox's checker, and every document the runtime writes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ethiq.sandbox.twiml import (
    ANNOUNCE_VERBS,
    check_twiml,
    say_voice_problem,
    transcription_problem,
)
from runtime.telephony import twiml

SIP = "sip:user_t@t-abc123.sip.twilio.com"
URL = "https://ethiq.example.org/twilio/x?tenant=t"


def _codes(document: str, **options: frozenset[str]) -> list[int]:
    return [p.code for p in check_twiml(document, **options)]


@pytest.mark.parametrize(
    ("voice", "language", "valid"),
    [
        (None, "fr-CA", False),  # the default voice is not documented for fr-CA
        ("woman", "fr-CA", False),
        (None, "fr", True),
        ("man", "en-US", True),
        ("Polly.Gabrielle-Neural", "fr-CA", True),
        ("Polly.Chantal", "fr-CA", True),
        ("Polly.Gabrielle", "fr-CA", False),  # exists only as a neural voice
        ("Polly.Joanna-Neural", "fr-CA", False),  # speaks en-US
        ("Polly.Joanna-Neural", "en-US", True),
        ("Google.fr-CA-Standard-A", "fr-CA", True),
        ("Google.en-US-Standard-C", "fr-CA", False),
        ("Polly.Nobody", None, False),
    ],
)
def test_say_voice_and_language_pairs(voice: str | None, language: str, valid: bool) -> None:
    assert (say_voice_problem(voice, language) is None) is valid


def test_documents_twilio_would_refuse() -> None:
    assert _codes("<Response><Say>hi") == [12100]  # not XML
    assert _codes("<Dial>+15145550123</Dial>") == [12100]  # no <Response>
    assert _codes("<Response><Dial><Say>x</Say></Dial></Response>") == [12200]  # bad nesting
    assert _codes(
        '<Response><Dial timeout="2"><Number>+15145550123</Number></Dial></Response>'
    ) == [12200]
    assert _codes('<Response><Dial foo="1"><Number>+15145550123</Number></Dial></Response>') == [
        12200
    ]
    assert _codes('<Response><Reject reason="nope"/></Response>') == [12200]
    assert _codes('<Response><Record action="/relative"/></Response>') == [12200]
    assert _codes('<Response><Say language="fr-CA">Allo</Say></Response>') == [13520]
    # An announcement may only Play, Say, Pause or Redirect.
    dial = f"<Response><Dial><Sip>{SIP}</Sip></Dial></Response>"
    assert _codes(dial, allowed_verbs=ANNOUNCE_VERBS) == [12200]


def test_transcription_engine_model_and_language() -> None:
    pinned = {
        "languageCode": "fr-CA",
        "transcriptionEngine": twiml.TRANSCRIPTION_ENGINE,
        "speechModel": twiml.SPEECH_MODEL,
    }
    assert transcription_problem(pinned) is None
    assert transcription_problem(pinned | {"languageCode": "en-US"}) is None
    assert transcription_problem(pinned | {"speechModel": "nova-3"}) is not None
    assert transcription_problem(
        {"languageCode": "fr-CA", "transcriptionEngine": "deepgram", "speechModel": "nova-3"}
    )


@pytest.mark.parametrize("language", ["fr-CA", "en-US", "en-CA"])
def test_every_document_the_runtime_writes_is_valid(language: str) -> None:
    documents = [
        twiml.conference_twiml(
            call_sid="CA" + "0" * 32,
            language=language,
            transcription_url=URL,
            dial_action_url=URL,
        ),
        twiml.connect_twiml(
            sip_address=SIP,
            caller_id="+15145550123",
            language=language,
            transcription_url=URL,
            dial_action_url=URL,
            whisper_url=URL,
        ),
        twiml.voicemail_twiml(language, URL),
        twiml.voicemail_twiml(language, URL, URL, consent_notice=True),
        twiml.conference_twiml(
            call_sid="CA" + "0" * 32,
            language=language,
            transcription_url=URL,
            dial_action_url=URL,
            consent_notice=True,
        ),
        twiml.connect_twiml(
            sip_address=SIP,
            caller_id=None,
            language=language,
            transcription_url=URL,
            consent_notice=True,
        ),
        twiml.reject_twiml(language),
        twiml.reject_twiml(language, say=False),
        twiml.unavailable_twiml(language),
        twiml.outbound_twiml("sip:5145550123@t.sip.twilio.com", "+15145550100", language),
        twiml.outbound_twiml("sip:+442071234567@t.sip.twilio.com", "+15145550100", language),
        twiml.hangup_twiml(),
    ]
    for document in documents:
        assert check_twiml(document) == [], document
    for kind in ("pre", "live"):
        assert check_twiml(twiml.whisper_twiml(kind, language), allowed_verbs=ANNOUNCE_VERBS) == []


@pytest.mark.parametrize(
    ("dialled", "target"),
    [
        ("5145550123", "+15145550123"),
        ("15145550123", "+15145550123"),
        ("1 (514) 555-0123", "+15145550123"),
        ("+15145550123", "+15145550123"),
        ("18005550199", "+18005550199"),  # toll-free: fine
        ("2125550123", "+12125550123"),  # the US
        ("911", "911"),
        ("19005550123", None),  # premium rate
        ("+442071234567", None),  # international, not allowed by default
        ("18765550123", None),  # Jamaica: NANP, but international ("one ring" scams)
        ("555", None),
        ("not a number", None),
    ],
)
def test_numbers_dialled_from_the_app(dialled: str, target: str | None) -> None:
    assert twiml.dial_target(dialled) == target


def test_international_only_to_the_countries_allowed() -> None:
    assert twiml.dial_target("+442071234567", countries={"GB"}) == "+442071234567"
    assert twiml.dial_target("+33142685300", countries={"GB"}) is None  # France: not allowed
    assert twiml.dial_target("18765550123", countries={"GB"}) is None  # Jamaica still refused
    assert twiml.dial_target("19005550123", countries={"GB", "US"}) is None  # premium, always


@pytest.mark.parametrize(("language", "first"), [("fr-CA", "fr-CA"), ("en-US", "en-US")])
def test_the_consent_notice_is_said_in_both_languages_before_transcription(
    language: str, first: str
) -> None:
    """Where every party must consent, the caller hears the notice (the tenant's language
    first, each with its own voice) and only then does <Start><Transcription> begin."""
    document = twiml.conference_twiml(
        call_sid="CA" + "0" * 32,
        language=language,
        transcription_url=URL,
        dial_action_url=URL,
        consent_notice=True,
    )
    assert check_twiml(document) == []
    root = ET.fromstring(document)  # noqa: S314 (our own TwiML)
    assert [child.tag for child in root] == ["Say", "Say", "Start", "Dial"]
    says = [(say.get("language"), say.get("voice")) for say in root.iter("Say")]
    second = "en-US" if first == "fr-CA" else "fr-CA"
    assert says == [(first, twiml.VOICES[first[:2]][1]), (second, twiml.VOICES[second[:2]][1])]
    assert "transcrit" in " ".join(s.text or "" for s in root.iter("Say"))
    assert "transcribed" in " ".join(s.text or "" for s in root.iter("Say"))
    plain = twiml.conference_twiml(
        call_sid="CA" + "0" * 32, language=language, transcription_url=URL, dial_action_url=URL
    )
    assert "<Say" not in plain  # elsewhere the call starts with the transcription
