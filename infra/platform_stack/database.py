"""Managed PostgreSQL for the platform registry and every ``tenant_<slug>`` schema.

Private (no public address, private subnets, reachable only from the runtime and the CI runner),
encrypted at rest with the platform key and in transit (``rds.force_ssl``), backed up daily with
point-in-time recovery, protected from deletion, and snapshotted if it is ever deleted anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

__all__ = ["MIN_BACKUP_DAYS", "Database", "DatabaseArgs"]

MIN_BACKUP_DAYS = 7
_DB_NAME = "ethiq"
_USER = "ethiq"


@dataclass(frozen=True)
class DatabaseArgs:
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    password: pulumi.Output[str]  # secret
    instance_class: str = "db.t4g.medium"
    engine_version: str = "16"
    storage_gb: int = 50
    backup_days: int = 14
    multi_az: bool = True
    # Declared, not left to RDS's memory formula (LEAST(DBInstanceClassMemory/9531392, 5000):
    # about 420 on a 4 GiB db.t4g.medium), so the platform can check the runtime's peak
    # against it (connections.py). Static: a change applies at the next reboot.
    # https://docs.aws.amazon.com/prescriptive-guidance/latest/tuning-postgresql-parameters/max-connections.html
    max_connections: int = 450

    def __post_init__(self) -> None:
        if self.backup_days < MIN_BACKUP_DAYS:
            raise ValueError(f"backups are kept at least {MIN_BACKUP_DAYS} days")


class Database(pulumi.ComponentResource):
    address: pulumi.Output[str]
    url: pulumi.Output[str]  # secret: postgresql://user:password@host:port/db?sslmode=require

    def __init__(
        self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ethiq:platform:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        subnets = aws.rds.SubnetGroup(f"{name}-subnets", subnet_ids=args.subnet_ids, opts=child)
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            family=f"postgres{args.engine_version}",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
                aws.rds.ParameterGroupParameterArgs(
                    name="max_connections",
                    value=str(args.max_connections),
                    apply_method="pending-reboot",
                ),
            ],
            opts=child,
        )
        instance = aws.rds.Instance(
            f"{name}-postgres",
            engine="postgres",
            engine_version=args.engine_version,
            instance_class=args.instance_class,
            allocated_storage=args.storage_gb,
            max_allocated_storage=args.storage_gb * 4,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            db_name=_DB_NAME,
            username=_USER,
            password=args.password,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[args.security_group_id],
            parameter_group_name=parameters.name,
            publicly_accessible=False,
            multi_az=args.multi_az,
            backup_retention_period=args.backup_days,
            copy_tags_to_snapshot=True,
            deletion_protection=True,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{name}-postgres-final",
            auto_minor_version_upgrade=True,
            iam_database_authentication_enabled=True,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=args.kms_key_arn,
            enabled_cloudwatch_logs_exports=["postgresql"],
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        self.address = instance.address
        self.url = pulumi.Output.secret(
            pulumi.Output.format(
                "postgresql://{0}:{1}@{2}:{3}/{4}?sslmode=require",
                _USER,
                args.password,
                instance.address,
                instance.port,
                _DB_NAME,
            )
        )
        self.register_outputs({"address": self.address, "url": self.url})
