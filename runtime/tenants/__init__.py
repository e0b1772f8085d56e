"""The platform registry of tenants (piccolo app ``tenants``): what the runtime routes on."""

from __future__ import annotations

from runtime.tenants.crypto import KEY_ENV, TokenCipher, generate_key, key_from_env
from runtime.tenants.errors import DuplicateTenant, InvalidTenant, RegistryError, RegistryKeyError
from runtime.tenants.records import (
    MonitoredNumber,
    OptOutEntered,
    TenantContact,
    TenantRecord,
    to_e164,
    validate_e164,
)
from runtime.tenants.registry import Registry

__all__ = [
    "KEY_ENV",
    "DuplicateTenant",
    "InvalidTenant",
    "MonitoredNumber",
    "OptOutEntered",
    "Registry",
    "RegistryError",
    "RegistryKeyError",
    "TenantContact",
    "TenantRecord",
    "TokenCipher",
    "generate_key",
    "key_from_env",
    "to_e164",
    "validate_e164",
]
