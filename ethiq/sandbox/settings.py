"""Sandbox settings: the parent account's credentials and where Twilio's OpenAPI document is."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ethiq.sandbox.formats import new_sid, new_token

__all__ = ["ENV_ACCOUNT_SID", "ENV_AUTH_TOKEN", "SandboxSettings"]

# The server process reads its settings from these (the CLI and running_sandbox set them); they
# are distinct from TWILIO_* so that a developer's real credentials never configure the sandbox
# by accident inside the server process.
ENV_ACCOUNT_SID = "ETHIQ_SANDBOX_ACCOUNT_SID"
ENV_AUTH_TOKEN = "ETHIQ_SANDBOX_AUTH_TOKEN"  # noqa: S105 - the variable's name, not a secret

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")


@dataclass(frozen=True)
class SandboxSettings:
    """Parent (main) account credentials; subaccounts are created through the API."""

    account_sid: str = field(default_factory=lambda: new_sid("AC"))
    auth_token: str = field(default_factory=new_token, repr=False)

    def __post_init__(self) -> None:
        if not _ACCOUNT_SID.fullmatch(self.account_sid):
            raise ValueError(
                f"account sid must be AC followed by 32 hex digits: {self.account_sid!r}"
            )
        if not self.auth_token:
            raise ValueError("auth token must not be empty")

    @classmethod
    def from_env(cls) -> SandboxSettings:
        """Settings from ``ETHIQ_SANDBOX_*``; credentials are generated when absent."""
        sid = os.environ.get(ENV_ACCOUNT_SID)
        token = os.environ.get(ENV_AUTH_TOKEN)
        if sid and token:
            return cls(account_sid=sid, auth_token=token)
        return cls()
