"""Prometheus for the runtime: an Amazon Managed Prometheus workspace, the repository's alert
rules loaded into it, its alert manager routing to SNS topics, and the collector that scrapes
each runtime task.

AMP's alert manager can only send to SNS (AWS's "Setting up your alert receiver"). Its topics
are encrypted with the platform's key and sign with SHA256 (``SignatureVersion`` 2). The alerts
topic carries each alert group as JSON (:data:`SNS_MESSAGE_TEMPLATE`); the runtime's
``/operator/incidents/sns`` is subscribed over HTTPS and turns those messages into incidents.
The on-call's email, when set, gets a topic of its own with the same alert groups as plain text
(:data:`SNS_EMAIL_TEMPLATE`): SNS sends a subscriber a topic's message as published, so one
topic cannot serve JSON to the runtime and text to a person.

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

from runtime.serving import METRICS_PATH, SNS_ALERTS_PATH

__all__ = [
    "COLLECTOR_IMAGE",
    "EMAIL_MESSAGE",
    "RULES_FILE",
    "SCRAPE_JOB",
    "SNS_EMAIL_TEMPLATE",
    "SNS_MESSAGE_TEMPLATE",
    "WORKER_SCRAPE_JOB",
    "Monitoring",
    "MonitoringArgs",
    "collector_config",
    "collector_container",
    "kms_statement",
    "rules_for_workspace",
]

RULES_FILE = Path(__file__).resolve().parents[2] / "ops/prometheus/ethiq-rules.yml"
# Pinned like every other tool; AWS publishes the collector on its public ECR gallery.
COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"
SCRAPE_JOB = "ethiq-runtime"  # the job name the rules' `up{job=...}` expects
WORKER_SCRAPE_JOB = "ethiq-worker"  # `ethiq worker` tasks: their own /metrics port

# The SNS message of an alert group: the fields of Alertmanager's webhook payload the runtime
# reads, as JSON (AWS's "Configure alert manager to send messages to Amazon SNS as JSON"
# overrides ``sns.default.message`` the same way). Quotes and backslashes in labels and
# annotations are escaped; newlines stay raw, which the runtime's parser accepts. Times are
# RFC 3339 (Go's default rendering of a time is not). The tests render it with Alertmanager's
# own template package at the release tools/amtemplate/go.mod pins: AWS names no Alertmanager
# version for AMP, only that its alert manager "provides similar functionality to Alertmanager
# in Prometheus" (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alert-manager.html),
# so the pin is a recent release of our choosing, not AWS's version.
_ESCAPED = r'{{ define "ethiq.str" }}{{ reReplaceAll `([\\"])` `\${1}` . }}{{ end }}'
_PAIRS = (
    '{{ define "ethiq.pairs" }}{{ "{" }}{{ range $i, $p := . }}{{ if $i }},{{ end }}'
    '"{{ template "ethiq.str" $p.Name }}":"{{ template "ethiq.str" $p.Value }}"'
    '{{ end }}{{ "}" }}{{ end }}'
)
_RFC3339 = '"2006-01-02T15:04:05Z07:00"'
SNS_MESSAGE_TEMPLATE = "\n".join(
    (
        _ESCAPED,
        _PAIRS,
        '{{ define "sns.default.message" }}{{ "{" }}"version":"4","status":"{{ .Status }}",'
        '"alerts":[{{ range $i, $a := .Alerts }}{{ if $i }},{{ end }}{{ "{" }}'
        '"status":"{{ $a.Status }}",'
        '"labels":{{ template "ethiq.pairs" $a.Labels.SortedPairs }},'
        '"annotations":{{ template "ethiq.pairs" $a.Annotations.SortedPairs }},'
        f'"startsAt":"{{{{ $a.StartsAt.UTC.Format {_RFC3339} }}}}",'
        f'"endsAt":"{{{{ $a.EndsAt.UTC.Format {_RFC3339} }}}}",'
        '"fingerprint":"{{ $a.Fingerprint }}"{{ "}" }}{{ end }}]{{ "}" }}{{ end }}',
    )
)
# The on-call email's message: each alert of the group as lines a person reads (what, since
# when, its labels, the runbook), no JSON. Labels and annotations go out as they are: an email
# body needs no escaping. The email topic's sns_config names it as its ``message``.
_TEXT_TIME = '"2006-01-02 15:04 UTC"'
SNS_EMAIL_TEMPLATE = (
    '{{ define "ethiq.email.message" }}'
    "{{ len .Alerts.Firing }} firing, {{ len .Alerts.Resolved }} resolved\n"
    "{{ range .Alerts }}\n"
    "{{ .Status | toUpper }}: {{ .Labels.alertname }} ({{ .Labels.severity }})\n"
    "{{ with .Annotations.summary }}{{ . }}\n{{ end }}"
    "{{ with .Annotations.description }}{{ . }}\n{{ end }}"
    f"Since: {{{{ .StartsAt.UTC.Format {_TEXT_TIME} }}}}"
    '{{ if eq .Status "resolved" }}, resolved: '
    f"{{{{ .EndsAt.UTC.Format {_TEXT_TIME} }}}}{{{{ end }}}}\n"
    "Labels:{{ range .Labels.SortedPairs }} {{ .Name }}={{ .Value }}{{ end }}\n"
    "{{ with .Annotations.runbook_url }}Runbook: {{ . }}\n{{ end }}"
    "{{ end }}{{ end }}"
)
EMAIL_MESSAGE = '{{ template "ethiq.email.message" . }}'
# SNS retries a delivery the runtime answered with a server error (a deploy, a database
# failover) for up to ~35 minutes instead of its default minute (AWS's "Amazon SNS message
# delivery retries": an HTTPS policy may not exceed 3,600 s).
_DELIVERY_POLICY = {
    "healthyRetryPolicy": {
        "minDelayTarget": 20,
        "maxDelayTarget": 120,
        "numRetries": 20,
        "numNoDelayRetries": 0,
        "numMinDelayRetries": 2,
        "numMaxDelayRetries": 10,
        "backoffFunction": "exponential",
    },
    "requestPolicy": {"headerContentType": "application/json"},
}


@dataclass(frozen=True)
class MonitoringArgs:
    region: str
    github_repository: str  # owner/name: runbook links point at its docs/runbooks.md
    account_id: pulumi.Input[str]  # the topic policy's aws:SourceAccount
    kms_key_arn: pulumi.Input[str]  # the platform key: the alerts topic is encrypted with it
    alarm_email: str | None = None


def kms_statement(topic_arns: list[str]) -> dict[str, Any]:
    """The platform key's statement letting AMP publish to its encrypted topics: only data
    keys of those topics (SNS's encryption context; a list under ``StringEquals`` matches any
    of its values), nothing the key protects elsewhere."""
    return {
        "Sid": "PrometheusAlertsTopic",
        "Effect": "Allow",
        "Principal": {"Service": "aps.amazonaws.com"},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topic_arns}},
    }


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
                            "metrics_path": METRICS_PATH,
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
    """The workspace, its rules and alert manager; ``remote_write_url`` feeds the collectors,
    ``alerts_topic_arn`` is where the alert manager sends JSON (:meth:`subscribe_runtime`),
    ``topic_arns`` every topic it publishes to (the platform key must let it)."""

    workspace_arn: pulumi.Output[str]
    remote_write_url: pulumi.Output[str]
    alerts_topic_arn: pulumi.Output[str]
    topic_arns: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ethiq:platform:Monitoring", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        workspace = aws.amp.Workspace(f"{name}-prometheus", alias=f"{name}-runtime", opts=child)
        aws.amp.RuleGroupNamespace(
            f"{name}-rules",
            name="ethiq",
            workspace_id=workspace.id,
            data=rules_for_workspace(args.github_repository),
            opts=child,
        )
        topic = self._topic_for_amp(f"{name}-prometheus-alerts", workspace, args)
        email_topic: aws.sns.Topic | None = None
        if args.alarm_email:
            email_topic = self._topic_for_amp(f"{name}-prometheus-email", workspace, args)
            aws.sns.TopicSubscription(
                f"{name}-prometheus-email",
                topic=email_topic.arn,
                protocol="email",
                endpoint=args.alarm_email,
                opts=child,
            )
        topics = [topic] if email_topic is None else [topic, email_topic]
        self.topic_arns = pulumi.Output.all(*(t.arn for t in topics))
        aws.amp.AlertManagerDefinition(
            f"{name}-alertmanager",
            workspace_id=workspace.id,
            definition=self.topic_arns.apply(lambda arns: _alertmanager(arns, args.region)),
            opts=child,
        )
        self._topic = topic
        self.alerts_topic_arn = topic.arn
        self.workspace_arn = workspace.arn
        self.remote_write_url = workspace.prometheus_endpoint.apply(
            lambda endpoint: f"{endpoint.rstrip('/')}/api/v1/remote_write"
        )
        self.register_outputs(
            {
                "workspace_arn": self.workspace_arn,
                "remote_write_url": self.remote_write_url,
                "alerts_topic_arn": self.alerts_topic_arn,
            }
        )

    def _topic_for_amp(
        self, name: str, workspace: aws.amp.Workspace, args: MonitoringArgs
    ) -> aws.sns.Topic:
        """A topic the workspace's alert manager publishes to, with AMP's topic policy as AWS
        documents it against the confused deputy: only this account's workspace may publish
        (AWS's "Giving Amazon Managed Service for Prometheus permission to send alert messages
        to your Amazon SNS topic")."""
        child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(
            name, kms_master_key_id=args.kms_key_arn, signature_version=2, opts=child
        )
        aws.sns.TopicPolicy(
            name,
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, workspace.arn, args.account_id).apply(
                lambda a: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "PrometheusAlertManager",
                                "Effect": "Allow",
                                "Principal": {"Service": "aps.amazonaws.com"},
                                "Action": ["sns:Publish", "sns:GetTopicAttributes"],
                                "Resource": a[0],
                                "Condition": {
                                    "ArnEquals": {"aws:SourceArn": a[1]},
                                    "StringEquals": {"aws:SourceAccount": a[2]},
                                },
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        return topic

    def subscribe_runtime(
        self, public_url: str, runtime: pulumi.Resource
    ) -> aws.sns.TopicSubscription:
        """Subscribe the runtime's incident endpoint, once the runtime runs: the runtime
        confirms the subscription itself (it GETs the SubscribeURL of the signed
        confirmation), which the provider waits for (``endpoint_auto_confirms``)."""
        return aws.sns.TopicSubscription(
            f"{self._name}-prometheus-alerts-runtime",
            topic=self._topic.arn,
            protocol="https",
            endpoint=f"{public_url.rstrip('/')}{SNS_ALERTS_PATH}",
            endpoint_auto_confirms=True,
            confirmation_timeout_in_minutes=5,
            delivery_policy=json.dumps(_DELIVERY_POLICY),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[runtime]),
        )


def _alertmanager(topic_arns: list[str], region: str) -> str:
    """The alert manager's definition: every alert group to the alerts topic as JSON (the
    default message, :data:`SNS_MESSAGE_TEMPLATE`), and to the email topic, if any, as plain
    text (one sns_config per topic, as AWS's "Configure alert manager to send messages to your
    Amazon SNS topic" shows; ``message`` is Alertmanager's sns_config field)."""
    subject = "[{{ .CommonLabels.severity }}] {{ .CommonLabels.alertname }}"
    alerts, *email = (
        {"topic_arn": arn, "sigv4": {"region": region}, "subject": subject} for arn in topic_arns
    )
    sns_configs = [alerts, *({**c, "message": EMAIL_MESSAGE} for c in email)]
    config = {
        "route": {
            "receiver": "on-call",
            "group_by": ["alertname", "severity"],
            "group_wait": "30s",
            "repeat_interval": "4h",
        },
        "receivers": [{"name": "on-call", "sns_configs": sns_configs}],
    }
    return yaml.safe_dump(
        {
            "template_files": {
                "ethiq_sns.tmpl": SNS_MESSAGE_TEMPLATE,
                "ethiq_email.tmpl": SNS_EMAIL_TEMPLATE,
            },
            "alertmanager_config": yaml.safe_dump(config, sort_keys=False),
        }
    )
