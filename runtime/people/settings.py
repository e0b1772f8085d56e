"""Settings of the people's pages and of outgoing email, read from the environment once.

``ETHIQ_WEB_SECRET`` signs magic links and CSRF tokens; when unset it is derived from the
registry key (so one secret fewer to deploy; rotating the registry key then signs everyone out).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["PeopleSettings"]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    return int(value) if value else default


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    return default if not value else value not in {"0", "false", "no"}


@dataclass(frozen=True, slots=True)
class PeopleSettings:
    """Magic links, sessions and the SMTP relay that sends welcome and login emails."""

    secret: str = field(default="", repr=False)
    login_ttl_s: int = 900  # a magic link is valid 15 minutes, once
    session_ttl_s: int = 8 * 3600
    fresh_login_s: int = 600  # SIP settings need a login younger than this
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False  # STARTTLS on a submission port (587)
    smtp_tls: bool = False  # implicit TLS (465)
    smtp_timeout_s: int = 10
    mail_from: str = "Ethiq <no-reply@ethiq.invalid>"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PeopleSettings:
        return cls(
            secret=env.get("ETHIQ_WEB_SECRET", "").strip(),
            login_ttl_s=_int(env, "ETHIQ_LOGIN_TTL_S", 900),
            session_ttl_s=_int(env, "ETHIQ_SESSION_TTL_S", 8 * 3600),
            fresh_login_s=_int(env, "ETHIQ_FRESH_LOGIN_S", 600),
            smtp_host=env.get("ETHIQ_SMTP_HOST", "").strip() or "127.0.0.1",
            smtp_port=_int(env, "ETHIQ_SMTP_PORT", 25),
            smtp_username=env.get("ETHIQ_SMTP_USERNAME", "").strip(),
            smtp_password=env.get("ETHIQ_SMTP_PASSWORD", "").strip(),
            smtp_starttls=_flag(env, "ETHIQ_SMTP_STARTTLS", False),
            smtp_tls=_flag(env, "ETHIQ_SMTP_TLS", False),
            smtp_timeout_s=_int(env, "ETHIQ_SMTP_TIMEOUT_S", 10),
            mail_from=env.get("ETHIQ_MAIL_FROM", "").strip() or "Ethiq <no-reply@ethiq.invalid>",
        )
