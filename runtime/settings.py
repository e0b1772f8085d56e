"""Typed settings of the runtime: each declared once (name, type, default, environment variable,
description), validated at start-up, documented by the table this module generates.

::

    settings = get_settings()          # cached; tests build Settings.from_env({...}) instead
    settings.database.url              # DATABASE_URL
    settings.store.redis_url           # REDIS_URL ("" = in-process store)
    settings.twilio.public_url         # ETHIQ_PUBLIC_URL (what Twilio signs)

One pydantic-settings class per concern; a field's ``validation_alias`` is its environment
variable. :meth:`Settings.from_env` validates a mapping (default: ``os.environ``); an empty value
means the default, and a bad value raises :class:`SettingsError` naming the variable.
``python -m runtime.settings`` prints the markdown table kept in ``docs/settings.md`` (a test
checks they agree).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Final, Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from runtime.screening.risk import Sensitivity, parse_sensitivity
from runtime.serving import PORT, WORKER_METRICS_PORT

__all__ = [
    "DEFAULT_DATABASE_URL",
    "REGISTRY_KEY_ENV",
    "SNS_AWS_URLS",
    "AlertSettings",
    "BillingSettings",
    "DatabaseSettings",
    "ObservabilitySettings",
    "PeopleSettings",
    "PrivacySettings",
    "ScreeningSettings",
    "SecuritySettings",
    "ServerSettings",
    "Settings",
    "SettingsError",
    "StoreSettings",
    "TwilioSettings",
    "WorkerSettings",
    "get_settings",
    "markdown_table",
    "retention_table",
]

DEFAULT_DATABASE_URL: Final = "sqlite:///.data/ethiq.sqlite"
# Also read directly by runtime.tenants.crypto: the Pulumi providers build no Settings.
REGISTRY_KEY_ENV: Final = "ETHIQ_REGISTRY_KEY"


class SettingsError(ValueError):
    """A setting has a value the runtime cannot use; the message names the variable."""


class _Concern(BaseSettings):
    """Settings of one concern. Built by keyword (tests) or, by alias, from the mapping that
    :meth:`Settings.from_env` reads: one place reads the environment, so an explicit mapping
    (tests, ``ethiq serve``'s defaults) is never mixed with the process's own variables."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        populate_by_name=True,
        case_sensitive=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def _env(name: str, default: Any, description: str, **kwargs: Any) -> Any:
    return Field(default, validation_alias=name, description=description, **kwargs)


def _valid_cron(value: str) -> str:
    from croniter import croniter  # noqa: PLC0415 - only when a cron is validated

    if not croniter.is_valid(value):
        raise ValueError("not a cron expression (5 fields, or 6 with seconds)")
    return value


class DatabaseSettings(_Concern):
    """``DATABASE_URL``: PostgreSQL (schema per tenant) or SQLite (file per tenant)."""

    url: str = _env(
        "DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "`postgresql://…` (one schema per tenant) or `sqlite:///path` (one file per tenant)",
        repr=False,
    )
    timeout_s: float = _env(
        "ETHIQ_DB_TIMEOUT_S", 3.0, "budget of one database step on the call path", gt=0
    )
    pool_size: int = _env(
        "ETHIQ_DB_POOL_SIZE",
        10,
        "PostgreSQL connections per process, shared by every tenant",
        ge=1,
    )
    acquire_timeout_s: float = _env(
        "ETHIQ_DB_ACQUIRE_TIMEOUT_S", 1.0, "waiting for (or opening) a connection", gt=0
    )
    statement_timeout_s: float = _env(
        "ETHIQ_DB_STATEMENT_TIMEOUT_S", 2.0, "one statement (client and server side)", gt=0
    )
    idle_in_transaction_s: float = _env(
        "ETHIQ_DB_IDLE_IN_TRANSACTION_S",
        10.0,
        "the server ends a transaction its client abandoned",
        gt=0,
    )


class StoreSettings(_Concern):
    """``REDIS_URL``: routing cache, blocklists, caller velocity; empty = in-process store."""

    redis_url: str = _env(
        "REDIS_URL", "", "Redis for routing cache, blocklists, velocity; empty: in process"
    )
    timeout_s: float = _env("ETHIQ_STORE_TIMEOUT_S", 1.0, "budget of one store step", gt=0)
    routing_ttl_s: int = _env(
        "ETHIQ_ROUTING_TTL_S", 300, "lifetime of a routing entry in the store", ge=1
    )
    routing_check_s: float = _env(
        "ETHIQ_ROUTING_CHECK_S",
        1.0,
        "how often a process reads the registry generation (staleness after a change)",
        gt=0,
    )
    velocity_window_s: int = _env(
        "ETHIQ_VELOCITY_WINDOW_S", 600, "window of the cross-tenant caller velocity", ge=1
    )
    campaign_tenants: int = _env(
        "ETHIQ_CAMPAIGN_TENANTS",
        5,
        "distinct tenants one caller reaches within the velocity window to be a campaign",
        ge=2,
    )
    scam_surge: int = _env(
        "ETHIQ_SCAM_SURGE",
        10,
        "scam verdicts across tenants within the velocity window that the runtime logs as a surge",
        ge=1,
    )


class TwilioSettings(_Concern):
    """Parent account credentials, the API base URL, and the public URL Twilio signs."""

    public_url: str = _env(
        "ETHIQ_PUBLIC_URL", "http://localhost:8000", "the runtime's public URL (Twilio signs it)"
    )
    account_sid: str = _env("TWILIO_ACCOUNT_SID", "", "parent Twilio account", repr=False)
    auth_token: str = _env("TWILIO_AUTH_TOKEN", "", "parent account's auth token", repr=False)
    api_base_url: str = _env(
        "TWILIO_API_BASE_URL", "", "development only: the local Twilio sandbox"
    )
    timeout_s: float = _env(
        "ETHIQ_TWILIO_TIMEOUT_S",
        5.0,
        "budget of one request to Twilio's REST API (alerts, ringing the person in): a stalled "
        "Twilio costs each message or call at most this",
        gt=0,
    )
    caller_track: Literal["inbound_track", "outbound_track"] = _env(
        "ETHIQ_CALLER_TRACK", "inbound_track", "transcription track that carries the caller"
    )


class SecuritySettings(_Concern):
    """The registry key (decrypts tenants' tokens) and the operator API's bearer token."""

    registry_key: Annotated[tuple[str, ...], NoDecode] = _env(
        REGISTRY_KEY_ENV,
        (),
        "Fernet key(s), comma-separated (first encrypts; all decrypt)",
        repr=False,
    )
    operator_token: str = _env(
        "ETHIQ_OPERATOR_TOKEN", "", "bearer token of the operator API", repr=False
    )
    operator_sign_ins: int = _env(
        "ETHIQ_OPERATOR_SIGN_INS",
        10,
        "sign-in attempts on the operator page per client address per 15 minutes",
        ge=1,
    )

    @field_validator("registry_key", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(k.strip() for k in value.split(",") if k.strip())
        return value


class ScreeningSettings(_Concern):
    """How the runtime uses the fraud engine."""

    sensitivity: Sensitivity = _env(
        "ETHIQ_SENSITIVITY",
        "normal",
        "verdict thresholds: low, normal, high or 0..1 (the platform default; a tenant's "
        "`ethiq:sensitivity` wins)",
    )
    max_sessions: int = _env(
        "ETHIQ_MAX_SESSIONS", 2048, "screening sessions kept in memory (LRU)", ge=1
    )
    max_segment_chars: int = _env(
        "ETHIQ_MAX_SEGMENT_CHARS",
        2000,
        "transcript segment length kept and screened (longer text is cut)",
        ge=100,
    )

    @field_validator("sensitivity", mode="before")
    @classmethod
    def _sensitivity(cls, value: Any) -> Any:
        return parse_sensitivity(value) if isinstance(value, str) else value


class AlertSettings(_Concern):
    """The SMS outbox (alerts and invitations)."""

    poll_interval_s: float = _env(
        "ETHIQ_OUTBOX_POLL_S",
        2.0,
        "how often a job worker looks for jobs (PostgreSQL's LISTEN/NOTIFY wakes it sooner), and "
        "at the registry for the contacts a stack added (invited at once)",
        gt=0,
    )
    lease_s: float = _env(
        "ETHIQ_OUTBOX_LEASE_S", 60.0, "a claimed alert is re-claimable after this", gt=0
    )
    max_attempts: int = _env(
        "ETHIQ_OUTBOX_MAX_ATTEMPTS", 8, "delivery attempts before an alert fails", ge=1
    )
    backoff_base_s: float = _env(
        "ETHIQ_OUTBOX_BACKOFF_S", 5.0, "first retry delay (doubles each attempt)", gt=0
    )
    batch: int = _env("ETHIQ_OUTBOX_BATCH", 50, "alerts per tenant per pass", ge=1)
    ack_s: float = _env(
        "ETHIQ_OUTBOX_ACK_S",
        180.0,
        "a sent alert the contact has not acknowledged (replied to) after this also goes to "
        "the next contacts",
        gt=0,
    )
    invite_reminder_s: float = _env(
        "ETHIQ_INVITE_REMINDER_S",
        172_800.0,
        "a contact who has not answered their invitation this long after it was sent gets one "
        "reminder",
        gt=0,
    )
    worker: bool = _env(
        "ETHIQ_OUTBOX_WORKER",
        True,
        "`ethiq serve` also runs the background jobs (alert outbox, invitations); `off`: only "
        "`ethiq worker` processes run them (PostgreSQL)",
    )


class WorkerSettings(_Concern):
    """The job worker (``ethiq worker``, or inside ``ethiq serve``): procrastinate's options."""

    concurrency: int = _env(
        "ETHIQ_WORKER_CONCURRENCY", 10, "jobs (tenants) one worker process runs at once", ge=1
    )
    job_timeout_s: float = _env(
        "ETHIQ_WORKER_JOB_TIMEOUT_S",
        60.0,
        "one tenant's delivery job is cut off after this (its rows' leases let another resume)",
        gt=0,
    )
    sweep: str = _env(
        "ETHIQ_WORKER_SWEEP",
        "*/5 * * * *",
        "cron (a 6th field: seconds) of the sweep that queues a job for every tenant, "
        "recovering work whose job was lost",
    )
    metering: str = _env(
        "ETHIQ_WORKER_METERING",
        "*/15 * * * *",
        "cron of the metering job: each tenant's usage against its plan, the 80 %/100 % "
        "notices, last month's overage settled",
    )
    kyc_purge: str = _env(
        "ETHIQ_WORKER_KYC_PURGE",
        "30 3 * * *",
        "cron of the KYC purge job (`ethiq billing purge-kyc`, docs/privacy.md)",
    )
    privacy: str = _env(
        "ETHIQ_WORKER_PRIVACY",
        "45 3 * * *",
        "cron of the privacy job: transcripts past their region's retention emptied, erasure "
        "requests not finished yet run again (docs/privacy.md)",
    )
    enrolment: str = _env(
        "ETHIQ_WORKER_ENROLMENT",
        "* * * * *",
        "cron of the sign-ups' enrolment job: the person of each sign-up whose stack the "
        "reconcile registered is enrolled and welcomed (docs/architecture.md: sign-up)",
    )
    pool_size: int = _env(
        "ETHIQ_JOBS_POOL_SIZE",
        4,
        "procrastinate's PostgreSQL pool per process (deferring, fetching and finishing jobs, "
        "heartbeats; a worker holds one more for LISTEN); the jobs' own queries use "
        "ETHIQ_DB_POOL_SIZE (docs/architecture.md: connections)",
        ge=1,
    )
    metrics_port: int = _env(
        "ETHIQ_WORKER_METRICS_PORT",
        WORKER_METRICS_PORT,
        "port of `ethiq worker`'s Prometheus `/metrics` (on ETHIQ_HOST; 0: none; a port "
        "already taken, e.g. by another worker on the host: a warning, no metrics)",
        ge=0,
        le=65535,
    )
    heartbeat_s: float = _env(
        "ETHIQ_WORKER_HEARTBEAT_S",
        10.0,
        "a worker's heartbeat; one silent for 3 beats is stalled (jobs recovered, "
        "`/health/ready` degraded)",
        gt=0,
    )

    @field_validator("sweep", "metering", "kyc_purge", "privacy", "enrolment")
    @classmethod
    def _cron(cls, value: str) -> str:
        return _valid_cron(value)

    @property
    def stalled_s(self) -> float:
        return 3 * self.heartbeat_s


class OncallSettings(_Concern):
    """Who hears of operator alerts (incidents, campaign callers, scam surges) and how often."""

    email: str = _env(
        "ETHIQ_ONCALL_EMAIL", "", "the on-call operator's email (empty: no operator email)"
    )
    sms: str = _env(
        "ETHIQ_ONCALL_SMS", "", "the on-call operator's phone, E.164 (empty: no operator SMS)"
    )
    sms_from: str = _env(
        "ETHIQ_ONCALL_SMS_FROM",
        "",
        "the parent account's number (E.164) or Messaging Service (MG…) that texts the on-call",
    )
    per_hour: int = _env(
        "ETHIQ_ONCALL_PER_HOUR",
        6,
        "operator alerts sent per channel per hour; more wait for the digest (never dropped)",
        ge=1,
    )
    digest: str = _env(
        "ETHIQ_ONCALL_DIGEST",
        "0 8 * * 1",
        "cron (UTC) of the operators' digest email: the week's incidents, held alerts, campaign "
        "callers and blocks",
    )

    @field_validator("sms", "sms_from")
    @classmethod
    def _number(cls, value: str) -> str:
        if not value or value.startswith("MG"):
            return value
        try:
            parsed = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException as error:
            raise ValueError(f"not an E.164 number: {error}") from None
        if not phonenumbers.is_valid_number(parsed):
            raise ValueError("not a valid E.164 number")
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    @field_validator("digest")
    @classmethod
    def _cron(cls, value: str) -> str:
        return _valid_cron(value)

    @property
    def channels(self) -> list[tuple[str, str]]:
        """(channel, recipient) of each configured way to reach the on-call operator."""
        wanted = [("email", self.email), ("sms", self.sms if self.sms_from else "")]
        return [(channel, to) for channel, to in wanted if to]


class ServerSettings(_Concern):
    """Where ``ethiq serve`` listens."""

    host: str = _env("ETHIQ_HOST", "127.0.0.1", "address `ethiq serve` binds")
    port: int = _env("ETHIQ_PORT", PORT, "port `ethiq serve` listens on", ge=1, le=65535)
    workers: int = _env("ETHIQ_WORKERS", 1, "Granian worker processes", ge=1)
    max_body_bytes: int = _env(
        "ETHIQ_MAX_BODY_BYTES", 65_536, "largest request body accepted (413 beyond)", ge=1024
    )
    body_timeout_s: float = _env(
        "ETHIQ_BODY_TIMEOUT_S", 5.0, "time a client has to send its whole body (408 beyond)", gt=0
    )
    header_timeout_s: float = _env(
        "ETHIQ_HEADER_TIMEOUT_S", 5.0, "time a client has to send its headers (Granian)", gt=0
    )
    trusted_proxies: int = _env(
        "ETHIQ_TRUSTED_PROXIES",
        0,
        "proxies in front whose X-Forwarded-For entry names the client (the load balancer: 1)",
        ge=0,
        le=5,
    )
    calls_per_tenant: int = _env(
        "ETHIQ_CALLS_PER_TENANT",
        30,
        "new calls a tenant takes per minute; beyond, busy (its contacts always ring)",
        ge=1,
    )
    rejects_per_source: int = _env(
        "ETHIQ_REJECTS_PER_SOURCE",
        60,
        "refused webhooks (403) one client address may send per minute; beyond, 429",
        ge=1,
    )


class PeopleSettings(_Concern):
    """Magic links, sessions and the SMTP relay that sends welcome and login emails.

    ``ETHIQ_WEB_SECRET`` signs magic links and CSRF tokens; when unset it is derived from the
    registry key (one secret fewer to deploy; rotating the registry key then signs everyone out).
    """

    secret: str = _env("ETHIQ_WEB_SECRET", "", "signs magic links and CSRF tokens", repr=False)
    login_ttl_s: int = _env(
        "ETHIQ_LOGIN_TTL_S", 900, "a magic link is valid this long, once", ge=60
    )
    session_ttl_s: int = _env(
        "ETHIQ_SESSION_TTL_S", 8 * 3600, "a page session lasts this long", ge=60
    )
    fresh_login_s: int = _env(
        "ETHIQ_FRESH_LOGIN_S",
        600,
        "SIP settings, one's data download and erasure need a sign-in younger than this",
        ge=60,
    )
    login_per_address: int = _env(
        "ETHIQ_LOGIN_PER_ADDRESS", 5, "sign-in links one address may ask for per window", ge=1
    )
    login_per_source: int = _env(
        "ETHIQ_LOGIN_PER_SOURCE", 20, "sign-in links one client IP may ask for per window", ge=1
    )
    login_window_s: int = _env(
        "ETHIQ_LOGIN_WINDOW_S", 3600, "the window of the sign-in link limits", ge=60
    )
    smtp_host: str = _env("ETHIQ_SMTP_HOST", "127.0.0.1", "SMTP relay for welcome and login emails")
    smtp_port: int = _env("ETHIQ_SMTP_PORT", 25, "SMTP relay port", ge=1, le=65535)
    smtp_username: str = _env("ETHIQ_SMTP_USERNAME", "", "SMTP login (empty: none)")
    smtp_password: str = _env("ETHIQ_SMTP_PASSWORD", "", "SMTP password", repr=False)
    smtp_starttls: bool = _env("ETHIQ_SMTP_STARTTLS", False, "STARTTLS on a submission port (587)")
    smtp_tls: bool = _env("ETHIQ_SMTP_TLS", False, "implicit TLS (465)")
    smtp_timeout_s: int = _env(
        "ETHIQ_SMTP_TIMEOUT_S", 10, "SMTP connection and command timeout", ge=1
    )
    mail_from: str = _env(
        "ETHIQ_MAIL_FROM", "Ethiq <no-reply@ethiq.invalid>", "sender of every email"
    )


# AWS's SNS endpoints over https: what may sign a message and where a subscription is confirmed
# (AWS's "Verifying the signatures of Amazon SNS messages"); tests serve theirs on loopback.
SNS_AWS_URLS: Final = r"^https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/"


class ObservabilitySettings(_Concern):
    """Error tracking (Sentry), the metrics' tenant labels, and the SNS topic through which
    Amazon Managed Prometheus' alert manager opens incidents."""

    sentry_dsn: str = _env("SENTRY_DSN", "", "Sentry DSN (empty: no error tracking)", repr=False)
    environment: str = _env(
        "ETHIQ_ENVIRONMENT", "development", "environment name reported with errors"
    )
    metrics_tenants: int = _env(
        "ETHIQ_METRICS_TENANTS",
        100,
        "tenants with a label of their own on the call and verdict counters (later: _other)",
        ge=0,
    )
    sns_topic_arn: str = _env(
        "ETHIQ_SNS_TOPIC_ARN",
        "",
        "the alert manager's SNS topic: its signed notifications open incidents at "
        "`/operator/incidents/sns` (empty: that route refuses everything)",
    )
    sns_url_pattern: str = _env(
        "ETHIQ_SNS_URL_PATTERN",
        SNS_AWS_URLS,
        "regular expression an SNS message's SigningCertURL and SubscribeURL must match",
    )
    sns_notification_days: int = _env(
        "ETHIQ_SNS_NOTIFICATION_DAYS",
        7,
        "days an SNS notification's MessageId is remembered, so that a retry or replay is "
        "applied once; a message signed longer ago is refused as stale, and the weekly digest "
        "job forgets older ones (SNS retries for an hour at most)",
        ge=1,
    )

    @field_validator("sns_url_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return value


class BillingSettings(_Concern):
    """Stripe: secret API key, API base URL and the webhook endpoint's signing secret."""

    stripe_api_key: str = _env("STRIPE_API_KEY", "", "Stripe secret API key", repr=False)
    stripe_api_base_url: str = _env(
        "STRIPE_API_BASE_URL", "", "Stripe API base URL (empty: Stripe; stripe-mock in tests)"
    )
    stripe_webhook_secret: str = _env(
        "STRIPE_WEBHOOK_SECRET",
        "",
        "signing secret of the Stripe webhook endpoint (empty: webhooks refused with 503)",
        repr=False,
    )
    payment_grace_days: int = _env(
        "ETHIQ_PAYMENT_GRACE_DAYS",
        14,
        "days a failed payment leaves the service whole (the person is told at once); alerts "
        "are suspended after them, and only once that notice was sent",
        ge=1,
    )
    number_retention_days: int = _env(
        "ETHIQ_NUMBER_RETENTION_DAYS",
        30,
        "days a canceled subscription keeps its number (calls still connected) before its "
        "release is due",
        ge=1,
    )
    standing_cache_s: float = _env(
        "ETHIQ_STANDING_CACHE_S",
        60.0,
        "seconds the alert outbox keeps a tenant's subscription standing before reading it again",
        ge=0,
    )
    kyc_retention_days: int = _env(
        "ETHIQ_KYC_RETENTION_DAYS",
        30,
        "days Stripe keeps a finished identity verification's documents before Ethiq redacts "
        "them (docs/privacy.md)",
        ge=1,
    )


class PrivacySettings(_Concern):
    """People's data rights and retention (docs/privacy.md)."""

    transcript_retention: str = _env(
        "ETHIQ_TRANSCRIPT_RETENTION_DAYS",
        "CA=90,US=30",
        "days a call's transcript is kept, per region: `REGION=DAYS` pairs, the most specific "
        "match wins (`US-CA=30,US=60,CA=90`), a region matching none gets the shortest; the "
        "call log row and its verdict stay",
    )

    backup_days: int = _env(
        "ETHIQ_BACKUP_RETENTION_DAYS",
        14,
        "days the platform database's backups are kept (the platform stack's backup "
        "retention): erased data is gone from every backup that much later",
        ge=1,
    )

    @field_validator("transcript_retention")
    @classmethod
    def _retention(cls, value: str) -> str:
        retention_table(value)
        return value

    def transcript_days(self, region: str) -> int:
        """Days transcripts of a tenant in ``region`` (``CA-QC``) are kept."""
        table = retention_table(self.transcript_retention)
        key = region.strip().upper()
        while key:
            if key in table:
                return table[key]
            key = key.rpartition("-")[0]
        return min(table.values())


def retention_table(value: str) -> dict[str, int]:
    """``CA=90,US-CA=30`` → ``{"CA": 90, "US-CA": 30}``; ``ValueError`` saying what is wrong."""
    table: dict[str, int] = {}
    for pair in value.split(","):
        region, sep, days = pair.strip().partition("=")
        region = region.strip().upper()
        if not sep or not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", region):
            raise ValueError(f"{pair.strip()!r} is not REGION=DAYS (e.g. CA=90 or US-CA=30)")
        if not days.strip().isdigit() or int(days) < 1:
            raise ValueError(f"{pair.strip()!r}: days must be a whole number, at least 1")
        table[region] = int(days)
    return table


_CONCERNS: Final[dict[str, type[_Concern]]] = {
    "database": DatabaseSettings,
    "store": StoreSettings,
    "twilio": TwilioSettings,
    "security": SecuritySettings,
    "screening": ScreeningSettings,
    "alerts": AlertSettings,
    "worker": WorkerSettings,
    "oncall": OncallSettings,
    "server": ServerSettings,
    "people": PeopleSettings,
    "observability": ObservabilitySettings,
    "billing": BillingSettings,
    "privacy": PrivacySettings,
}


class Settings(BaseModel):
    """Every setting of the runtime."""

    model_config = ConfigDict(frozen=True)

    database: DatabaseSettings = Field(default_factory=DatabaseSettings.model_construct)
    store: StoreSettings = Field(default_factory=StoreSettings.model_construct)
    twilio: TwilioSettings = Field(default_factory=TwilioSettings.model_construct)
    security: SecuritySettings = Field(default_factory=SecuritySettings.model_construct)
    screening: ScreeningSettings = Field(default_factory=ScreeningSettings.model_construct)
    alerts: AlertSettings = Field(default_factory=AlertSettings.model_construct)
    worker: WorkerSettings = Field(default_factory=WorkerSettings.model_construct)
    oncall: OncallSettings = Field(default_factory=OncallSettings.model_construct)
    server: ServerSettings = Field(default_factory=ServerSettings.model_construct)
    people: PeopleSettings = Field(default_factory=PeopleSettings.model_construct)
    observability: ObservabilitySettings = Field(
        default_factory=ObservabilitySettings.model_construct
    )
    billing: BillingSettings = Field(default_factory=BillingSettings.model_construct)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings.model_construct)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``env`` (default: ``os.environ``); empty values mean the default.

        Raises :class:`SettingsError` naming every variable whose value is invalid.
        """
        env = os.environ if env is None else env
        values: dict[str, _Concern] = {}
        problems: list[str] = []
        for name, concern in _CONCERNS.items():
            given = {
                alias: env[alias].strip()
                for alias in _aliases(concern)
                if alias in env and env[alias].strip()
            }
            try:
                values[name] = concern(**given)
            except ValidationError as error:
                for item in error.errors():
                    variable = ".".join(str(part) for part in item["loc"])
                    shown = "(hidden)" if _secret(concern, variable) else repr(given.get(variable))
                    problems.append(f"{variable}={shown}: {item['msg']}")
        if problems:
            raise SettingsError("invalid settings: " + "; ".join(problems))
        return cls(**values)  # type: ignore[arg-type]


def _aliases(concern: type[_Concern]) -> list[str]:
    return [str(f.validation_alias) for f in concern.model_fields.values()]


def _secret(concern: type[_Concern], alias: str) -> bool:
    fields = concern.model_fields.values()
    return any(str(f.validation_alias) == alias and not f.repr for f in fields)


@cache
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_env()


def markdown_table() -> str:
    """The documentation table of every setting (``docs/settings.md``)."""
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for concern in _CONCERNS.values():
        for field in concern.model_fields.values():
            default = field.default
            if isinstance(default, tuple):
                default = ",".join(default)
            shown = f"`{default}`" if default not in ("", ()) else "(empty)"
            if isinstance(default, bool):
                shown = "`on`" if default else "`off`"
            lines.append(f"| `{field.validation_alias}` | {shown} | {field.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - documented command
    sys.stdout.write(markdown_table())
