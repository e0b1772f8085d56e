"""Pulumi mocks for the platform program: a monitor that keeps every registration's inputs as
sent to the engine (secrets still marked), and the event loops Pulumi's mocks need (the same
approach as tests/infra/test_program.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from google.protobuf import json_format  # type: ignore[import-untyped]
from pulumi.runtime.mocks import MockMonitor

from tests.pulumi_loops import own_loop, pulumi_loop  # noqa: F401 (pulumi_loop: the fixture)

# How Pulumi marks a secret on the wire (pulumi.runtime.rpc), not credentials.
SECRET_KEY = "4dabf18193072939515e22adb298388d"  # noqa: S105
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105
ZONES = ["ca-central-1a", "ca-central-1b", "ca-central-1d"]
DEPLOYED_IMAGE = "123456789012.dkr.ecr.ca-central-1.amazonaws.com/runtime@sha256:" + "ab" * 32


@dataclass(frozen=True)
class Registered:
    type: str
    name: str
    parent: str
    inputs: dict[str, Any]  # wire form: a secret is {SECRET_KEY: SECRET_SIG, "value": ...}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_KEY) == SECRET_SIG


def reveal(value: Any) -> Any:
    """The wire value with secret markers removed (to look at what a secret holds)."""
    if is_secret(value):
        return reveal(value.get("value"))
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


class Mocks(pulumi.runtime.Mocks):
    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        outs = dict(args.inputs)
        name, kind = args.name, args.typ.rsplit(":", 1)[-1]
        outs.setdefault("arn", f"arn:aws:mock:ca-central-1:123456789012:{kind.lower()}/{name}")
        fakes: dict[str, dict[str, Any]] = {
            "LoadBalancer": {
                "arnSuffix": f"app/{name}/0123456789abcdef",
                "dnsName": f"{name}.elb.amazonaws.com",
                "zoneId": "Z0ALB",
            },
            "Certificate": {
                "domainValidationOptions": [
                    {
                        "domainName": args.inputs.get("domainName"),
                        "resourceRecordName": "_x.hooks.ethiq.example.",
                        "resourceRecordType": "CNAME",
                        "resourceRecordValue": "_y.acm-validations.aws.",
                    }
                ]
            },
            "Record": {"fqdn": args.inputs.get("name", name)},
            "Instance": {"address": f"{name}.rds.amazonaws.com", "port": 5432},
            "ReplicationGroup": {"primaryEndpointAddress": f"master.{name}.cache.amazonaws.com"},
            "Key": {"keyId": f"key-{name}"},
            "Role": {"name": name},
            "SubnetGroup": {"name": name},
            "ParameterGroup": {"name": name},
            "LogGroup": {"name": f"/ecs/{name}"},
            "TargetGroup": {"arnSuffix": f"targetgroup/{name}/0123456789abcdef"},
            "Cluster": {"name": name},
            "Service": {"name": name},
            "Workspace": {
                "prometheusEndpoint": (
                    f"https://aps-workspaces.ca-central-1.amazonaws.com/workspaces/ws-{name}/"
                )
            },
        }
        return f"{name}-id", outs | fakes.get(kind, {})

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        name = str(args.args.get("name", ""))
        get_parameter = "aws:ssm/getParameter:getParameter"
        if args.token == get_parameter and name.endswith("/runtime-image"):
            return {"name": name, "value": DEPLOYED_IMAGE}, []  # what the workflow last rolled out
        results: dict[str, dict[str, Any]] = {
            "aws:index/getAvailabilityZones:getAvailabilityZones": {"names": ZONES},
            "aws:ssm/getParameter:getParameter": {"name": "ami", "value": "ami-0debian12"},
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": "123456789012",
                "arn": "arn:aws:iam::123456789012:user/deployer",
                "id": "123456789012",
                "userId": "AIDEXAMPLE",
            },
        }
        return results.get(args.token, {}), []


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registered: list[Registered] = []

    def RegisterResource(self, request: Any) -> Any:
        own_loop()
        inputs = json_format.MessageToDict(request.object)
        self.registered.append(Registered(request.type, request.name, request.parent, inputs))
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]

    def Invoke(self, request: Any) -> Any:
        own_loop()
        return super().Invoke(request)  # type: ignore[no-untyped-call]

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.registered if r.type == type_]

    def one(self, type_: str) -> Registered:
        [found] = self.of_type(type_)
        return found


def mock_monitor() -> RecordingMonitor:
    """A fresh monitor, installed as Pulumi's (needs the module's event loop)."""
    mocks = Mocks()
    recording = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project="ethiq-platform", stack="prod", preview=False, monitor=recording
    )
    return recording
