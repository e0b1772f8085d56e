"""The Platform component: every shared resource, as children of one component."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.platform_stack.cache import Cache, CacheArgs
from infra.platform_stack.config import PlatformConfig
from infra.platform_stack.connections import ConnectionBudget
from infra.platform_stack.database import Database, DatabaseArgs
from infra.platform_stack.firewall import Firewall, FirewallArgs
from infra.platform_stack.monitoring import Monitoring, MonitoringArgs, kms_statement
from infra.platform_stack.network import Network, NetworkArgs
from infra.platform_stack.runner import CiRunner, CiRunnerArgs
from infra.platform_stack.runtime_service import RuntimeService, RuntimeServiceArgs
from infra.platform_stack.secret_store import PlatformSecrets, SecretsArgs
from runtime.settings import Settings

__all__ = ["Platform", "PlatformArgs"]


@dataclass(frozen=True)
class PlatformArgs:
    config: PlatformConfig
    zones: pulumi.Input[Sequence[str]]


class Platform(pulumi.ComponentResource):
    runtime_url: pulumi.Output[str]
    runtime_deploy: dict[str, pulumi.Output[str]]
    data_region: pulumi.Output[str]
    runner_label: pulumi.Output[str]
    preview_runner_label: pulumi.Output[str]
    secret_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ethiq:platform:Platform", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)

        key = aws.kms.Key(
            f"{name}-key",
            description="Ethiq platform: secrets, database, cache, runner disk",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=child,
        )
        aws.kms.Alias(f"{name}-key", name=f"alias/{name}", target_key_id=key.key_id, opts=child)
        network = Network(name, NetworkArgs(cidr=config.vpc_cidr, zones=args.zones), child)
        firewall = Firewall(
            name, FirewallArgs(vpc_id=network.vpc_id, vpc_cidr=config.vpc_cidr), child
        )
        database_args = DatabaseArgs(
            subnet_ids=network.private_subnet_ids,
            security_group_id=firewall.database.id,
            kms_key_arn=key.arn,
            password=config.db_password,
        )
        # The tasks at their ceilings (and mid-rollout) must fit the database's connections:
        # refused here, at preview, rather than as "too many clients" under load.
        ConnectionBudget(
            web_tasks=max(config.runtime_max_count, config.runtime_count),
            worker_tasks=max(config.worker_max_count, config.worker_count)
            if config.worker_count > 0
            else 0,
            max_connections=database_args.max_connections,
            settings=Settings.from_env({}),
        ).check()
        database = Database(name, database_args, child)
        cache = Cache(
            name,
            CacheArgs(
                subnet_ids=network.private_subnet_ids,
                security_group_id=firewall.cache.id,
                kms_key_arn=key.arn,
            ),
            child,
        )
        secrets = PlatformSecrets(
            name,
            SecretsArgs(
                kms_key_arn=key.arn,
                database_url=database.url,
                registry_key=config.registry_key,
                twilio_account_sid=config.twilio_account_sid,
                twilio_auth_token=config.twilio_auth_token,
                operator_token=config.operator_token,
            ),
            child,
        )
        operator_secret: dict[str, pulumi.Input[str]] = (
            {}
            if secrets.operator_token is None
            else {"ETHIQ_OPERATOR_TOKEN": secrets.operator_token.arn}
        )
        alarms = aws.sns.Topic(f"{name}-alarms", kms_master_key_id="alias/aws/sns", opts=child)
        if config.alarm_email:
            aws.sns.TopicSubscription(
                f"{name}-alarms-email",
                topic=alarms.arn,
                protocol="email",
                endpoint=config.alarm_email,
                opts=child,
            )
        account_id = aws.get_caller_identity_output().account_id
        monitoring = Monitoring(
            name,
            MonitoringArgs(
                region=config.region,
                github_repository=config.github_repository,
                account_id=account_id,
                kms_key_arn=key.arn,
                alarm_email=config.alarm_email,
            ),
            child,
        )
        # The key's policy: the account's IAM policies decide, as under the default key policy,
        # plus AMP's use of its topics' data keys (AWS: an encrypted topic's publishing
        # service needs kms:GenerateDataKey* and kms:Decrypt in the key policy).
        aws.kms.KeyPolicy(
            f"{name}-key",
            key_id=key.key_id,
            policy=pulumi.Output.all(account_id, monitoring.topic_arns).apply(
                lambda a: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "AccountIam",
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{a[0]}:root"},
                                "Action": "kms:*",
                                "Resource": "*",
                            },
                            kms_statement(a[1]),
                        ],
                    }
                )
            ),
            opts=child,
        )
        runtime = RuntimeService(
            name,
            RuntimeServiceArgs(
                vpc_id=network.vpc_id,
                public_subnet_ids=network.public_subnet_ids,
                private_subnet_ids=network.private_subnet_ids,
                load_balancer_security_group_id=firewall.load_balancer.id,
                security_group_id=firewall.runtime.id,
                region=config.region,
                hostname=config.hostname,
                zone_id=config.zone_id,
                image=config.image,
                kms_key_arn=key.arn,
                secrets={
                    "DATABASE_URL": secrets.database_url.arn,
                    "ETHIQ_REGISTRY_KEY": secrets.registry_key.arn,
                    "TWILIO_ACCOUNT_SID": pulumi.Output.concat(
                        secrets.twilio.arn, ":account_sid::"
                    ),
                    "TWILIO_AUTH_TOKEN": pulumi.Output.concat(secrets.twilio.arn, ":auth_token::"),
                    **operator_secret,
                },
                environment={
                    "ETHIQ_PUBLIC_URL": config.public_url,
                    "ETHIQ_DATA_REGION": config.region,
                    # What the privacy page tells people: erased data leaves the backups when
                    # the database's own backups expire (docs/privacy.md).
                    "ETHIQ_BACKUP_RETENTION_DAYS": str(database_args.backup_days),
                    "REDIS_URL": cache.url,
                    "ETHIQ_SNS_TOPIC_ARN": monitoring.alerts_topic_arn,
                    **config.oncall_environment,
                },
                alarm_topic_arn=alarms.arn,
                metrics_remote_write_url=monitoring.remote_write_url,
                metrics_workspace_arn=monitoring.workspace_arn,
                desired_count=config.runtime_count,
                max_count=max(config.runtime_max_count, config.runtime_count),
                worker_count=config.worker_count,
                worker_max_count=config.worker_max_count,
                github_repository=config.github_repository,
                github_oidc_provider_arn=config.github_oidc_provider_arn,
            ),
            child,
        )
        monitoring.subscribe_runtime(config.public_url, runtime)
        runner = CiRunner(
            name,
            CiRunnerArgs(
                subnet_id=network.private_subnet_ids[0],
                security_group_id=firewall.runner.id,
                region=config.region,
                label=config.runner_label,
                repository=config.github_repository,
                github_token_secret_arn=secrets.runner_token.arn,
                readable_secret_arns=[secrets.database_url.arn, secrets.registry_key.arn],
                kms_key_arn=key.arn,
            ),
            child,
        )

        # Pull request previews: another instance, role and security group. It reads no platform
        # secret and decrypts no state, cannot reach the database, and gets no Twilio token.
        preview_runner = CiRunner(
            f"{name}-preview",
            CiRunnerArgs(
                subnet_id=network.private_subnet_ids[0],
                security_group_id=firewall.preview_runner.id,
                region=config.region,
                label=config.preview_runner_label,
                repository=config.github_repository,
                github_token_secret_arn=secrets.runner_token.arn,
                readable_secret_arns=[],
                kms_key_arn=key.arn,
                decrypt_any=False,
                instance_type="t3.medium",
            ),
            child,
        )

        self.runtime_url = runtime.url
        self.runtime_deploy = runtime.deploy
        self.data_region = pulumi.Output.from_input(config.region)
        self.runner_label = runner.label
        self.preview_runner_label = preview_runner.label
        self.secret_arns = {
            "databaseUrl": secrets.database_url.arn,
            "registryKey": secrets.registry_key.arn,
            "twilio": secrets.twilio.arn,
            "runnerGithubToken": secrets.runner_token.arn,
        }
        self.register_outputs(
            {
                "runtimeUrl": self.runtime_url,
                "dataRegion": self.data_region,
                "runnerLabel": self.runner_label,
                "previewRunnerLabel": self.preview_runner_label,
                "databaseAddress": database.address,
                "loadBalancerDnsName": runtime.load_balancer_dns_name,
                "alarmTopicArn": alarms.arn,
                "secretArns": self.secret_arns,
                "runtimeDeploy": self.runtime_deploy,
            }
        )
