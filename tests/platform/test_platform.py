"""The platform program under Pulumi mocks: what exists, and its security properties."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pytest
import yaml
from litestar import Litestar

from infra.platform_stack import program
from infra.platform_stack.config import PlatformConfig
from infra.platform_stack.connections import ConnectionBudget, ConnectionBudgetError
from infra.platform_stack.database import MIN_BACKUP_DAYS, DatabaseArgs
from infra.platform_stack.monitoring import (
    EMAIL_MESSAGE,
    RULES_FILE,
    SNS_EMAIL_TEMPLATE,
    SNS_MESSAGE_TEMPLATE,
)
from infra.platform_stack.platform_component import Platform
from runtime.serving import (
    CONTAINER_HOST,
    LIVE_PATH,
    PORT,
    SNS_ALERTS_PATH,
    WORKER_METRICS_PORT,
)
from runtime.settings import Settings
from runtime.web.sns_alerts import SnsAlerts
from tests.platform.conftest import (
    DEPLOYED_IMAGE,
    RecordingMonitor,
    is_secret,
    mock_monitor,
    reveal,
)

PASSWORD = "db-Pa55word-never-plain"  # noqa: S105 (test values)
TOKEN = "twilio-auth-token-never-plain"  # noqa: S105
REGISTRY_KEY = "registry-key-never-plain"
OPERATOR_TOKEN = "operator-token-never-plain"  # noqa: S105
CONFIG = {
    "platform:hostname": "hooks.ethiq.example",
    "platform:zoneId": "Z0HOSTED",
    "platform:image": "ghcr.io/ethiq/runtime:1.0.0",
    "platform:githubRepository": "ethiq/ethiq",
    "platform:dbPassword": PASSWORD,
    "platform:registryKey": REGISTRY_KEY,
    "platform:twilioAccountSid": "AC" + "0" * 32,
    "platform:twilioAuthToken": TOKEN,
    "platform:operatorToken": OPERATOR_TOKEN,
    "platform:alarmEmail": "alarms@ops.ethiq.example",
    "platform:oncallSms": "+15145550123",
    "platform:oncallSmsFrom": "+15145550100",
}
SECRET_KEYS = [
    "platform:dbPassword",
    "platform:registryKey",
    "platform:twilioAccountSid",
    "platform:twilioAuthToken",
    "platform:operatorToken",
]
PLAINTEXT = (PASSWORD, TOKEN, REGISTRY_KEY, OPERATOR_TOKEN)


@dataclass(frozen=True)
class Run:
    monitor: RecordingMonitor
    outputs: dict[str, Any]


def _up(extra: dict[str, str] | None = None) -> Run:
    """Run the program; return what it registered and its platform's main outputs."""
    monitor = mock_monitor()
    pulumi.runtime.set_all_config({**CONFIG, **(extra or {})}, SECRET_KEYS)
    seen: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        platform: Platform = program.main()
        outputs = (platform.runtime_url, platform.data_region, platform.runner_label)
        return pulumi.Output.all(*outputs).apply(
            lambda values: seen.update(zip(("url", "region", "label"), values, strict=True))
        )

    run()
    pulumi.runtime.set_all_config({})
    return Run(monitor, seen)


@pytest.fixture(scope="module")
def monitor(pulumi_loop: asyncio.AbstractEventLoop) -> RecordingMonitor:
    """One run of the program with the default settings, shared by the module's tests."""
    run = _up()
    assert run.outputs == {
        "url": "https://hooks.ethiq.example",
        "region": "ca-central-1",
        "label": "ethiq-platform",
    }
    return run.monitor


def test_the_resource_graph(monitor: RecordingMonitor) -> None:
    count = {t: len(monitor.of_type(t)) for t in {r.type for r in monitor.registered}}
    assert count["pulumi:providers:aws"] == 1
    assert count["aws:ec2/vpc:Vpc"] == 1
    assert count["aws:ec2/subnet:Subnet"] == 4
    assert count["aws:ec2/natGateway:NatGateway"] == 2
    assert count["aws:ec2/securityGroup:SecurityGroup"] == 6
    assert count["aws:lb/loadBalancer:LoadBalancer"] == 1
    assert count["aws:lb/listener:Listener"] == 2
    assert count["aws:acm/certificate:Certificate"] == 1
    assert count["aws:acm/certificateValidation:CertificateValidation"] == 1
    assert count["aws:ecs/cluster:Cluster"] == 1
    assert count["aws:ecs/service:Service"] == 2  # the web tasks, the job worker
    assert count["aws:ecs/taskDefinition:TaskDefinition"] == 2
    assert count["aws:rds/instance:Instance"] == 1
    assert count["aws:elasticache/replicationGroup:ReplicationGroup"] == 1
    assert count["aws:secretsmanager/secret:Secret"] == 5
    assert count["aws:secretsmanager/secretVersion:SecretVersion"] == 4  # runner token: by hand
    assert count["aws:cloudwatch/metricAlarm:MetricAlarm"] == 1
    assert count["aws:ec2/instance:Instance"] == 2  # the CI runners: apply, preview
    # Subnets in two zones, private ones apart from public ones.
    subnets = monitor.of_type("aws:ec2/subnet:Subnet")
    assert {s.inputs["availabilityZone"] for s in subnets} == {"ca-central-1a", "ca-central-1b"}
    assert sorted(s.inputs["tags"]["tier"] for s in subnets) == ["private"] * 2 + ["public"] * 2
    # Every resource hangs under a component; the components under the Platform.
    components = {r.type for r in monitor.registered if r.type.startswith("ethiq:platform:")}
    assert components == {
        f"ethiq:platform:{c}"
        for c in (
            "Platform",
            "Network",
            "Firewall",
            "Database",
            "Cache",
            "Secrets",
            "RuntimeService",
            "CiRunner",
            "Monitoring",
        )
    }
    for resource in monitor.registered:
        if resource.type.startswith("aws:"):
            assert "ethiq:platform:" in resource.parent, resource


def test_database_and_cache_are_private_and_encrypted(monitor: RecordingMonitor) -> None:
    db = monitor.one("aws:rds/instance:Instance").inputs
    assert db["storageEncrypted"] is True
    assert db["kmsKeyId"]
    assert db["publiclyAccessible"] is False
    assert db["backupRetentionPeriod"] >= MIN_BACKUP_DAYS
    assert db["deletionProtection"] is True
    assert db["skipFinalSnapshot"] is False
    params = monitor.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]
    assert [(p["name"], p["value"]) for p in params] == [
        ("rds.force_ssl", "1"),
        ("max_connections", "450"),
    ]
    assert params[1]["applyMethod"] == "pending-reboot"  # a static parameter
    redis = monitor.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
    assert redis["atRestEncryptionEnabled"] is True
    assert redis["transitEncryptionEnabled"] is True
    assert redis["transitEncryptionMode"] == "required"
    assert all(
        s.inputs["mapPublicIpOnLaunch"] is False for s in monitor.of_type("aws:ec2/subnet:Subnet")
    )

    groups = {r.name: r.inputs for r in monitor.of_type("aws:ec2/securityGroup:SecurityGroup")}
    for name in ("ethiq-database", "ethiq-cache"):
        assert groups[name].get("egress", []) == []
        for rule in groups[name]["ingress"]:
            assert rule.get("securityGroups"), rule  # from named groups only, never a CIDR
            assert not rule.get("cidrBlocks")
    assert {r["fromPort"] for r in groups["ethiq-alb"]["ingress"]} == {80, 443}
    assert groups["ethiq-runner"].get("ingress", []) == []


def test_tls_only_on_443_and_http_redirects(monitor: RecordingMonitor) -> None:
    listeners = {r.inputs["port"]: r.inputs for r in monitor.of_type("aws:lb/listener:Listener")}
    assert set(listeners) == {80, 443}
    https = listeners[443]
    assert https["protocol"] == "HTTPS"
    assert https["certificateArn"]
    assert https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert [a["type"] for a in https["defaultActions"]] == ["forward"]
    [redirect] = listeners[80]["defaultActions"]
    assert listeners[80]["protocol"] == "HTTP"
    assert redirect["type"] == "redirect"
    assert redirect["redirect"] == {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}
    # /metrics names tenants: the load balancer answers it 404 before any forward.
    [rule] = monitor.of_type("aws:lb/listenerRule:ListenerRule")
    assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/metrics", "/metrics/*"]}}]
    [refuse] = rule.inputs["actions"]
    assert (refuse["type"], refuse["fixedResponse"]["statusCode"]) == ("fixed-response", "404")
    cert = monitor.one("aws:acm/certificate:Certificate").inputs
    assert cert == {"domainName": "hooks.ethiq.example", "validationMethod": "DNS"}
    alb = monitor.one("aws:lb/loadBalancer:LoadBalancer").inputs
    assert alb["dropInvalidHeaderFields"] is True
    service = _web(monitor, "aws:ecs/service:Service").inputs
    assert service["launchType"] == "FARGATE"
    assert service["networkConfiguration"]["assignPublicIp"] is False


def test_the_5xx_alarm_watches_the_error_rate(monitor: RecordingMonitor) -> None:
    alarm = monitor.one("aws:cloudwatch/metricAlarm:MetricAlarm").inputs
    queries = {q["id"]: q for q in alarm["metricQueries"]}
    assert {q["metric"]["metricName"] for q in queries.values() if "metric" in q} == {
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_ELB_5XX_Count",
        "RequestCount",
    }
    assert "/ requests" in queries["error_rate"]["expression"]
    assert queries["error_rate"]["returnData"] is True
    assert alarm["threshold"] == 5
    assert alarm["alarmActions"]


def test_prometheus_scrapes_the_runtime_with_the_repository_rules(
    monitor: RecordingMonitor,
) -> None:
    workspace = monitor.one("aws:amp/workspace:Workspace")
    rules = monitor.one("aws:amp/ruleGroupNamespace:RuleGroupNamespace").inputs
    loaded = yaml.safe_load(rules["data"])
    tested = yaml.safe_load(RULES_FILE.read_text())
    names = [r["alert"] for g in loaded["groups"] for r in g["rules"]]
    assert names == [r["alert"] for g in tested["groups"] for r in g["rules"]]
    for group in loaded["groups"]:
        for rule in group["rules"]:
            url = rule["annotations"]["runbook_url"]
            assert url.startswith("https://github.com/ethiq/ethiq/blob/main/docs/runbooks.md#")
    # The alert manager sends each alert group, as JSON, to a topic only this account's
    # workspace may publish to, encrypted with the platform key, signed with SHA256; the same
    # group, as plain text, to the on-call's email topic, held to the same.
    topics = {
        t.name: t
        for t in monitor.of_type("aws:sns/topic:Topic")
        if t.name.startswith("ethiq-prometheus-")
    }
    assert set(topics) == {"ethiq-prometheus-alerts", "ethiq-prometheus-email"}
    topic_arn, email_arn = (
        f"arn:aws:mock:ca-central-1:123456789012:topic/{name}"
        for name in ("ethiq-prometheus-alerts", "ethiq-prometheus-email")
    )
    key = monitor.one("aws:kms/key:Key")
    for topic in topics.values():
        assert topic.inputs["kmsMasterKeyId"] == (
            f"arn:aws:mock:ca-central-1:123456789012:key/{key.name}"
        )
        assert topic.inputs["signatureVersion"] == 2
    manager = yaml.safe_load(
        monitor.one("aws:amp/alertManagerDefinition:AlertManagerDefinition").inputs["definition"]
    )
    [receiver] = yaml.safe_load(manager["alertmanager_config"])["receivers"]
    sns, email = receiver["sns_configs"]
    assert (sns["topic_arn"], sns["sigv4"]) == (topic_arn, {"region": "ca-central-1"})
    assert "message" not in sns  # the default message: the JSON template
    assert (email["topic_arn"], email["sigv4"]) == (email_arn, {"region": "ca-central-1"})
    assert email["message"] == EMAIL_MESSAGE  # rendered in tests/ops/test_sns_alerts.py
    assert manager["template_files"] == {
        "ethiq_sns.tmpl": SNS_MESSAGE_TEMPLATE,
        "ethiq_email.tmpl": SNS_EMAIL_TEMPLATE,
    }
    assert '{{ define "sns.default.message" }}' in SNS_MESSAGE_TEMPLATE
    policies = {
        json.loads(p.inputs["policy"])["Statement"][0]["Resource"]: json.loads(p.inputs["policy"])
        for p in monitor.of_type("aws:sns/topicPolicy:TopicPolicy")
    }
    assert set(policies) == {topic_arn, email_arn}
    workspace_arn = f"arn:aws:mock:ca-central-1:123456789012:workspace/{workspace.name}"
    for policy in policies.values():
        [statement] = policy["Statement"]
        assert statement["Principal"] == {"Service": "aps.amazonaws.com"}
        assert statement["Condition"] == {
            "ArnEquals": {"aws:SourceArn": workspace_arn},
            "StringEquals": {"aws:SourceAccount": "123456789012"},
        }
    # The key lets AMP use those topics' data keys only; IAM decides the rest, as by default.
    root, aps = json.loads(monitor.one("aws:kms/keyPolicy:KeyPolicy").inputs["policy"])["Statement"]
    assert root["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert aps["Principal"] == {"Service": "aps.amazonaws.com"}
    assert sorted(aps["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert aps["Condition"] == {
        "StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": [topic_arn, email_arn]}
    }
    # The on-call's email is subscribed to the text topic only, never to the JSON one.
    emails = [
        s.inputs
        for s in monitor.of_type("aws:sns/topicSubscription:TopicSubscription")
        if s.inputs["protocol"] == "email" and s.inputs["topic"] in (topic_arn, email_arn)
    ]
    assert emails == [
        {"topic": email_arn, "protocol": "email", "endpoint": "alarms@ops.ethiq.example"}
    ]
    # The runtime's SNS route is subscribed over HTTPS once the runtime runs, and told the
    # topic whose messages it may believe.
    [runtime_subscription] = [
        s
        for s in monitor.of_type("aws:sns/topicSubscription:TopicSubscription")
        if s.inputs["protocol"] == "https"
    ]
    routes = {route.path for route in Litestar([SnsAlerts]).routes}
    assert runtime_subscription.inputs["endpoint"] == "https://hooks.ethiq.example" + (
        SNS_ALERTS_PATH
    )
    assert SNS_ALERTS_PATH in routes
    assert runtime_subscription.inputs["endpointAutoConfirms"] is True
    policy = json.loads(runtime_subscription.inputs["deliveryPolicy"])["healthyRetryPolicy"]
    assert policy["numRetries"] * policy["maxDelayTarget"] <= 3600  # SNS's HTTPS ceiling
    web = _web(monitor, "aws:ecs/taskDefinition:TaskDefinition").inputs
    [runtime_container] = [
        c for c in json.loads(reveal(web["containerDefinitions"])) if "secrets" in c
    ]
    env = {e["name"]: e["value"] for e in runtime_container["environment"]}
    assert env["ETHIQ_SNS_TOPIC_ARN"] == topic_arn
    # Every runtime task runs a collector that scrapes its /metrics and writes to the workspace.
    task = _web(monitor, "aws:ecs/taskDefinition:TaskDefinition").inputs
    containers = {c["name"]: c for c in json.loads(reveal(task["containerDefinitions"]))}
    collector = containers["metrics-collector"]
    assert collector["essential"] is False
    config = yaml.safe_load(
        next(e["value"] for e in collector["environment"] if e["name"] == "AOT_CONFIG_CONTENT")
    )
    [job] = config["receivers"]["prometheus"]["config"]["scrape_configs"]
    assert job["job_name"] == "ethiq-runtime"
    assert job["static_configs"] == [{"targets": ["localhost:8000"]}]
    endpoint = config["exporters"]["prometheusremotewrite"]["endpoint"]
    assert endpoint == (
        f"https://aps-workspaces.ca-central-1.amazonaws.com/workspaces/ws-{workspace.name}"
        "/api/v1/remote_write"
    )
    write = [
        json.loads(p.inputs["policy"])
        for p in monitor.of_type("aws:iam/rolePolicy:RolePolicy")
        if "remote-write" in p.name
    ]
    assert [s["Action"] for w in write for s in w["Statement"]] == ["aps:RemoteWrite"]


def test_without_an_email_the_alert_manager_sends_json_only(
    pulumi_loop: asyncio.AbstractEventLoop,
) -> None:
    monitor = _up({"platform:alarmEmail": ""}).monitor
    topics = [t.name for t in monitor.of_type("aws:sns/topic:Topic")]
    assert "ethiq-prometheus-alerts" in topics
    assert "ethiq-prometheus-email" not in topics
    manager = yaml.safe_load(
        monitor.one("aws:amp/alertManagerDefinition:AlertManagerDefinition").inputs["definition"]
    )
    [receiver] = yaml.safe_load(manager["alertmanager_config"])["receivers"]
    [sns] = receiver["sns_configs"]
    topic_arn = "arn:aws:mock:ca-central-1:123456789012:topic/ethiq-prometheus-alerts"
    assert sns["topic_arn"] == topic_arn
    _, aps = json.loads(monitor.one("aws:kms/keyPolicy:KeyPolicy").inputs["policy"])["Statement"]
    assert aps["Condition"] == {
        "StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": [topic_arn]}
    }


def test_secrets_never_travel_in_plaintext(monitor: RecordingMonitor) -> None:
    versions = monitor.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert all(is_secret(v.inputs["secretString"]) for v in versions)
    by_name = {v.name: reveal(v.inputs["secretString"]) for v in versions}
    assert by_name["ethiq-database-url"].startswith("postgresql://ethiq:")
    assert by_name["ethiq-database-url"].endswith("?sslmode=require")
    assert json.loads(by_name["ethiq-twilio-parent"])["auth_token"] == TOKEN
    assert is_secret(monitor.one("aws:rds/instance:Instance").inputs["password"])
    for secret in monitor.of_type("aws:secretsmanager/secret:Secret"):
        assert secret.inputs["kmsKeyId"]

    # The runtime gets its credentials from Secrets Manager references, not from plain values.
    task = _web(monitor, "aws:ecs/taskDefinition:TaskDefinition").inputs
    container, collector = json.loads(reveal(task["containerDefinitions"]))
    assert "secrets" not in collector  # the metrics sidecar holds no credential
    assert {s["name"] for s in container["secrets"]} == {
        "DATABASE_URL",
        "ETHIQ_REGISTRY_KEY",
        "ETHIQ_OPERATOR_TOKEN",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
    }
    assert all(s["valueFrom"].startswith("arn:aws:") for s in container["secrets"])
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["ETHIQ_PUBLIC_URL"] == "https://hooks.ethiq.example"
    assert env["REDIS_URL"].startswith("rediss://")
    # The on-call operator: the alarms' email unless platform:oncallEmail names another.
    assert env["ETHIQ_ONCALL_EMAIL"] == "alarms@ops.ethiq.example"
    assert (env["ETHIQ_ONCALL_SMS"], env["ETHIQ_ONCALL_SMS_FROM"]) == (
        "+15145550123",
        "+15145550100",
    )
    # No plaintext secret anywhere outside a secret-marked value.
    for resource in monitor.registered:
        visible = json.dumps(_strip_secrets(resource.inputs))
        assert not any(secret in visible for secret in PLAINTEXT), resource.name


def test_the_ci_runners_are_private_and_labelled(monitor: RecordingMonitor) -> None:
    runners = {r.name: r.inputs for r in monitor.of_type("aws:ec2/instance:Instance")}
    private = {s.name for s in monitor.of_type("aws:ec2/subnet:Subnet") if "private" in s.name}
    for name, label in (
        ("ethiq-instance", "ethiq-platform"),
        ("ethiq-preview-instance", "ethiq-preview"),
    ):
        runner = runners[name]
        assert runner["associatePublicIpAddress"] is False
        assert runner["metadataOptions"]["httpTokens"] == "required"
        assert runner["rootBlockDevice"]["encrypted"] is True
        assert runner["ami"] == "ami-0debian12"
        assert f"--labels {label}" in runner["userData"]
        assert "https://github.com/ethiq/ethiq" in runner["userData"]
        assert runner["subnetId"].removesuffix("-id") in private
    groups = {r.name: r for r in monitor.of_type("aws:ec2/securityGroup:SecurityGroup")}
    sources = {
        g
        for key in ("ethiq-database", "ethiq-cache")
        for rule in groups[key].inputs["ingress"]
        for g in rule["securityGroups"]
    }
    assert "ethiq-runner-id" in sources  # the applying runner reaches the private database
    assert "ethiq-preview-runner-id" not in sources  # pull requests' code never does
    assert runners["ethiq-preview-instance"]["vpcSecurityGroupIds"] == ["ethiq-preview-runner-id"]
    assert groups["ethiq-preview-runner"].inputs.get("ingress", []) == []


def test_the_preview_runner_reads_no_platform_secret_and_decrypts_no_state(
    monitor: RecordingMonitor,
) -> None:
    policies = {
        r.name: json.loads(reveal(r.inputs["policy"]))
        for r in monitor.of_type("aws:iam/rolePolicy:RolePolicy")
        if r.name.endswith("-secrets")
    }
    apply, preview = policies["ethiq-secrets"], policies["ethiq-preview-secrets"]

    def statement(policy: dict[str, Any], action: str) -> dict[str, Any]:
        [found] = [s for s in policy["Statement"] if s["Action"] == action]
        return cast("dict[str, Any]", found)

    readable = statement(preview, "secretsmanager:GetSecretValue")["Resource"]
    assert readable == [r for r in readable if "runner" in r]  # its GitHub token only
    decrypt = statement(preview, "kms:Decrypt")
    assert decrypt["Condition"] == {"StringEquals": {"kms:EncryptionContext:SecretARN": readable}}
    # The applying runner reads the database URL and registry key and decrypts the state.
    assert len(statement(apply, "secretsmanager:GetSecretValue")["Resource"]) == 3
    assert "Condition" not in statement(apply, "kms:Decrypt")


def test_the_region_is_configurable(pulumi_loop: asyncio.AbstractEventLoop) -> None:
    run = _up({"platform:region": "us-east-1", "platform:runnerLabel": "ethiq-us"})
    assert run.outputs["region"] == "us-east-1"
    assert run.outputs["label"] == "ethiq-us"
    assert run.monitor.one("pulumi:providers:aws").inputs["region"] == "us-east-1"


def test_default_region_is_ca_central_1(monitor: RecordingMonitor) -> None:
    assert monitor.one("pulumi:providers:aws").inputs["region"] == "ca-central-1"


def test_backups_shorter_than_a_week_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 7 days"):
        DatabaseArgs(
            subnet_ids=[],
            security_group_id="sg",
            kms_key_arn="arn",
            password=cast("pulumi.Output[str]", None),  # not looked at: no Output outside a run
            backup_days=3,
        )


def _strip_secrets(value: Any) -> Any:
    if is_secret(value):
        return "[secret]"
    if isinstance(value, dict):
        return {k: _strip_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_secrets(v) for v in value]
    return value


def test_the_load_balancer_probes_liveness_on_the_task_port(monitor: RecordingMonitor) -> None:
    group = monitor.one("aws:lb/targetGroup:TargetGroup").inputs
    assert group["port"] == PORT
    assert group["healthCheck"]["path"] == LIVE_PATH
    runtime = _runtime_container(monitor)
    assert runtime["portMappings"] == [{"containerPort": PORT, "protocol": "tcp"}]
    env = {e["name"]: e["value"] for e in runtime["environment"]}
    assert env["ETHIQ_HOST"] == CONTAINER_HOST
    assert env["ETHIQ_PORT"] == str(PORT)
    # The privacy page's backup window is the database's own.
    database = monitor.one("aws:rds/instance:Instance").inputs
    assert int(env["ETHIQ_BACKUP_RETENTION_DAYS"]) == database["backupRetentionPeriod"] == 14


def test_the_service_scales_on_cpu_and_requests_between_its_floor_and_ceiling(
    monitor: RecordingMonitor,
) -> None:
    target = _web(monitor, "aws:appautoscaling/target:Target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 10)
    assert target["scalableDimension"] == "ecs:service:DesiredCount"
    metrics = {
        p.inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"][
            "predefinedMetricType"
        ]
        for p in monitor.of_type("aws:appautoscaling/policy:Policy")
        if "worker" not in p.name
    }
    assert metrics == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"}


def _web(monitor: RecordingMonitor, type_: str) -> Any:
    """The web tasks' resource of ``type_`` (the job worker's names say ``worker``)."""
    [found] = [r for r in monitor.of_type(type_) if "worker" not in r.name]
    return found


def _runtime_container(monitor: RecordingMonitor) -> dict[str, Any]:
    task = _web(monitor, "aws:ecs/taskDefinition:TaskDefinition")
    containers = json.loads(task.inputs["containerDefinitions"])
    return cast(dict[str, Any], next(c for c in containers if c["name"] == "runtime"))


def test_a_worker_service_runs_the_jobs_and_the_web_tasks_leave_them(
    monitor: RecordingMonitor,
) -> None:
    [task] = [
        t for t in monitor.of_type("aws:ecs/taskDefinition:TaskDefinition") if "worker" in t.name
    ]
    containers = {c["name"]: c for c in json.loads(reveal(task.inputs["containerDefinitions"]))}
    assert set(containers) == {"worker", "metrics-collector"}
    worker = containers["worker"]
    assert worker["command"] == ["worker"]  # `ethiq worker`: the image's entry point is ethiq
    assert worker["image"] == DEPLOYED_IMAGE
    assert "portMappings" not in worker  # nothing connects to it
    runtime = _runtime_container(monitor)
    assert {s["name"] for s in worker["secrets"]} == {s["name"] for s in runtime["secrets"]}
    assert (
        task.inputs["taskRoleArn"]
        == _web(monitor, "aws:ecs/taskDefinition:TaskDefinition").inputs["taskRoleArn"]
    )
    web_env = {e["name"]: e["value"] for e in runtime["environment"]}
    worker_env = {e["name"]: e["value"] for e in worker["environment"]}
    assert web_env["ETHIQ_OUTBOX_WORKER"] == "off"
    assert "ETHIQ_OUTBOX_WORKER" not in worker_env
    assert "ETHIQ_PORT" not in worker_env
    # Its collector scrapes the worker's own metrics port, under a job of its own.
    config = yaml.safe_load(
        next(
            e["value"]
            for e in containers["metrics-collector"]["environment"]
            if e["name"] == "AOT_CONFIG_CONTENT"
        )
    )
    [job] = config["receivers"]["prometheus"]["config"]["scrape_configs"]
    assert job["job_name"] == "ethiq-worker"
    port = worker_env["ETHIQ_WORKER_METRICS_PORT"]
    assert job["static_configs"] == [{"targets": [f"localhost:{port}"]}]
    assert int(port) == WORKER_METRICS_PORT
    [service] = [s for s in monitor.of_type("aws:ecs/service:Service") if "worker" in s.name]
    assert "loadBalancers" not in service.inputs or not service.inputs["loadBalancers"]
    assert service.inputs["networkConfiguration"]["assignPublicIp"] is False
    [target] = [
        t for t in monitor.of_type("aws:appautoscaling/target:Target") if "worker" in t.name
    ]
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (1, 4)


def test_the_task_runs_the_deployed_image_not_the_first_one(monitor: RecordingMonitor) -> None:
    # platform:image only seeds the parameter; an `up` after a rollout keeps the rolled-out image.
    assert _runtime_container(monitor)["image"] == DEPLOYED_IMAGE
    parameter = monitor.one("aws:ssm/parameter:Parameter").inputs
    assert parameter["name"] == "/ethiq/runtime-image"
    assert reveal(parameter["value"]) == CONFIG["platform:image"]
    repository = monitor.one("aws:ecr/repository:Repository").inputs
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository["encryptionConfigurations"][0]["encryptionType"] == "KMS"
    assert not [r for r in monitor.of_type("aws:iam/role:Role") if "image-deployer" in r.name]


def test_the_image_deployer_is_trusted_from_the_deploy_environment_only(
    pulumi_loop: asyncio.AbstractEventLoop,
) -> None:
    provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    run = _up({"platform:githubOidcProviderArn": provider})
    [role] = [r for r in run.monitor.of_type("aws:iam/role:Role") if "image-deployer" in r.name]
    [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": provider}
    assert statement["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:ethiq/ethiq:environment:runtime-image",
    }
    [policy] = [
        p
        for p in run.monitor.of_type("aws:iam/rolePolicy:RolePolicy")
        if "image-deployer" in p.name
    ]
    actions = {
        action
        for s in json.loads(policy.inputs["policy"])["Statement"]
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == {
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:CompleteLayerUpload",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
        "ssm:PutParameter",
        "ecs:DescribeTaskDefinition",
        "ecs:RegisterTaskDefinition",
        "ecs:DescribeServices",
        "ecs:UpdateService",
        "iam:PassRole",
    }


def test_the_runtime_at_its_ceilings_fits_the_database_connections() -> None:
    """10 web tasks (1 process: 10 pool + 4 procrastinate) and 4 workers (10 + 4 + LISTEN),
    doubled mid-rollout, plus the headroom: within the 450 the database declares."""
    defaults: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(PlatformConfig)}
    budget = ConnectionBudget(
        web_tasks=defaults["runtime_max_count"],
        worker_tasks=defaults["worker_max_count"],
        max_connections=DatabaseArgs.max_connections,
        settings=Settings.from_env({}),
    )
    assert (budget.per_web_process, budget.per_worker_process) == (14, 15)
    assert budget.peak == 2 * (10 * 14 + 4 * 15) + 10 == 410
    budget.check()
    # The web tasks running the jobs themselves hold procrastinate's LISTEN connection too.
    inline = dataclasses.replace(budget, worker_tasks=0)
    assert inline.per_web_process == 15


def test_ceilings_beyond_the_database_connections_are_refused_at_preview(
    pulumi_loop: asyncio.AbstractEventLoop,
) -> None:
    with pytest.raises(ConnectionBudgetError, match=r"platform:runtimeMaxCount") as refused:
        _up({"platform:runtimeMaxCount": "20"})
    assert "up to 690 database connections" in str(refused.value)
    assert "max_connections 450" in str(refused.value)
