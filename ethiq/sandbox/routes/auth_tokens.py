"""Auth Token rotation (Accounts API v1): ``/v1/AuthTokens/Secondary`` and ``…/Promote``.

As Twilio documents it (https://www.twilio.com/docs/iam/api/authtoken and
https://www.twilio.com/docs/iam/api/secondary_authtoken): an account creates a secondary Auth
Token, which authenticates beside the primary one; promoting it makes it the primary, and from
then on every request with the old primary fails (20003). Deleting the secondary revokes it.
These paths are Twilio's Accounts API, not api v2010: the v2010 contract does not cover them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Response, delete, post

from ethiq.sandbox.auth import authenticate
from ethiq.sandbox.context import sandbox_of
from ethiq.sandbox.errors import TwilioApiError
from ethiq.sandbox.formats import new_token, now
from ethiq.sandbox.routes.common import AnyRequest, json_response
from ethiq.sandbox.state import Account

__all__ = ["ROUTES"]

BASE = "/accounts/v1/AuthTokens"  # accounts.twilio.com/v1/AuthTokens (one base URL: see
# runtime.telephony.twilio_http.BaseUrlHttpClient)
_URL = "https://accounts.twilio.com/v1/AuthTokens"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _principal(request: AnyRequest) -> Account:
    store = sandbox_of(request).store
    return authenticate(store, request.headers.get("authorization"))


@post(f"{BASE}/Secondary")
async def create_secondary(request: AnyRequest) -> Response[dict[str, Any]]:
    store = sandbox_of(request).store
    with store.lock:
        account = _principal(request)
        account.secondary_auth_token = new_token()
        account.date_updated = now()
        return json_response(
            {
                "account_sid": account.sid,
                "date_created": _iso(account.date_updated),
                "date_updated": _iso(account.date_updated),
                "secondary_auth_token": account.secondary_auth_token,
                "url": f"{_URL}/Secondary",
            },
            201,
        )


@delete(f"{BASE}/Secondary", status_code=204)
async def delete_secondary(request: AnyRequest) -> None:
    store = sandbox_of(request).store
    with store.lock:
        _principal(request).secondary_auth_token = None


@post(f"{BASE}/Promote")
async def promote(request: AnyRequest) -> Response[dict[str, Any]]:
    store = sandbox_of(request).store
    with store.lock:
        account = _principal(request)
        if account.secondary_auth_token is None:
            # Twilio does not document this error's code; 20001 is its generic invalid request.
            raise TwilioApiError(400, 20001, "There is no secondary Auth Token to promote")
        account.auth_token, account.secondary_auth_token = account.secondary_auth_token, None
        account.date_updated = now()
        return json_response(
            {
                "account_sid": account.sid,
                "auth_token": account.auth_token,
                "date_created": _iso(account.date_created),
                "date_updated": _iso(account.date_updated),
                "url": f"{_URL}/Promote",
            }
        )


ROUTES = [create_secondary, delete_secondary, promote]
