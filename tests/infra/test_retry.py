"""Converging under Twilio's faults, with the SDK's real exception types (no server needed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException

from infra.providers.retry import Backoff, ProvisioningError, call_twilio


def _rest(status: int, code: int) -> TwilioRestException:
    return TwilioRestException(status, uri="/2010-04-01/x.json", msg="boom", code=code)


def _script(*outcomes: object) -> tuple[Callable[[], Any], list[int]]:
    calls: list[int] = []

    def action() -> Any:
        calls.append(1)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return action, calls


def test_throttling_is_retried_with_bounded_backoff() -> None:
    action, calls = _script(_rest(429, 20429), _rest(429, 20429), "done")
    slept: list[float] = []
    assert call_twilio(action, what="x", sleep=slept.append, backoff=Backoff(base_s=1)) == "done"
    assert len(calls) == 3
    assert 0 <= slept[0] <= 1
    assert 0 <= slept[1] <= 2  # full jitter under an exponential cap


def test_lost_response_adopts_what_twilio_committed() -> None:
    action, calls = _script(requests.exceptions.ChunkedEncodingError("dropped"), "second buy")
    found: list[str] = []

    def lookup() -> str | None:
        found.append("looked")
        return "the number bought by the first try"

    result = call_twilio(action, what="buying", lookup=lookup, sleep=lambda _s: None)
    assert result == "the number bought by the first try"
    assert len(calls) == 1  # never a second purchase
    assert found == ["looked"]


def test_server_error_on_a_write_looks_before_retrying() -> None:
    action, calls = _script(_rest(500, 20500), "created")
    result = call_twilio(action, what="x", lookup=lambda: None, sleep=lambda _s: None)
    assert result == "created"
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (20003, "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"),
        (21452, "set ethiq:near to another place"),
        (21422, "no longer available"),
    ],
)
def test_errors_a_person_must_fix_say_what_to_do(code: int, hint: str) -> None:
    action, calls = _script(_rest(400 if code != 20003 else 401, code))
    with pytest.raises(ProvisioningError) as raised:
        call_twilio(action, what="buying a number", sleep=lambda _s: None)
    assert hint in str(raised.value)
    assert f"Twilio error {code}" in str(raised.value)
    assert raised.value.code == code
    assert len(calls) == 1  # not retried


def test_failed_list_pages_are_understood() -> None:
    class Page:
        status_code = 429
        text = '{"code": 20429, "message": "Too Many Requests"}'

    action, calls = _script(TwilioException("Unable to fetch page", Page()), ["n1"])
    assert call_twilio(action, what="listing", sleep=lambda _s: None) == ["n1"]
    assert len(calls) == 2


def test_gives_up_after_the_last_attempt_with_a_clear_error() -> None:
    action, calls = _script(*[_rest(503, 20503)] * 3)
    with pytest.raises(ProvisioningError, match="failed after 3 attempts"):
        call_twilio(action, what="x", backoff=Backoff(attempts=3), sleep=lambda _s: None)
    assert len(calls) == 3


def test_a_failed_list_page_is_reported_with_twilios_code_message_and_hint() -> None:
    class Page:
        status_code = 404
        text = '{"code": 20404, "message": "The requested resource was not found"}'

    action, calls = _script(TwilioException("Unable to fetch page", Page()))
    with pytest.raises(ProvisioningError) as raised:
        call_twilio(action, what="listing numbers", sleep=lambda _s: None)
    assert str(raised.value) == (
        "listing numbers failed: Twilio error 20404 (HTTP 404): The requested resource was not "
        "found. Twilio has no such resource: it was deleted outside Pulumi; run `pulumi refresh`."
    )
    assert raised.value.code == 20404
    assert len(calls) == 1


@pytest.mark.parametrize("text", ["<html>Bad Request</html>", ""])
def test_a_failed_page_without_twilios_json_keeps_the_sdks_message(text: str) -> None:
    class Page:
        status_code = 400

    Page.text = text  # type: ignore[attr-defined]
    action, _calls = _script(TwilioException("Unable to fetch page", Page()))
    with pytest.raises(ProvisioningError) as raised:
        call_twilio(action, what="listing", sleep=lambda _s: None)
    message = str(raised.value)
    assert message.startswith("listing failed: Twilio error None (HTTP 400): ")
    assert "Unable to fetch page" in message
    assert raised.value.code is None


def test_an_sdk_error_without_a_response_is_not_retried() -> None:
    action, calls = _script(TwilioException("no response at all"))
    with pytest.raises(ProvisioningError, match=r"\(HTTP 0\): no response at all$"):
        call_twilio(action, what="x", sleep=lambda _s: None)
    assert len(calls) == 1


def test_a_rest_error_without_a_hint_ends_with_twilios_message() -> None:
    action, _calls = _script(_rest(400, 21211))
    with pytest.raises(ProvisioningError) as raised:
        call_twilio(action, what="texting", sleep=lambda _s: None)
    assert str(raised.value) == "texting failed: Twilio error 21211 (HTTP 400): boom"


def test_a_lookup_runs_only_before_a_retry_and_a_success_needs_none() -> None:
    looked: list[int] = []

    def lookup() -> str | None:
        looked.append(1)
        return None

    action, calls = _script("first try")
    assert call_twilio(action, what="x", lookup=lookup, sleep=lambda _s: None) == "first try"
    assert (looked, len(calls)) == ([], 1)
    action, calls = _script(_rest(500, 20500), _rest(500, 20500), "third")
    assert call_twilio(action, what="x", lookup=lookup, sleep=lambda _s: None) == "third"
    assert (len(looked), len(calls)) == (2, 3)


def test_the_last_error_is_named_when_giving_up() -> None:
    action, _calls = _script(_rest(429, 20429), requests.exceptions.ConnectionError("reset"))
    with pytest.raises(ProvisioningError) as raised:
        call_twilio(action, what="buying", backoff=Backoff(attempts=2), sleep=lambda _s: None)
    assert str(raised.value) == (
        "buying failed after 2 attempts (Twilio kept failing or throttling); last error: reset. "
        "Run the update again later."
    )
    assert isinstance(raised.value.__cause__, requests.exceptions.ConnectionError)


def test_twilios_last_refusal_is_named_when_throttled_to_the_end() -> None:
    first, last = _rest(429, 20429), _rest(503, 20500)
    action, calls = _script(first, last)
    with pytest.raises(ProvisioningError) as raised:
        call_twilio(action, what="buying", backoff=Backoff(attempts=2), sleep=lambda _s: None)
    assert len(calls) == 2
    assert str(raised.value) == (
        f"buying failed after 2 attempts (Twilio kept failing or throttling); last error: {last}. "
        "Run the update again later."
    )
    assert raised.value.__cause__ is last
