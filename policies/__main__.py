"""The Ethiq policy pack: ``pulumi preview --policy-pack policies``.

Only wiring: every rule is a plain function in :mod:`policies.rules`. Inputs:

- resource properties and options, as the engine sends them;
- the stack's config (``ethiq:*``), kept by :func:`policies.stack_config.capture`;
- the operator's settings, never the tenant's stack file: policy config (``--policy-pack-config``)
  ``runtimeUrl`` and ``dataRegion``, else the engine's environment ``ETHIQ_PUBLIC_URL`` and
  ``ETHIQ_DATA_REGION``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies import stack_config
from policies.rules import (
    SIP_DOMAIN,
    activation_errors,
    calls_without_emergency_address,
    canadian_a2p_filtering,
    consent_notice_errors,
    hosted_fallback_origins,
    insecure_sip_domain,
    insecure_webhook_urls,
    missing_runtime_url,
    missing_secret_outputs,
    mixed_webhook_origins,
    recording_errors,
    recording_properties,
    recording_requested,
    residency_errors,
    tenant_config_errors,
    unconsented_contacts,
    unregistered_us_a2p,
    webhooks_off_runtime,
)
from policies.values import UNKNOWN, plain

_TWILIO = "pulumi-python:dynamic/ethiq:Twilio"
_REGISTRATION = "pulumi-python:dynamic/ethiq:TenantRegistration"
_HOSTED_FALLBACK = "pulumi-python:dynamic/ethiq:TwilioHostedFallback"
_NUMBER = "pulumi-python:dynamic/ethiq:TwilioPhoneNumber"


def _setting(args: ResourceValidationArgs | StackValidationArgs, key: str, env: str) -> str:
    return str(args.get_config().get(key) or os.environ.get(env) or "").strip()


def _registration(args: StackValidationArgs) -> PolicyResource | None:
    return next((r for r in args.resources if r.resource_type == _REGISTRATION), None)


def _stack_of(urn: str) -> str:
    """``urn:pulumi:<stack>::<project>::...`` → ``<stack>``."""
    return urn.split("::", 1)[0].rsplit(":", 1)[-1]


def _values() -> dict[str, Any]:
    return stack_config.ethiq_values(stack_config.stack_config())


# --- resource policies -----------------------------------------------------------------------
def _webhook_urls_https(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type.startswith("pulumi:providers:"):
        return  # provider inputs echo the stack config; the resources themselves are checked
    for message in insecure_webhook_urls(plain(args.props)):
        report(message, None)


def _sip_domain_secure(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == SIP_DOMAIN:
        for message in insecure_sip_domain(plain(args.props)):
            report(message, None)


def _secrets_stay_secret(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for message in missing_secret_outputs(args.resource_type, args.opts.additional_secret_outputs):
        report(message, None)


def _activation_gate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == _NUMBER:
        for message in activation_errors(_stack_of(args.urn), plain(args.props)):
            report(message, None)


# --- stack policies --------------------------------------------------------------------------
def _webhooks_point_at_runtime(args: StackValidationArgs, report: ReportViolation) -> None:
    twilio = [r for r in args.resources if r.resource_type.startswith(_TWILIO)]
    fallbacks = [plain(r.props) for r in twilio if r.resource_type == _HOSTED_FALLBACK]
    runtime = _setting(args, "runtimeUrl", "ETHIQ_PUBLIC_URL")
    if not runtime:
        # Fail closed: without the operator's runtime URL nothing says where webhooks may go.
        report(missing_runtime_url(), None)
        hosted = [o for f in fallbacks for o in hosted_fallback_origins([f], f.get("account_sid"))]
        for message in mixed_webhook_origins({r.name: plain(r.props) for r in twilio}, hosted):
            report(message, None)
        return
    for resource in twilio:
        props = plain(resource.props)
        # A number's fallback may be the Twilio-hosted one of its own subaccount only.
        hosted = hosted_fallback_origins(fallbacks, props.get("account_sid"))
        for message in webhooks_off_runtime(props, runtime, hosted):
            report(message, resource.urn)


def _tenant_config(args: StackValidationArgs, report: ReportViolation) -> None:
    registration = _registration(args)
    if registration is not None:
        props: Mapping[str, Any] = plain(registration.props)
        for message in tenant_config_errors(_stack_of(registration.urn), _values(), props):
            report(message, registration.urn)


def _data_residency(args: StackValidationArgs, report: ReportViolation) -> None:
    registration = _registration(args)
    if registration is not None:
        region = plain(registration.props).get("region", UNKNOWN)
        data_region = _setting(args, "dataRegion", "ETHIQ_DATA_REGION")
        for message in residency_errors(region, data_region or None):
            report(message, registration.urn)


def _call_recording(args: StackValidationArgs, report: ReportViolation) -> None:
    values, registration = _values(), _registration(args)
    requested = recording_requested(values) if registration is not None else []
    for resource in args.resources:
        props = plain(resource.props)
        requested += [f"{resource.name}.{key}" for key in recording_properties(props)]
    region = plain(registration.props).get("region") if registration else values.get("region")
    for message in recording_errors(region, values, requested):
        report(message, registration.urn if registration else None)


def _consent_notice(args: StackValidationArgs, report: ReportViolation) -> None:
    values, registration = _values(), _registration(args)
    region = plain(registration.props).get("region") if registration else values.get("region")
    if region is None or region is UNKNOWN:
        return  # not a tenant stack, or not known before the apply
    for message in consent_notice_errors(region, values):
        report(message, registration.urn if registration else None)


def _contacts_consent(args: StackValidationArgs, report: ReportViolation) -> None:
    registration = _registration(args)
    if registration is not None:
        for message in unconsented_contacts(_values()):
            report(message, registration.urn)


def _emergency_address(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = [(r.resource_type, plain(r.props)) for r in args.resources]
    for message in calls_without_emergency_address(resources):
        report(message, None)


def _us_a2p(args: StackValidationArgs, report: ReportViolation) -> None:
    registration = _registration(args)
    if registration is not None:
        for message in unregistered_us_a2p(_stack_of(registration.urn), _values()):
            report(message, registration.urn)


def _canadian_a2p(args: StackValidationArgs, report: ReportViolation) -> None:
    registration = _registration(args)
    if registration is not None:
        for message in canadian_a2p_filtering(_values()):
            report(message, registration.urn)


def _schema(key: str, description: str) -> PolicyConfigSchema:
    return PolicyConfigSchema(properties={key: {"type": "string", "description": description}})


stack_config.capture()  # before the pack starts serving the engine

PolicyPack(
    name="ethiq",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="webhook-urls-https",
            description="Webhook URLs are https (plain http only on loopback, for local use).",
            validate=_webhook_urls_https,
        ),
        StackValidationPolicy(
            name="webhook-urls-runtime",
            description="Twilio webhooks point at the configured runtime (policy config "
            "runtimeUrl, else ETHIQ_PUBLIC_URL), the voice fallback also at the tenant's own "
            "Twilio-hosted fallback (*.twil.io, same subaccount); without a runtime URL the "
            "stack is refused.",
            validate=_webhooks_point_at_runtime,
            config_schema=_schema("runtimeUrl", "The runtime's public base URL"),
        ),
        ResourceValidationPolicy(
            name="sip-domain-secure",
            description="SIP domains use TLS and SRTP (secure) with registration on.",
            validate=_sip_domain_secure,
        ),
        ResourceValidationPolicy(
            name="activation-gate",
            description="A tenant's number is bought only once the person's identity is "
            "verified (KYC) and the terms they accepted are recorded (version and when).",
            validate=_activation_gate,
        ),
        ResourceValidationPolicy(
            name="secret-outputs",
            description="Passwords, auth tokens, credentials and database URLs are secret outputs.",
            validate=_secrets_stay_secret,
        ),
        StackValidationPolicy(
            name="tenant-config",
            description="The tenant's config is valid and it has at least one emergency contact.",
            validate=_tenant_config,
        ),
        StackValidationPolicy(
            name="data-residency",
            description="The tenant's region is served and its data lives in that region's "
            "data region (policy config dataRegion, else ETHIQ_DATA_REGION).",
            validate=_data_residency,
            config_schema=_schema("dataRegion", "The AWS region of the tenant database"),
        ),
        StackValidationPolicy(
            name="call-recording",
            description="No call recording unless the region allows it and consent is recorded.",
            validate=_call_recording,
        ),
        StackValidationPolicy(
            name="consent-notice",
            description="Where every party must consent, callers hear that the call is "
            "transcribed before it is; a stack cannot turn the notice off.",
            validate=_consent_notice,
        ),
        StackValidationPolicy(
            name="emergency-address",
            description="A SIP app that may call out has the person's emergency address on the "
            "number and emergency calling on the SIP domain (911 with the address).",
            validate=_emergency_address,
        ),
        StackValidationPolicy(
            name="us-a2p-registration",
            description="A US long code texts US recipients only with a registered A2P 10DLC "
            "campaign (ethiq:a2pCampaign).",
            validate=_us_a2p,
        ),
        StackValidationPolicy(
            name="canadian-a2p-filtering",
            description="Canadian carriers filter A2P texts from long codes: Twilio recommends "
            "a short code or a verified toll-free number.",
            validate=_canadian_a2p,
            enforcement_level=EnforcementLevel.ADVISORY,
        ),
        StackValidationPolicy(
            name="contacts-consent",
            description="Emergency contacts who have not consented to alerts yet.",
            validate=_contacts_consent,
            enforcement_level=EnforcementLevel.ADVISORY,
        ),
    ],
)
