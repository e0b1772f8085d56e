"""The platform stack's settings: ``platform:*`` config keys, secrets only as secret config."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

__all__ = ["DEFAULT_REGION", "PlatformConfig", "load_config"]

DEFAULT_REGION = "ca-central-1"


@dataclass(frozen=True)
class PlatformConfig:
    hostname: str  # public webhook hostname, e.g. hooks.ethiq.example (ETHIQ_PUBLIC_URL)
    zone_id: str  # Route 53 hosted zone of the hostname: certificate validation and alias
    image: str  # the runtime's container image
    github_repository: str  # owner/name the CI runner registers with
    db_password: pulumi.Output[str]
    registry_key: pulumi.Output[str]
    twilio_account_sid: pulumi.Output[str]
    twilio_auth_token: pulumi.Output[str]
    region: str = DEFAULT_REGION
    vpc_cidr: str = "10.40.0.0/16"
    runner_label: str = "ethiq-platform"  # the runner that applies (reaches the database)
    preview_runner_label: str = "ethiq-preview"  # the runner that previews pull requests
    runtime_count: int = 2  # the fewest runtime tasks; autoscaling adds up to runtime_max_count
    runtime_max_count: int = 10
    worker_count: int = 1  # `ethiq worker` tasks (0: the web tasks run the jobs)
    worker_max_count: int = 4
    github_oidc_provider_arn: str | None = None  # the account's GitHub OIDC provider
    alarm_email: str | None = None
    operator_token: pulumi.Output[str] | None = None  # ETHIQ_OPERATOR_TOKEN: operator API, page
    # Who hears of incidents (ETHIQ_ONCALL_*); the email defaults to alarm_email.
    oncall_email: str | None = None
    oncall_sms: str | None = None
    oncall_sms_from: str | None = None  # a number (or MG… service) of the parent account

    @property
    def oncall_environment(self) -> dict[str, str]:
        values = {
            "ETHIQ_ONCALL_EMAIL": self.oncall_email or self.alarm_email,
            "ETHIQ_ONCALL_SMS": self.oncall_sms,
            "ETHIQ_ONCALL_SMS_FROM": self.oncall_sms_from,
        }
        return {key: value for key, value in values.items() if value}

    @property
    def public_url(self) -> str:
        return f"https://{self.hostname}"


def load_config(config: pulumi.Config | None = None) -> PlatformConfig:
    """Read ``platform:*``; the four credentials must be set with ``pulumi config set --secret``
    (they are read as secrets, so they stay encrypted in the stack file and the state)."""
    config = config or pulumi.Config("platform")
    return PlatformConfig(
        hostname=config.require("hostname"),
        zone_id=config.require("zoneId"),
        image=config.require("image"),
        github_repository=config.require("githubRepository"),
        db_password=config.require_secret("dbPassword"),
        registry_key=config.require_secret("registryKey"),
        twilio_account_sid=config.require_secret("twilioAccountSid"),
        twilio_auth_token=config.require_secret("twilioAuthToken"),
        region=config.get("region") or DEFAULT_REGION,
        vpc_cidr=config.get("vpcCidr") or "10.40.0.0/16",
        runner_label=config.get("runnerLabel") or "ethiq-platform",
        preview_runner_label=config.get("previewRunnerLabel") or "ethiq-preview",
        runtime_count=config.get_int("runtimeCount") or 2,
        runtime_max_count=config.get_int("runtimeMaxCount") or 10,
        worker_count=_count(config, "workerCount", 1),
        worker_max_count=config.get_int("workerMaxCount") or 4,
        github_oidc_provider_arn=config.get("githubOidcProviderArn"),
        alarm_email=config.get("alarmEmail"),
        operator_token=config.get_secret("operatorToken"),
        oncall_email=config.get("oncallEmail"),
        oncall_sms=config.get("oncallSms"),
        oncall_sms_from=config.get("oncallSmsFrom"),
    )


def _count(config: pulumi.Config, key: str, default: int) -> int:
    """An optional count where 0 is a value, not the default."""
    value = config.get_int(key)
    return default if value is None else value
