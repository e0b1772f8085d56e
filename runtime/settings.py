"""Typed settings of the runtime, one dataclass per concern, read from the environment once.

::

    settings = get_settings()          # cached; tests build Settings.from_env({...}) instead
    settings.database.url              # DATABASE_URL
    settings.store.redis_url           # REDIS_URL ("" = in-process store)
    settings.twilio.public_url         # ETHIQ_PUBLIC_URL (what Twilio signs)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Final

from runtime.screening.risk import Sensitivity, parse_sensitivity
from runtime.tenants.crypto import KEY_ENV

__all__ = [
    "DEFAULT_DATABASE_URL",
    "AlertSettings",
    "DatabaseSettings",
    "ScreeningSettings",
    "SecuritySettings",
    "ServerSettings",
    "Settings",
    "StoreSettings",
    "TwilioSettings",
    "get_settings",
]

DEFAULT_DATABASE_URL: Final = "sqlite:///.data/ethiq.sqlite"


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    return float(value) if value else default


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    return int(value) if value else default


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """``DATABASE_URL``: PostgreSQL (schema per tenant) or SQLite (file per tenant)."""

    url: str = DEFAULT_DATABASE_URL
    # Budget of one database step on the call path before we degrade.
    timeout_s: float = 3.0
    # PostgreSQL connections per process, shared by every tenant (max_connections must cover
    # processes x pool_size, whatever the number of tenants).
    pool_size: int = 10
    acquire_timeout_s: float = 1.0  # waiting for (or opening) a connection
    statement_timeout_s: float = 2.0  # one statement (client and server side)
    idle_in_transaction_s: float = 10.0  # the server ends a transaction its client abandoned


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """``REDIS_URL``: routing cache, blocklists, caller velocity; empty = in-process store."""

    redis_url: str = ""
    timeout_s: float = 1.0
    routing_ttl_s: int = 300
    routing_check_s: float = 1.0  # how stale routing may be after a stack changes a tenant
    velocity_window_s: int = 600


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    """Parent account credentials, the API base URL, and the public URL Twilio signs."""

    public_url: str = "http://localhost:8000"
    account_sid: str = field(default="", repr=False)
    auth_token: str = field(default="", repr=False)
    api_base_url: str = ""
    # Which transcription track is the caller on an inbound call (Twilio's docs are ambiguous).
    caller_track: str = "inbound_track"


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    """The registry key (decrypts tenants' tokens) and the operator API's bearer token."""

    registry_key: tuple[str, ...] = field(default=(), repr=False)
    operator_token: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class ScreeningSettings:
    """How the runtime uses the fraud engine."""

    sensitivity: Sensitivity = "normal"
    max_sessions: int = 2048  # screening sessions kept in memory (LRU)


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """The SMS outbox."""

    poll_interval_s: float = 2.0
    lease_s: float = 60.0
    max_attempts: int = 8
    backoff_base_s: float = 5.0
    batch: int = 50
    worker: bool = True  # start the worker with the app


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Where ``ethiq serve`` listens."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the runtime."""

    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    twilio: TwilioSettings = field(default_factory=TwilioSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    screening: ScreeningSettings = field(default_factory=ScreeningSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    server: ServerSettings = field(default_factory=ServerSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``env`` (default: ``os.environ``)."""
        env = os.environ if env is None else env
        keys = tuple(k.strip() for k in env.get(KEY_ENV, "").split(",") if k.strip())
        return cls(
            database=DatabaseSettings(
                url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
                timeout_s=_float(env, "ETHIQ_DB_TIMEOUT_S", 3.0),
                pool_size=_int(env, "ETHIQ_DB_POOL_SIZE", 10),
                acquire_timeout_s=_float(env, "ETHIQ_DB_ACQUIRE_TIMEOUT_S", 1.0),
                statement_timeout_s=_float(env, "ETHIQ_DB_STATEMENT_TIMEOUT_S", 2.0),
                idle_in_transaction_s=_float(env, "ETHIQ_DB_IDLE_IN_TRANSACTION_S", 10.0),
            ),
            store=StoreSettings(
                redis_url=env.get("REDIS_URL", "").strip(),
                timeout_s=_float(env, "ETHIQ_STORE_TIMEOUT_S", 1.0),
                routing_ttl_s=_int(env, "ETHIQ_ROUTING_TTL_S", 300),
                routing_check_s=_float(env, "ETHIQ_ROUTING_CHECK_S", 1.0),
                velocity_window_s=_int(env, "ETHIQ_VELOCITY_WINDOW_S", 600),
            ),
            twilio=TwilioSettings(
                public_url=(env.get("ETHIQ_PUBLIC_URL", "").strip() or "http://localhost:8000"),
                account_sid=env.get("TWILIO_ACCOUNT_SID", "").strip(),
                auth_token=env.get("TWILIO_AUTH_TOKEN", "").strip(),
                api_base_url=env.get("TWILIO_API_BASE_URL", "").strip(),
                caller_track=env.get("ETHIQ_CALLER_TRACK", "").strip() or "inbound_track",
            ),
            security=SecuritySettings(
                registry_key=keys,
                operator_token=env.get("ETHIQ_OPERATOR_TOKEN", "").strip(),
            ),
            screening=ScreeningSettings(
                sensitivity=parse_sensitivity(env.get("ETHIQ_SENSITIVITY", "").strip() or "normal"),
            ),
            alerts=AlertSettings(
                poll_interval_s=_float(env, "ETHIQ_OUTBOX_POLL_S", 2.0),
                lease_s=_float(env, "ETHIQ_OUTBOX_LEASE_S", 60.0),
                worker=env.get("ETHIQ_OUTBOX_WORKER", "1").strip() not in {"0", "false", "no"},
            ),
            server=ServerSettings(
                host=env.get("ETHIQ_HOST", "").strip() or "127.0.0.1",
                port=_int(env, "ETHIQ_PORT", 8000),
                workers=_int(env, "ETHIQ_WORKERS", 1),
            ),
        )


@cache
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_env()
