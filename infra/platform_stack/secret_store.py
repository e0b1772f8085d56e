"""The platform's secrets in Secrets Manager, encrypted with the platform key.

Values come from secret stack config (or, for the database URL, from the database itself) and
only ever travel as Pulumi secrets. The CI runner's GitHub token is created empty: an operator
puts its value with ``aws secretsmanager put-secret-value`` so that it never enters Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

__all__ = ["PlatformSecrets", "SecretsArgs"]


@dataclass(frozen=True)
class SecretsArgs:
    kms_key_arn: pulumi.Input[str]
    database_url: pulumi.Output[str]
    registry_key: pulumi.Output[str]
    twilio_account_sid: pulumi.Output[str]
    twilio_auth_token: pulumi.Output[str]
    operator_token: pulumi.Output[str] | None = None


class PlatformSecrets(pulumi.ComponentResource):
    database_url: aws.secretsmanager.Secret
    registry_key: aws.secretsmanager.Secret
    twilio: aws.secretsmanager.Secret  # JSON: {"account_sid": ..., "auth_token": ...}
    runner_token: aws.secretsmanager.Secret
    operator_token: aws.secretsmanager.Secret | None  # only with platform:operatorToken

    def __init__(
        self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ethiq:platform:Secrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def secret(
            key: str, description: str, value: pulumi.Output[str] | None
        ) -> aws.secretsmanager.Secret:
            created = aws.secretsmanager.Secret(
                f"{name}-{key}",
                name=f"ethiq/{key}",
                description=description,
                kms_key_id=args.kms_key_arn,
                recovery_window_in_days=30,
                opts=child,
            )
            if value is not None:
                secret_value: pulumi.Output[str] = pulumi.Output.secret(value)
                aws.secretsmanager.SecretVersion(
                    f"{name}-{key}",
                    secret_id=created.id,
                    secret_string=secret_value,
                    opts=child,
                )
            return created

        self.database_url = secret("database-url", "DATABASE_URL", args.database_url)
        self.registry_key = secret("registry-key", "ETHIQ_REGISTRY_KEY", args.registry_key)
        self.twilio = secret(
            "twilio-parent",
            "The parent Twilio account (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)",
            pulumi.Output.json_dumps(
                {"account_sid": args.twilio_account_sid, "auth_token": args.twilio_auth_token}
            ),
        )
        self.runner_token = secret(
            "ci-runner-github-token",
            "GitHub token the CI runner registers with (set out of band)",
            None,
        )
        self.operator_token = (
            None
            if args.operator_token is None
            else secret(
                "operator-token",
                "ETHIQ_OPERATOR_TOKEN (the runtime's operator API and page)",
                args.operator_token,
            )
        )
        self.register_outputs(
            {
                "databaseUrl": self.database_url.arn,
                "registryKey": self.registry_key.arn,
                "twilio": self.twilio.arn,
                "runnerToken": self.runner_token.arn,
            }
        )
