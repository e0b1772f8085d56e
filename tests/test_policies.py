"""Policy rules as plain functions (the engine test proves the pack is enforced end to end)."""

from __future__ import annotations

import pytest

from policies.rules import insecure_webhook_urls


@pytest.mark.parametrize(
    "props",
    [
        {"voiceUrl": "https://runtime.ethiq.example/twilio/voice"},
        {"statusCallback": "https://runtime.ethiq.example/twilio/status?x=1"},
        {"smsUrl": "http://127.0.0.1:8000/twilio/sms"},  # local sandbox and runtime
        {"voiceUrl": "http://localhost:8000/twilio/voice"},
        {"voiceUrl": "http://[::1]:8000/twilio/voice"},
        {"friendlyName": "http://not-a-webhook.example"},  # not a URL property
        {"nested": {"voice_url": "https://runtime.ethiq.example/v"}},
    ],
)
def test_secure_or_unrelated_properties_pass(props: dict[str, object]) -> None:
    assert insecure_webhook_urls(props) == []


@pytest.mark.parametrize(
    ("props", "key"),
    [
        ({"voiceUrl": "http://runtime.ethiq.example/twilio/voice"}, "voiceUrl"),
        ({"statusCallback": "ftp://runtime.ethiq.example/x"}, "statusCallback"),
        ({"smsUrl": "https://"}, "smsUrl"),  # no host
        ({"voiceFallbackUrl": "runtime.ethiq.example/fallback"}, "voiceFallbackUrl"),
        ({"nested": {"voice_url": "http://10.0.0.8/v"}}, "nested.voice_url"),
        ({"url": "http://127.0.0.1.evil.example/v"}, "url"),
    ],
)
def test_insecure_webhook_urls_are_reported_by_key(props: dict[str, object], key: str) -> None:
    [message] = insecure_webhook_urls(props)
    assert message.startswith(f"{key} must be an https URL")
