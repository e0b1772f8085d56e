"""Redis (ElastiCache): routing cache, idempotency keys, caller velocity and rate limits.

Private, TLS in transit, encrypted at rest with the platform key, a replica in the second zone
with automatic failover (the runtime degrades, never drops calls, while it fails over).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.platform_stack.firewall import REDIS_PORT

__all__ = ["Cache", "CacheArgs"]


@dataclass(frozen=True)
class CacheArgs:
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    node_type: str = "cache.t4g.small"
    engine_version: str = "7.1"


class Cache(pulumi.ComponentResource):
    url: pulumi.Output[str]  # rediss://primary:6379/0

    def __init__(
        self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ethiq:platform:Cache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        subnets = aws.elasticache.SubnetGroup(
            f"{name}-subnets", subnet_ids=args.subnet_ids, opts=child
        )
        group = aws.elasticache.ReplicationGroup(
            f"{name}-redis",
            description="Ethiq runtime cache",
            engine="redis",
            engine_version=args.engine_version,
            node_type=args.node_type,
            port=REDIS_PORT,
            num_cache_clusters=2,
            automatic_failover_enabled=True,
            multi_az_enabled=True,
            subnet_group_name=subnets.name,
            security_group_ids=[args.security_group_id],
            at_rest_encryption_enabled=True,
            kms_key_id=args.kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            snapshot_retention_limit=1,
            opts=child,
        )
        self.url = pulumi.Output.format(
            "rediss://{0}:{1}/0", group.primary_endpoint_address, REDIS_PORT
        )
        self.register_outputs({"url": self.url})
