"""What the Twilio and data resources must declare: secure SIP, secrets kept secret."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

__all__ = ["SECRET_OUTPUTS", "SIP_DOMAIN", "insecure_sip_domain", "missing_secret_outputs"]

_DYNAMIC: Final = "pulumi-python:dynamic/ethiq:"
SIP_DOMAIN: Final = f"{_DYNAMIC}TwilioSipDomain"

# Outputs each resource type must declare in additional_secret_outputs, or the engine would
# store them in plaintext in the state: Twilio credentials (the parent account's, kept for
# delete), the subaccount's auth token, the SIP password, the database URL and registry key.
SECRET_OUTPUTS: Final[Mapping[str, tuple[str, ...]]] = {
    f"{_DYNAMIC}TwilioSubaccount": ("credentials", "auth_token"),
    f"{_DYNAMIC}TwilioPhoneNumber": ("credentials", "database_url"),
    SIP_DOMAIN: ("credentials",),
    f"{_DYNAMIC}TwilioSipCredentialList": ("credentials",),
    f"{_DYNAMIC}TwilioSipCredential": ("credentials", "password"),
    f"{_DYNAMIC}TwilioSipMapping": ("credentials",),
    f"{_DYNAMIC}TwilioHostedFallback": ("credentials",),
    f"{_DYNAMIC}TwilioFallbackDeployment": ("credentials",),
    f"{_DYNAMIC}TwilioEmergencyAddress": ("credentials",),
    f"{_DYNAMIC}TwilioUsageTrigger": ("credentials",),
    f"{_DYNAMIC}TwilioMessagingService": ("credentials",),
    f"{_DYNAMIC}TwilioMessagingSender": ("credentials",),
    f"{_DYNAMIC}TenantSchema": ("database_url",),
    f"{_DYNAMIC}TenantRegistration": ("auth_token", "database_url", "registry_key"),
}


def insecure_sip_domain(props: Mapping[str, Any]) -> list[str]:
    """The person's SIP app connects with TLS and SRTP (``secure``) and registers
    (``sip_registration``): calls ring through to a registered, encrypted endpoint only."""
    return [
        f"SIP domain {key} must be true (got {props.get(key)!r})"
        for key in ("secure", "sip_registration")
        if props.get(key) is not True
    ]


def missing_secret_outputs(resource_type: str, declared: Iterable[str]) -> list[str]:
    """Outputs of ``resource_type`` that must be secret but are not declared so."""
    have = set(declared)
    return [
        f"{name} must be listed in additional_secret_outputs (it would be stored in plaintext)"
        for name in SECRET_OUTPUTS.get(resource_type, ())
        if name not in have
    ]
