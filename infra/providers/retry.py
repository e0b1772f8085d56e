"""Converging under Twilio's faults.

- 20429 (too many requests) and 5xx: retried with bounded exponential backoff and full jitter.
- A lost response (connection dropped or timed out after sending) or a 5xx on a write may mean
  Twilio committed it: ``lookup`` runs before every retry of a write, and an existing resource is
  adopted instead of creating a second one.
- Errors a person must act on (20003, 21452, 21422, ...) become :class:`ProvisioningError` with
  what to do.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from twilio.base.exceptions import TwilioException, TwilioRestException

from runtime import retry

__all__ = ["Backoff", "ProvisioningError", "call_twilio"]

T = TypeVar("T")

_TOO_MANY_REQUESTS = 429
_SERVER_ERROR = 500

_WHAT_TO_DO = {
    20003: "Twilio refused the credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN "
    "(the parent account's) in the CI secrets or your environment.",
    20404: "Twilio has no such resource: it was deleted outside Pulumi; run `pulumi refresh`.",
    21422: "That phone number is no longer available; run the update again to pick another.",
    21452: "Twilio has no number matching the search; set ethiq:near to another place or "
    "choose another region.",
}


class ProvisioningError(RuntimeError):
    """Provisioning failed in a way retrying cannot fix; the message says what to do."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code

    @classmethod
    def from_twilio(cls, what: str, error: TwilioRestException) -> ProvisioningError:
        hint = _WHAT_TO_DO.get(error.code or 0, "")
        message = f"{what} failed: Twilio error {error.code} (HTTP {error.status}): {error.msg}"
        return cls(message + (f". {hint}" if hint else ""), error.code)


@dataclass(frozen=True)
class Backoff(retry.Backoff):
    """Twilio's provisioning policy: full jitter, at most 8 s a wait, 6 attempts."""

    attempts: int = 6
    base_s: float = float(os.environ.get("ETHIQ_TWILIO_BACKOFF_BASE_S", "0.5"))
    max_s: float = 8.0


def call_twilio(
    action: Callable[[], T],
    *,
    what: str,
    lookup: Callable[[], T | None] | None = None,
    backoff: Backoff | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``action`` until it succeeds, adopting what ``lookup`` finds after an uncertain write."""
    policy = backoff or Backoff()
    from requests import RequestException  # noqa: PLC0415 - the SDK's transport, on first call

    for attempt in range(policy.attempts):
        uncertain = attempt > 0 and lookup is not None
        if uncertain and lookup is not None and (found := lookup()) is not None:
            return found
        try:
            return action()
        except TwilioException as raised:
            error = _as_rest_error(raised)
            retryable = error.status == _TOO_MANY_REQUESTS or error.status >= _SERVER_ERROR
            if not retryable:
                raise ProvisioningError.from_twilio(what, error) from None
            last: Exception = error
        except RequestException as error:  # no complete response: maybe committed
            last = error
        sleep(policy.delay(attempt))
    raise ProvisioningError(
        f"{what} failed after {policy.attempts} attempts (Twilio kept failing or throttling); "
        f"last error: {last}. Run the update again later."
    ) from last


def _as_rest_error(error: TwilioException) -> TwilioRestException:
    """The SDK raises a bare TwilioException (message, response) when a list page fails."""
    if isinstance(error, TwilioRestException):
        return error
    response = error.args[1] if len(error.args) > 1 else None
    status = getattr(response, "status_code", 0)
    try:
        body = json.loads(getattr(response, "text", "") or "{}")
    except ValueError:
        body = {}
    return TwilioRestException(
        status, uri="", msg=body.get("message", str(error)), code=body.get("code")
    )
