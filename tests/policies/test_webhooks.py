"""webhook-urls-https and webhook-urls-runtime as plain functions."""

from __future__ import annotations

import pytest

from policies.rules import (
    hosted_fallback_origins,
    insecure_webhook_urls,
    mixed_webhook_origins,
    webhooks_off_runtime,
)

RUNTIME = "https://runtime.ethiq.example"


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
        # Connection settings, not webhooks (and the database URL is a secret):
        {"credentials": {"base_url": ""}},
        {"database_url": "postgresql://ethiq:pw@db.internal/ethiq"},
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


@pytest.mark.parametrize(
    ("runtime", "url"),
    [
        (RUNTIME, "https://runtime.ethiq.example/twilio/voice"),
        (RUNTIME + "/", "https://runtime.ethiq.example/twilio/voice"),
        ("https://RUNTIME.ethiq.example:443", "https://runtime.ethiq.example/twilio/sms"),
        ("https://ethiq.example/hooks", "https://ethiq.example/hooks/twilio/voice"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/twilio/voice"),
    ],
)
def test_webhooks_on_the_runtime_pass(runtime: str, url: str) -> None:
    assert webhooks_off_runtime({"voice_url": url, "credentials": {"base_url": ""}}, runtime) == []


def test_the_opt_in_page_of_a_us_texting_campaign_is_no_webhook() -> None:
    """A US tenant's campaign shows Twilio's reviewers the business's opt-in page: its own
    website, never called by Twilio (the engine story of a US tenant applies it)."""
    campaign = {"campaign": {"optInImageUrl": "https://ethiq.example/opt-in"}}
    assert webhooks_off_runtime(campaign, RUNTIME) == []
    assert webhooks_off_runtime({"campaign": {"statusCallback": "https://x.example"}}, RUNTIME)


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/twilio/voice",
        "https://runtime.ethiq.example.evil.example/twilio/voice",
        "http://runtime.ethiq.example/twilio/voice",  # scheme is part of the origin
        "https://runtime.ethiq.example:8443/twilio/voice",
        "https://ethiq.example/hooksevil/twilio/voice",  # under the path, not beside it
    ],
)
def test_webhooks_elsewhere_are_reported(url: str) -> None:
    runtime = "https://ethiq.example/hooks" if "/hooks" in url else RUNTIME
    [message] = webhooks_off_runtime({"sms_url": url}, runtime)
    assert message == f"sms_url points at {url!r}, not at the runtime {runtime!r}"


def test_without_a_runtime_url_webhooks_agree_on_one_origin() -> None:
    one = {
        "number": {"voice_url": RUNTIME + "/twilio/voice", "sms_url": RUNTIME + "/twilio/sms"},
        "sip": {"voice_url": "https://runtime.ethiq.example:443/twilio/sip"},
    }
    assert mixed_webhook_origins(one) == []
    two = {**one, "sip": {"voice_url": "https://elsewhere.example/twilio/sip"}}
    [message] = mixed_webhook_origins(two)
    assert message.startswith("webhook URLs point at 2 different origins")
    assert "https://elsewhere.example (sip.voice_url)" in message


HOSTED = {"account_sid": "AC1", "origin": "https://ethiq-fallback-1234.twil.io"}


def test_the_voice_fallback_may_be_the_tenants_own_twilio_hosted_one() -> None:
    hosted = hosted_fallback_origins([HOSTED], "AC1")
    assert hosted == ["https://ethiq-fallback-1234.twil.io"]
    number = {
        "account_sid": "AC1",
        "voice_url": RUNTIME + "/twilio/voice",
        "voice_fallback_url": "https://ethiq-fallback-1234.twil.io/fallback.xml",
    }
    assert webhooks_off_runtime(number, RUNTIME, hosted) == []
    assert mixed_webhook_origins({"number": number}, hosted) == []


@pytest.mark.parametrize(
    ("fallbacks", "key", "url"),
    [
        # Another subaccount's hosted fallback: not this tenant's.
        (
            [{**HOSTED, "account_sid": "AC2"}],
            "voice_fallback_url",
            "https://ethiq-fallback-1234.twil.io/f.xml",
        ),
        # A foreign domain posing as a hosted fallback.
        (
            [{**HOSTED, "origin": "https://evil.example"}],
            "voice_fallback_url",
            "https://evil.example/f.xml",
        ),
        ([HOSTED], "voice_fallback_url", "https://someone-else-9999.twil.io/f.xml"),
        ([HOSTED], "voice_fallback_url", "http://ethiq-fallback-1234.twil.io/f.xml"),
        # Only the voice fallback may be hosted: never the voice URL, status or SMS webhooks.
        ([HOSTED], "voice_url", "https://ethiq-fallback-1234.twil.io/f.xml"),
        ([HOSTED], "status_callback", "https://ethiq-fallback-1234.twil.io/f.xml"),
    ],
)
def test_a_fallback_anywhere_else_is_refused(
    fallbacks: list[dict[str, str]], key: str, url: str
) -> None:
    hosted = hosted_fallback_origins(fallbacks, "AC1")
    [message] = webhooks_off_runtime({"account_sid": "AC1", key: url}, RUNTIME, hosted)
    assert message.startswith(f"{key} points at {url!r}, not at the runtime")
