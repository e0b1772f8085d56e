"""Errors of the tenant data layer::

StorageError
├── InvalidSlug (also ValueError)       a slug that cannot name a tenant
├── UnsupportedDatabaseURL (ValueError) a URL whose scheme has no backend
├── FieldTooLong (also ValueError)      text wider than its column (runtime.storage.widths)
└── MigrationError                      migrations could not be found or applied
"""

from __future__ import annotations

__all__ = ["InvalidSlug", "MigrationError", "StorageError", "UnsupportedDatabaseURL"]


class StorageError(Exception):
    """Base of every error raised by :mod:`runtime.storage`."""


class InvalidSlug(StorageError, ValueError):
    """The slug is not lowercase letters, digits, ``_`` and ``-`` (or is too long)."""


class UnsupportedDatabaseURL(StorageError, ValueError):
    """Neither ``postgresql://`` nor ``sqlite:///``."""


class MigrationError(StorageError):
    """A migration module is malformed, or piccolo's engine lookup is not where we expect it."""
