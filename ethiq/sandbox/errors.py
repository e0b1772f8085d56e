"""Twilio's REST errors: one exception type, rendered in Twilio's JSON error shape."""

from __future__ import annotations

from typing import Any

__all__ = [
    "TwilioApiError",
    "authenticate_error",
    "error_body",
    "invalid_parameter",
    "not_found",
]

# Codes below are the ones Twilio documents for these cases; where Twilio's documentation does not
# name a code for a validation failure, INVALID_PARAMETER (20001) is used.
INVALID_PARAMETER = 20001


class TwilioApiError(Exception):
    """A request Twilio would refuse; rendered as ``{"code", "message", "more_info", "status"}``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message)


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def not_found(path: str) -> TwilioApiError:
    return TwilioApiError(404, 20404, f"The requested resource {path} was not found")


def authenticate_error() -> TwilioApiError:
    return TwilioApiError(401, 20003, "Authenticate")


def invalid_parameter(message: str) -> TwilioApiError:
    return TwilioApiError(400, INVALID_PARAMETER, message)
