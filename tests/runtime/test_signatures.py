from __future__ import annotations

from runtime.telephony.signatures import public_url, sign, signature_valid

# Twilio's published test vector.
TOKEN = "12345"  # noqa: S105 - Twilio's published example
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilio_published_vector() -> None:
    assert sign(TOKEN, URL, PARAMS) == EXPECTED
    assert signature_valid(TOKEN, URL, PARAMS, EXPECTED)


def test_any_change_breaks_the_signature() -> None:
    assert not signature_valid("54321", URL, PARAMS, EXPECTED)
    assert not signature_valid(TOKEN, URL.replace("foo=1", "foo=2"), PARAMS, EXPECTED)
    assert not signature_valid(TOKEN, URL, {**PARAMS, "To": "+18005551213"}, EXPECTED)
    assert not signature_valid(TOKEN, URL, PARAMS, None)
    assert not signature_valid("", URL, PARAMS, EXPECTED)


def test_public_url_is_built_from_configuration() -> None:
    assert public_url("https://a.example/", "/twilio/voice") == "https://a.example/twilio/voice"
    assert public_url("https://a.example", "/x", "tenant=t1") == "https://a.example/x?tenant=t1"
