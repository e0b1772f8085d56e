"""Policy rules as plain functions: properties and config in, violation messages out.

Each rule lives in a small module by concern; this module is the one place the pack and the
tests import them from.
"""

from __future__ import annotations

from policies.activation import activation_errors
from policies.emergency import calls_without_emergency_address
from policies.messaging import canadian_a2p_filtering, unregistered_us_a2p
from policies.recording import (
    RECORDING_CONSENT,
    consent_notice_errors,
    recording_errors,
    recording_properties,
    recording_requested,
)
from policies.tenant import residency_errors, tenant_config_errors, unconsented_contacts
from policies.twilio_resources import (
    SECRET_OUTPUTS,
    SIP_DOMAIN,
    insecure_sip_domain,
    missing_secret_outputs,
)
from policies.webhooks import (
    hosted_fallback_origins,
    insecure_webhook_urls,
    missing_runtime_url,
    mixed_webhook_origins,
    webhook_urls,
    webhooks_off_runtime,
)

__all__ = [
    "RECORDING_CONSENT",
    "SECRET_OUTPUTS",
    "SIP_DOMAIN",
    "activation_errors",
    "calls_without_emergency_address",
    "canadian_a2p_filtering",
    "consent_notice_errors",
    "hosted_fallback_origins",
    "insecure_sip_domain",
    "insecure_webhook_urls",
    "missing_runtime_url",
    "missing_secret_outputs",
    "mixed_webhook_origins",
    "recording_errors",
    "recording_properties",
    "recording_requested",
    "residency_errors",
    "tenant_config_errors",
    "unconsented_contacts",
    "unregistered_us_a2p",
    "webhook_urls",
    "webhooks_off_runtime",
]
