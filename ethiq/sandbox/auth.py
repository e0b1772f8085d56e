"""Twilio's authentication: HTTP Basic ``AccountSid:AuthToken``, scoped by the URL's account.

The main (parent) account's credentials act on itself and on all its subaccounts; a subaccount's
credentials act only on that subaccount. Wrong or missing credentials, credentials of a closed or
suspended account, and credentials used on another account all get 401 with code 20003. An
account's secondary Auth Token, while it exists, authenticates like the primary one.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from ethiq.sandbox.errors import authenticate_error
from ethiq.sandbox.state import Account, Store

__all__ = ["authenticate", "authorize", "basic_credentials", "may_act_on"]


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def authenticate(store: Store, header: str | None) -> Account:
    """The active account whose credentials are in ``header`` (caller holds ``store.lock``)."""
    credentials = basic_credentials(header)
    if credentials is None:
        raise authenticate_error()
    account = store.accounts.get(credentials[0])
    if account is None or not any(
        hmac.compare_digest(token, credentials[1])
        for token in (account.auth_token, account.secondary_auth_token)
        if token is not None
    ):
        raise authenticate_error()
    if account.status != "active":
        raise authenticate_error()
    return account


def may_act_on(principal: Account, target: Account) -> bool:
    return principal.sid in (target.sid, target.owner_account_sid)


def authorize(store: Store, header: str | None, account_sid: str) -> Account:
    """The account named in the URL, if these credentials may act on it and it is active."""
    principal = authenticate(store, header)
    target = store.accounts.get(account_sid)
    if target is None or not may_act_on(principal, target) or target.status != "active":
        raise authenticate_error()
    return target
