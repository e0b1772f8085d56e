"""Tenants' Twilio auth tokens, encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key comes from the caller (``ETHIQ_REGISTRY_KEY`` in deployments). Several keys may be
given, newest first, to rotate: encryption uses the first, decryption tries each.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from runtime.settings import REGISTRY_KEY_ENV
from runtime.tenants.errors import RegistryKeyError

__all__ = ["KEY_ENV", "TokenCipher", "generate_key", "key_from_env"]

KEY_ENV: Final = REGISTRY_KEY_ENV


def generate_key() -> str:
    """A new random registry key (url-safe base64 text, as Fernet expects)."""
    return Fernet.generate_key().decode("ascii")


def key_from_env(name: str = KEY_ENV) -> list[str]:
    """The registry key(s) from the environment: one key, or several separated by commas."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise RegistryKeyError(f"{name} is not set: make a key with generate_key()")
    return [part.strip() for part in value.split(",") if part.strip()]


class TokenCipher:
    """Encrypts and decrypts auth tokens with the registry key(s)."""

    def __init__(self, key: str | Sequence[str]) -> None:
        keys = [key] if isinstance(key, str) else list(key)
        if not keys:
            raise RegistryKeyError("no registry key given")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except (ValueError, TypeError) as error:
            raise RegistryKeyError(
                "the registry key is not a Fernet key (32 url-safe base64-encoded bytes); "
                "make one with generate_key()"
            ) from error

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str, *, slug: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError) as error:
            raise RegistryKeyError(
                f"cannot decrypt the auth token of tenant {slug!r}: the registry key is not "
                "the one it was encrypted with (check ETHIQ_REGISTRY_KEY), or the value is "
                "corrupt"
            ) from error
