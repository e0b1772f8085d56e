"""Errors of the platform registry::

RegistryError
├── InvalidTenant (also ValueError)   a record that cannot be stored as it is
├── DuplicateTenant                   number, subaccount or data key already used by another
└── RegistryKeyError                  the key is malformed, missing, or not the one used
"""

from __future__ import annotations

__all__ = ["DuplicateTenant", "InvalidTenant", "RegistryError", "RegistryKeyError"]


class RegistryError(Exception):
    """Base of every error raised by :mod:`runtime.tenants`."""


class InvalidTenant(RegistryError, ValueError):
    """A field of a tenant record is malformed (slug, E.164 number, language)."""


class DuplicateTenant(RegistryError):
    """Another tenant already has this phone number, subaccount, or data key."""


class RegistryKeyError(RegistryError):
    """The registry key cannot encrypt or decrypt tenants' auth tokens."""
