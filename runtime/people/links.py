"""Magic links: signed (HMAC-SHA256), expiring, single use.

A link carries ``<payload>.<signature>``, both base64url; the payload is the tenant's slug, a
random nonce and the expiry. The signature and the expiry are checked without the database; the
nonce is then consumed with one conditional ``UPDATE … WHERE used_at IS NULL``, so two clicks
(or two workers) can never both sign in with one link.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

__all__ = ["BadLink", "LinkClaims", "LinkSigner"]


class BadLink(ValueError):
    """The link is malformed, forged, expired or already used."""


@dataclass(frozen=True, slots=True)
class LinkClaims:
    slug: str
    nonce: str
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    def __init__(self, secret: bytes, ttl_s: int) -> None:
        self._key = hmac.new(secret, b"ethiq magic link v1", hashlib.sha256).digest()
        self._ttl_s = ttl_s

    def issue(self, slug: str, now: float | None = None) -> tuple[str, LinkClaims]:
        claims = LinkClaims(
            slug, secrets.token_urlsafe(24), int((now or time.time()) + self._ttl_s)
        )
        payload = _b64(
            json.dumps({"s": claims.slug, "n": claims.nonce, "e": claims.expires_at}).encode()
        )
        return f"{payload}.{self._sign(payload)}", claims

    def verify(self, token: str, now: float | None = None) -> LinkClaims:
        """The claims of a genuine, unexpired link (single use is the store's job)."""
        payload, _, signature = token.partition(".")
        if not payload or not hmac.compare_digest(signature, self._sign(payload)):
            raise BadLink("this link is not one we sent")
        try:
            data = json.loads(_unb64(payload))
            claims = LinkClaims(str(data["s"]), str(data["n"]), int(data["e"]))
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            raise BadLink("this link is malformed") from error
        if claims.expires_at < (now or time.time()):
            raise BadLink("this link has expired")
        return claims

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())
