"""The shared runtime: Litestar on Granian in ECS Fargate tasks behind an internet-facing ALB.

TLS ends at the load balancer with an ACM certificate for the public webhook hostname (the
address Twilio signs requests for); port 80 only redirects to https. Tasks run in private
subnets without public addresses; their credentials come from Secrets Manager at start, never
from the task definition's plain environment. A CloudWatch alarm watches the share of 5xx answers;
an optional collector sidecar sends the runtime's metrics to Prometheus (monitoring.py).

A second service of the same image runs the job worker (``ethiq worker``: the alert outbox,
invitations, operator alerts), without a load balancer, scaled on CPU; the web tasks then leave
the jobs to it (``ETHIQ_OUTBOX_WORKER=off``). ``worker_count=0`` keeps the jobs in the web tasks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from infra.platform_stack.firewall import RUNTIME_PORT
from infra.platform_stack.image import image_deployer, image_store
from infra.platform_stack.monitoring import (
    WORKER_SCRAPE_JOB,
    collector_config,
    collector_container,
)
from runtime.serving import CONTAINER_HOST, LIVE_PATH, METRICS_PATH, WORKER_METRICS_PORT

__all__ = ["ERROR_RATE_THRESHOLD", "WORKER_CONTAINER", "RuntimeService", "RuntimeServiceArgs"]

ERROR_RATE_THRESHOLD = 5.0  # percent of requests answered 5xx, by the runtime or the ALB
_CONTAINER = "runtime"
WORKER_CONTAINER = "worker"
# How the task serves: every interface of the task, on the port the load balancer targets;
# the load balancer appends the client's address to X-Forwarded-For (rate limits key on it).
_SERVING = {
    "ETHIQ_HOST": CONTAINER_HOST,
    "ETHIQ_PORT": str(RUNTIME_PORT),
    "ETHIQ_TRUSTED_PROXIES": "1",
}
_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# Target tracking: add tasks above 60 % average CPU, or above 3,000 requests per task per
# minute (50 req/s, far below what one worker's voice webhook sustains in `make bench`, so a
# burst of calls is absorbed while new tasks start).
_CPU_TARGET = 60.0
_REQUESTS_PER_TASK_PER_MINUTE = 3000.0
_ON_CPU: Final = {"cpu": ("ECSServiceAverageCPUUtilization", _CPU_TARGET, None)}


@dataclass(frozen=True)
class RuntimeServiceArgs:
    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    load_balancer_security_group_id: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    region: str
    hostname: str
    zone_id: str
    image: str  # the first image only, then the runtime-image workflow's (platform_stack/image.py)
    kms_key_arn: pulumi.Input[str]
    # Environment variable → Secrets Manager reference (an ARN, or ``ARN:json-key::``).
    secrets: Mapping[str, pulumi.Input[str]]
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    alarm_topic_arn: pulumi.Input[str] | None = None
    # Amazon Managed Prometheus: each task's collector sidecar writes here (None: no sidecar).
    metrics_remote_write_url: pulumi.Input[str] | None = None
    metrics_workspace_arn: pulumi.Input[str] | None = None
    github_repository: str | None = None  # owner/name, whose workflow rolls out images
    github_oidc_provider_arn: str | None = None  # None: no deployer role
    desired_count: int = 2  # also the autoscaling floor
    max_count: int = 10
    cpu: int = 512
    memory: int = 1024
    # The job worker's tasks (0: the web tasks run the jobs), scaled on CPU up to the ceiling.
    worker_count: int = 1
    worker_max_count: int = 4
    worker_cpu: int = 256
    worker_memory: int = 512


@dataclass(frozen=True)
class _Roles:
    logs: aws.cloudwatch.LogGroup
    execution: aws.iam.Role  # pulls the image, reads the secrets
    task: aws.iam.Role  # what the app itself may do


class RuntimeService(pulumi.ComponentResource):
    url: pulumi.Output[str]
    load_balancer_dns_name: pulumi.Output[str]
    deploy: dict[str, pulumi.Output[str]]  # what the runtime-image workflow needs to know

    def __init__(
        self, name: str, args: RuntimeServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ethiq:platform:RuntimeService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        certificate = self._certificate(name, args, child)
        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            subnets=args.public_subnet_ids,
            security_groups=[args.load_balancer_security_group_id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=True,
            opts=child,
        )
        targets = aws.lb.TargetGroup(
            f"{name}-targets",
            vpc_id=args.vpc_id,
            target_type="ip",
            port=RUNTIME_PORT,
            protocol="HTTP",
            deregistration_delay=20,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                # Liveness: ECS replaces a task that fails this (runtime/serving.py says why).
                path=LIVE_PATH,
                matcher="200",
                interval=15,
                healthy_threshold=2,
            ),
            opts=child,
        )
        https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=_TLS_POLICY,
            certificate_arn=certificate,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=targets.arn)
            ],
            opts=child,
        )
        # /metrics names tenants: it is for each task's own collector (localhost), never for
        # the internet. The runtime refuses proxied requests for it too (runtime/web/health.py).
        aws.lb.ListenerRule(
            f"{name}-no-metrics",
            listener_arn=https.arn,
            priority=10,
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(
                        values=[METRICS_PATH, f"{METRICS_PATH}/*"]
                    )
                )
            ],
            actions=[
                aws.lb.ListenerRuleActionArgs(
                    type="fixed-response",
                    fixed_response=aws.lb.ListenerRuleActionFixedResponseArgs(
                        content_type="text/plain", status_code="404", message_body="Not Found"
                    ),
                )
            ],
            opts=child,
        )
        aws.lb.Listener(
            f"{name}-http-redirect",
            load_balancer_arn=alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port="443", status_code="HTTP_301"
                    ),
                )
            ],
            opts=child,
        )
        aws.route53.Record(
            f"{name}-hostname",
            zone_id=args.zone_id,
            name=args.hostname,
            type="A",
            aliases=[
                aws.route53.RecordAliasArgs(
                    name=alb.dns_name, zone_id=alb.zone_id, evaluate_target_health=True
                )
            ],
            opts=child,
        )

        store = image_store(name, args.image, args.kms_key_arn, self)
        roles = self._roles(name, args, child)
        task = self._task_definition(name, args, store.image, roles, child)
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            opts=child,
        )
        service = aws.ecs.Service(
            f"{name}-service",
            cluster=cluster.arn,
            task_definition=task.arn,
            launch_type="FARGATE",
            desired_count=args.desired_count,
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.private_subnet_ids,
                security_groups=[args.security_group_id],
                assign_public_ip=False,
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=targets.arn,
                    container_name=_CONTAINER,
                    container_port=RUNTIME_PORT,
                )
            ],
            health_check_grace_period_seconds=30,
            # Autoscaling owns the count once the service runs; `up` must not reset it.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[https], ignore_changes=["desiredCount"]
            ),
        )
        # On CPU and on requests per task.
        self._autoscaling(
            name,
            cluster,
            service,
            args.desired_count,
            args.max_count,
            {
                **_ON_CPU,
                "requests": (
                    "ALBRequestCountPerTarget",
                    _REQUESTS_PER_TASK_PER_MINUTE,
                    pulumi.Output.concat(alb.arn_suffix, "/", targets.arn_suffix),
                ),
            },
            child,
        )
        self.deploy = {
            "repository": store.repository.repository_url,
            "parameter": store.parameter.name,
            "cluster": cluster.name,
            "service": service.name,
        }
        services: list[pulumi.Input[str]] = [service.id]  # an ECS service's id is its ARN
        if args.worker_count > 0:  # its tasks share the roles the deployer may pass
            _, worker = self._worker(name, args, store.image, roles, cluster, child)
            self.deploy["workerService"] = worker.name
            services.append(worker.id)
        if args.github_repository and args.github_oidc_provider_arn:
            role = image_deployer(
                name,
                github_repository=args.github_repository,
                oidc_provider_arn=args.github_oidc_provider_arn,
                store=store,
                service_arns=services,
                task=task,
                parent=self,
            )
            self.deploy["role"] = role.arn
        self._error_rate_alarm(name, alb, args.alarm_topic_arn, child)

        self.url = pulumi.Output.from_input(f"https://{args.hostname}")
        self.load_balancer_dns_name = alb.dns_name
        self.register_outputs({"url": self.url, "loadBalancerDnsName": alb.dns_name})

    @staticmethod
    def _autoscaling(
        prefix: str,
        cluster: aws.ecs.Cluster,
        service: aws.ecs.Service,
        floor: int,
        ceiling: int,
        metrics: Mapping[str, tuple[str, float, pulumi.Input[str] | None]],
        child: pulumi.ResourceOptions,
    ) -> None:
        """Keep ``service`` between ``floor`` and ``ceiling`` tasks, tracking each of
        ``metrics`` (kind → predefined metric, target, resource label): Application Auto
        Scaling target tracking for ECS services."""
        target = aws.appautoscaling.Target(
            f"{prefix}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
            min_capacity=floor,
            max_capacity=max(ceiling, floor),
            opts=child,
        )
        for kind, (metric, value, label) in metrics.items():
            aws.appautoscaling.Policy(
                f"{prefix}-scale-on-{kind}",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=value,
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type=metric, resource_label=label
                    ),
                    scale_in_cooldown=300,
                    scale_out_cooldown=60,
                ),
                opts=child,
            )

    @staticmethod
    def _worker(
        name: str,
        args: RuntimeServiceArgs,
        image: pulumi.Input[str],
        roles: _Roles,
        cluster: aws.ecs.Cluster,
        child: pulumi.ResourceOptions,
    ) -> tuple[aws.ecs.TaskDefinition, aws.ecs.Service]:
        """``ethiq worker`` tasks: the same image, secrets and environment as the web tasks, no
        port and no load balancer (they only reach PostgreSQL, Redis, Twilio and SMTP), scaled
        on CPU between ``worker_count`` and ``worker_max_count``."""
        # Its /metrics (job outcomes, queue lag, health) on localhost, for the task's collector.
        environment = {**args.environment, "ETHIQ_WORKER_METRICS_PORT": str(WORKER_METRICS_PORT)}
        container = RuntimeService._container(
            args, image, roles.logs, WORKER_CONTAINER, environment
        )
        container["command"] = ["worker"]  # the image's entry point is `ethiq`
        containers: list[pulumi.Input[Any]] = [container]
        if args.metrics_remote_write_url is not None and args.metrics_workspace_arn is not None:
            # The task role (shared) may already write to the workspace (_task_definition).
            containers.append(
                pulumi.Output.all(args.metrics_remote_write_url, roles.logs.name).apply(
                    lambda a: collector_container(
                        collector_config(a[0], args.region, WORKER_METRICS_PORT, WORKER_SCRAPE_JOB),
                        a[1],
                        args.region,
                    )
                )
            )
        task = RuntimeService._fargate_task(
            f"{name}-worker-task",
            f"{name}-worker",
            (args.worker_cpu, args.worker_memory),
            roles,
            containers,
            child,
        )
        service = aws.ecs.Service(
            f"{name}-worker",
            cluster=cluster.arn,
            task_definition=task.arn,
            launch_type="FARGATE",
            desired_count=args.worker_count,
            # A rollout starts new workers before stopping old ones: jobs hold leases, so two
            # generations side by side never send twice (runtime/alerts/delivery.py).
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.private_subnet_ids,
                security_groups=[args.security_group_id],
                assign_public_ip=False,
            ),
            opts=pulumi.ResourceOptions(parent=child.parent, ignore_changes=["desiredCount"]),
        )
        RuntimeService._autoscaling(
            f"{name}-worker",
            cluster,
            service,
            args.worker_count,
            args.worker_max_count,
            _ON_CPU,
            child,
        )
        return task, service

    @staticmethod
    def _certificate(
        name: str, args: RuntimeServiceArgs, child: pulumi.ResourceOptions
    ) -> pulumi.Output[str]:
        """An ACM certificate for the hostname, validated through Route 53 (DNS)."""
        certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=args.hostname,
            validation_method="DNS",
            opts=child,
        )
        option = certificate.domain_validation_options[0]
        record = aws.route53.Record(
            f"{name}-certificate-validation",
            zone_id=args.zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=300,
            allow_overwrite=True,
            opts=child,
        )
        validation = aws.acm.CertificateValidation(
            f"{name}-certificate",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
            opts=child,
        )
        return validation.certificate_arn

    @staticmethod
    def _roles(name: str, args: RuntimeServiceArgs, child: pulumi.ResourceOptions) -> _Roles:
        """The log group and the roles both services' tasks share."""
        logs = aws.cloudwatch.LogGroup(f"{name}-logs", retention_in_days=30, opts=child)
        assume = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        execution = aws.iam.Role(f"{name}-execution", assume_role_policy=assume, opts=child)
        aws.iam.RolePolicyAttachment(
            f"{name}-execution",
            role=execution.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            opts=child,
        )
        # The execution role (not the app) reads the secrets to inject them at start.
        secret_arns = [
            pulumi.Output.from_input(ref).apply(lambda r: r.split(":", 7)[:7])
            for ref in args.secrets.values()
        ]
        aws.iam.RolePolicy(
            f"{name}-read-secrets",
            role=execution.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "secretsmanager:GetSecretValue",
                            "Resource": [a.apply(":".join) for a in secret_arns],
                        },
                        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": args.kms_key_arn},
                    ],
                }
            ),
            opts=child,
        )
        task_role = aws.iam.Role(f"{name}-task", assume_role_policy=assume, opts=child)
        return _Roles(logs, execution, task_role)

    @staticmethod
    def _container(
        args: RuntimeServiceArgs,
        image: pulumi.Input[str],
        logs: aws.cloudwatch.LogGroup,
        name: str,
        environment: Mapping[str, pulumi.Input[str]],
    ) -> dict[str, Any]:
        return {
            "name": name,
            "image": image,
            "essential": True,
            "environment": [
                {"name": key, "value": value} for key, value in sorted(environment.items())
            ],
            "secrets": [
                {"name": key, "valueFrom": ref} for key, ref in sorted(args.secrets.items())
            ],
            "readonlyRootFilesystem": True,
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": logs.name,
                    "awslogs-region": args.region,
                    "awslogs-stream-prefix": name,
                },
            },
        }

    @staticmethod
    def _task_definition(
        name: str,
        args: RuntimeServiceArgs,
        image: pulumi.Input[str],
        roles: _Roles,
        child: pulumi.ResourceOptions,
    ) -> aws.ecs.TaskDefinition:
        logs, task_role = roles.logs, roles.task
        environment = {**args.environment, **_SERVING}
        if args.worker_count > 0:
            environment["ETHIQ_OUTBOX_WORKER"] = "off"  # the worker service runs the jobs
        runtime = RuntimeService._container(args, image, logs, _CONTAINER, environment)
        runtime["portMappings"] = [{"containerPort": RUNTIME_PORT, "protocol": "tcp"}]
        containers: list[pulumi.Input[Any]] = [runtime]
        if args.metrics_remote_write_url is not None and args.metrics_workspace_arn is not None:
            aws.iam.RolePolicy(
                f"{name}-remote-write",
                role=task_role.id,
                policy=pulumi.Output.json_dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "aps:RemoteWrite",
                                "Resource": args.metrics_workspace_arn,
                            }
                        ],
                    }
                ),
                opts=child,
            )
            containers.append(
                pulumi.Output.all(args.metrics_remote_write_url, logs.name).apply(
                    lambda a: collector_container(
                        collector_config(a[0], args.region, RUNTIME_PORT), a[1], args.region
                    )
                )
            )
        return RuntimeService._fargate_task(
            f"{name}-task", f"{name}-runtime", (args.cpu, args.memory), roles, containers, child
        )

    @staticmethod
    def _fargate_task(
        name: str,
        family: str,
        size: tuple[int, int],  # CPU units, MiB
        roles: _Roles,
        containers: Sequence[pulumi.Input[Any]],
        child: pulumi.ResourceOptions,
    ) -> aws.ecs.TaskDefinition:
        cpu, memory = size
        return aws.ecs.TaskDefinition(
            name,
            family=family,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(cpu),
            memory=str(memory),
            execution_role_arn=roles.execution.arn,
            task_role_arn=roles.task.arn,
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            container_definitions=pulumi.Output.json_dumps(list(containers)),
            opts=child,
        )

    @staticmethod
    def _error_rate_alarm(
        name: str,
        alb: aws.lb.LoadBalancer,
        topic_arn: pulumi.Input[str] | None,
        child: pulumi.ResourceOptions,
    ) -> aws.cloudwatch.MetricAlarm:
        """5xx answers (runtime's and the ALB's own) as a percentage of requests, per minute."""

        def metric(id_: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=id_,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="AWS/ApplicationELB",
                    metric_name=metric_name,
                    dimensions={"LoadBalancer": alb.arn_suffix},
                    period=60,
                    stat="Sum",
                ),
            )

        actions = [topic_arn] if topic_arn is not None else []
        return aws.cloudwatch.MetricAlarm(
            f"{name}-5xx-rate",
            alarm_description=(
                f"More than {ERROR_RATE_THRESHOLD:g}% of Twilio's webhook requests answered 5xx"
            ),
            comparison_operator="GreaterThanThreshold",
            threshold=ERROR_RATE_THRESHOLD,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            metric_queries=[
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="error_rate",
                    label="5xx %",
                    return_data=True,
                    expression="IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(alb5xx, 0)) "
                    "/ requests, 0)",
                ),
                metric("target5xx", "HTTPCode_Target_5XX_Count"),
                metric("alb5xx", "HTTPCode_ELB_5XX_Count"),
                metric("requests", "RequestCount"),
            ],
            alarm_actions=actions,
            ok_actions=actions,
            opts=child,
        )
