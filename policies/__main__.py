"""The Ethiq policy pack: ``pulumi preview --policy-pack policies``."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policies.rules import insecure_webhook_urls


def _webhook_urls_https(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type.startswith("pulumi:providers:"):
        return  # provider inputs echo the stack config; the resources themselves are checked
    for message in insecure_webhook_urls(args.props):
        report(message, None)


PolicyPack(
    name="ethiq",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="webhook-urls-https",
            description="Webhook URLs are https (plain http only on loopback, for local use).",
            validate=_webhook_urls_https,
        ),
    ],
)
