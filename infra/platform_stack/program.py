"""The platform program: read ``platform:*``, pick two zones, declare one Platform, export what
tenant stacks and CI need (runtime URL, data region, runner label, secret ARNs)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.platform_stack.config import load_config
from infra.platform_stack.platform_component import Platform, PlatformArgs

__all__ = ["main"]


def main() -> Platform:
    config = load_config()
    provider = aws.Provider(
        "aws", region=config.region, default_tags={"tags": {"project": "ethiq"}}
    )
    zones = aws.get_availability_zones_output(
        state="available", opts=pulumi.InvokeOutputOptions(provider=provider)
    )
    platform = Platform(
        "ethiq",
        PlatformArgs(config=config, zones=zones.names),
        pulumi.ResourceOptions(providers=[provider]),
    )
    # Tenant stacks' policy config comes from these two (runtimeUrl, dataRegion).
    pulumi.export("runtimeUrl", platform.runtime_url)
    pulumi.export("dataRegion", platform.data_region)
    pulumi.export("runnerLabel", platform.runner_label)
    pulumi.export("previewRunnerLabel", platform.preview_runner_label)
    pulumi.export("secretArns", platform.secret_arns)
    # The runtime-image workflow's variables (RUNTIME_IMAGE_REPOSITORY, …; see the workflow).
    pulumi.export("runtimeDeploy", platform.runtime_deploy)
    return platform
