"""Prometheus for the runtime: an Amazon Managed Prometheus workspace, the repository's alert
rules loaded into it, its Alertmanager routing to an SNS topic (the on-call's email), and the
collector that scrapes each runtime task.

ECS has no managed scraper (AMP's scrapers serve EKS only), so each runtime task carries an AWS
Distro for OpenTelemetry collector as a sidecar: it scrapes the runtime's ``/metrics`` on
localhost and remote-writes to the workspace, signing with the task role (AWS's "Basic ECS
Configuration for AMP" guide). The rules are ``ops/prometheus/ethiq-rules.yml`` as tested by
``promtool``; only their runbook links become absolute (the repository's docs on GitHub).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import yaml

__all__ = [
    "COLLECTOR_IMAGE",
    "RULES_FILE",
    "SCRAPE_JOB",
    "WORKER_SCRAPE_JOB",
    "Monitoring",
    "MonitoringArgs",
    "collector_config",
    "collector_container",
    "rules_for_workspace",
]

RULES_FILE = Path(__file__).resolve().parents[2] / "ops/prometheus/ethiq-rules.yml"
# Pinned like every other tool; AWS publishes the collector on its public ECR gallery.
COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"
SCRAPE_JOB = "ethiq-runtime"  # the job name the rules' `up{job=...}` expects
WORKER_SCRAPE_JOB = "ethiq-worker"  # `ethiq worker` tasks: their own /metrics port


@dataclass(frozen=True)
class MonitoringArgs:
    region: str
    github_repository: str  # owner/name: runbook links point at its docs/runbooks.md
    alarm_email: str | None = None


def rules_for_workspace(repository: str, rules_file: Path = RULES_FILE) -> str:
    """The rules file with ``docs/runbooks.md#x`` links made absolute for the repository."""
    doc: dict[str, Any] = yaml.safe_load(rules_file.read_text())
    base = f"https://github.com/{repository}/blob/main/"
    for group in doc["groups"]:
        for rule in group["rules"]:
            annotations = rule.get("annotations", {})
            url = annotations.get("runbook_url")
            if url and "://" not in url:
                annotations["runbook_url"] = base + url
    return yaml.safe_dump(doc, sort_keys=False)


def collector_config(remote_write_url: str, region: str, port: int, job: str = SCRAPE_JOB) -> str:
    """The sidecar's configuration: scrape the runtime (or the worker) next door on ``port``,
    write to the workspace."""
    config = {
        "extensions": {"sigv4auth": {"region": region, "service": "aps"}},
        "receivers": {
            "prometheus": {
                "config": {
                    "global": {"scrape_interval": "15s", "scrape_timeout": "10s"},
                    "scrape_configs": [
                        {
                            "job_name": job,
                            "metrics_path": "/metrics",
                            "static_configs": [{"targets": [f"localhost:{port}"]}],
                        }
                    ],
                }
            }
        },
        # Each task's ECS identity becomes a label, so tasks stay apart (all scrape localhost).
        "processors": {"resourcedetection": {"detectors": ["ecs"]}, "batch": {}},
        "exporters": {
            "prometheusremotewrite": {
                "endpoint": remote_write_url,
                "auth": {"authenticator": "sigv4auth"},
                "resource_to_telemetry_conversion": {"enabled": True},
            }
        },
        "service": {
            "extensions": ["sigv4auth"],
            "pipelines": {
                "metrics": {
                    "receivers": ["prometheus"],
                    "processors": ["resourcedetection", "batch"],
                    "exporters": ["prometheusremotewrite"],
                }
            },
        },
    }
    return yaml.safe_dump(config, sort_keys=False)


def collector_container(config: str, log_group: str, region: str) -> dict[str, Any]:
    """The collector's container definition (non-essential: metrics never stop the runtime)."""
    return {
        "name": "metrics-collector",
        "image": COLLECTOR_IMAGE,
        "essential": False,
        "environment": [{"name": "AOT_CONFIG_CONTENT", "value": config}],
        "readonlyRootFilesystem": True,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": "metrics-collector",
            },
        },
    }


class Monitoring(pulumi.ComponentResource):
    """The workspace, its rules and Alertmanager; ``remote_write_url`` feeds the collectors."""

    workspace_arn: pulumi.Output[str]
    remote_write_url: pulumi.Output[str]

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ethiq:platform:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        workspace = aws.amp.Workspace(f"{name}-prometheus", alias=f"{name}-runtime", opts=child)
        aws.amp.RuleGroupNamespace(
            f"{name}-rules",
            name="ethiq",
            workspace_id=workspace.id,
            data=rules_for_workspace(args.github_repository),
            opts=child,
        )
        # Alert texts carry alert names, endpoints and instances, never personal data. AMP
        # cannot publish to a topic encrypted with SNS's AWS-managed key, so this topic has
        # none; the CloudWatch alarms keep the encrypted one.
        topic = aws.sns.Topic(f"{name}-prometheus-alerts", opts=child)
        aws.sns.TopicPolicy(
            f"{name}-prometheus-alerts",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, workspace.arn).apply(
                lambda a: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "aps.amazonaws.com"},
                                "Action": ["sns:Publish", "sns:GetTopicAttributes"],
                                "Resource": a[0],
                                "Condition": {"ArnEquals": {"aws:SourceArn": a[1]}},
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        if args.alarm_email:
            aws.sns.TopicSubscription(
                f"{name}-prometheus-alerts-email",
                topic=topic.arn,
                protocol="email",
                endpoint=args.alarm_email,
                opts=child,
            )
        aws.amp.AlertManagerDefinition(
            f"{name}-alertmanager",
            workspace_id=workspace.id,
            definition=topic.arn.apply(lambda arn: _alertmanager(arn, args.region)),
            opts=child,
        )
        self.workspace_arn = workspace.arn
        self.remote_write_url = workspace.prometheus_endpoint.apply(
            lambda endpoint: f"{endpoint.rstrip('/')}/api/v1/remote_write"
        )
        self.register_outputs(
            {"workspace_arn": self.workspace_arn, "remote_write_url": self.remote_write_url}
        )


def _alertmanager(topic_arn: str, region: str) -> str:
    config = {
        "route": {
            "receiver": "on-call",
            "group_by": ["alertname", "severity"],
            "group_wait": "30s",
            "repeat_interval": "4h",
        },
        "receivers": [
            {
                "name": "on-call",
                "sns_configs": [
                    {
                        "topic_arn": topic_arn,
                        "sigv4": {"region": region},
                        "subject": "[{{ .CommonLabels.severity }}] {{ .CommonLabels.alertname }}",
                    }
                ],
            }
        ],
    }
    return yaml.safe_dump({"alertmanager_config": yaml.safe_dump(config, sort_keys=False)})
