"""Security groups, declared together so that each one can name the others.

Only the load balancer accepts traffic from the internet (443, and 80 to redirect); the runtime
accepts only the load balancer; PostgreSQL accepts the runtime and the CI runner; Redis accepts
the runtime. The database and Redis groups have no egress at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from runtime.serving import PORT

__all__ = ["RUNTIME_PORT", "Firewall", "FirewallArgs"]

RUNTIME_PORT = PORT  # the runtime's own declaration (runtime/serving.py)
POSTGRES_PORT = 5432
REDIS_PORT = 6379
_IPV4_ANY, _IPV6_ANY = ["0.0.0.0/0"], ["::/0"]


def _tcp(
    port: int, description: str, *, groups: list[pulumi.Input[str]] | None = None
) -> aws.ec2.SecurityGroupIngressArgs:
    """From ``groups``, or from anywhere when none is given."""
    return aws.ec2.SecurityGroupIngressArgs(
        protocol="tcp",
        from_port=port,
        to_port=port,
        description=description,
        security_groups=groups,
        cidr_blocks=None if groups else _IPV4_ANY,
        ipv6_cidr_blocks=None if groups else _IPV6_ANY,
    )


def _egress_anywhere() -> list[aws.ec2.SecurityGroupEgressArgs]:
    return [
        aws.ec2.SecurityGroupEgressArgs(
            protocol="-1", from_port=0, to_port=0, cidr_blocks=_IPV4_ANY, ipv6_cidr_blocks=_IPV6_ANY
        )
    ]


@dataclass(frozen=True)
class FirewallArgs:
    vpc_id: pulumi.Input[str]
    vpc_cidr: str


class Firewall(pulumi.ComponentResource):
    load_balancer: aws.ec2.SecurityGroup
    runtime: aws.ec2.SecurityGroup
    runner: aws.ec2.SecurityGroup
    preview_runner: aws.ec2.SecurityGroup
    database: aws.ec2.SecurityGroup
    cache: aws.ec2.SecurityGroup

    def __init__(
        self, name: str, args: FirewallArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ethiq:platform:Firewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def group(
            key: str,
            description: str,
            ingress: list[aws.ec2.SecurityGroupIngressArgs],
            egress: list[aws.ec2.SecurityGroupEgressArgs],
        ) -> aws.ec2.SecurityGroup:
            return aws.ec2.SecurityGroup(
                f"{name}-{key}",
                vpc_id=args.vpc_id,
                description=description,
                ingress=ingress,
                egress=egress,
                revoke_rules_on_delete=True,
                opts=child,
            )

        self.load_balancer = group(
            "alb",
            "Internet to the load balancer: https, and http only to redirect",
            [_tcp(443, "https"), _tcp(80, "http, redirected to https")],
            [
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="tcp",
                    from_port=RUNTIME_PORT,
                    to_port=RUNTIME_PORT,
                    cidr_blocks=[args.vpc_cidr],
                    description="to the runtime tasks",
                )
            ],
        )
        self.runtime = group(
            "runtime",
            "Runtime tasks: from the load balancer only",
            [_tcp(RUNTIME_PORT, "from the load balancer", groups=[self.load_balancer.id])],
            _egress_anywhere(),  # Twilio's API, Secrets Manager, logs
        )
        self.runner = group(
            "runner",
            "CI runner: no inbound traffic (managed through SSM)",
            [],
            _egress_anywhere(),  # GitHub, package registries, Twilio's API
        )
        # Previews run pull requests' code: no way into PostgreSQL or Redis (neither admits it).
        self.preview_runner = group(
            "preview-runner",
            "CI preview runner: no inbound traffic, no access to the database or the cache",
            [],
            _egress_anywhere(),  # GitHub, package registries, the state backend
        )
        self.database = group(
            "database",
            "PostgreSQL: from the runtime and the CI runner",
            [
                _tcp(POSTGRES_PORT, "runtime", groups=[self.runtime.id]),
                _tcp(POSTGRES_PORT, "CI runner (tenant stacks)", groups=[self.runner.id]),
            ],
            [],
        )
        self.cache = group(
            "cache",
            "Redis: from the runtime",
            [_tcp(REDIS_PORT, "runtime", groups=[self.runtime.id])],
            [],
        )
        self.register_outputs(
            {
                "loadBalancer": self.load_balancer.id,
                "runtime": self.runtime.id,
                "runner": self.runner.id,
                "previewRunner": self.preview_runner.id,
                "database": self.database.id,
                "cache": self.cache.id,
            }
        )
