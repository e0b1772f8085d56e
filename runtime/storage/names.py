"""Tenant slugs and the database names derived from them.

A slug is the tenant's Pulumi stack name: lowercase letters, digits, ``_`` and ``-``, starting
and ending with a letter or a digit. Its *data key* replaces ``-`` by ``_`` so that it can name a
schema (``tenant_<key>``) or a file (``tenant_<key>.sqlite``). Every name that reaches SQL has
been validated here first, and is quoted anyway.
"""

from __future__ import annotations

import re
from typing import Final

from runtime.storage.errors import InvalidSlug

__all__ = [
    "MAX_SLUG_LENGTH",
    "PLATFORM_SCHEMA",
    "TENANT_PREFIX",
    "data_key",
    "quote_ident",
    "tenant_namespace",
    "validate_slug",
]

TENANT_PREFIX: Final = "tenant_"
PLATFORM_SCHEMA: Final = "platform"
# PostgreSQL truncates identifiers beyond 63 bytes; keep room for the prefix.
MAX_SLUG_LENGTH: Final = 63 - len(TENANT_PREFIX)

_SLUG: Final = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?")
_IDENT: Final = re.compile(r"[a-z_][a-z0-9_]*")


def validate_slug(slug: str) -> str:
    """Return ``slug`` unchanged if it can name a tenant, else raise :class:`InvalidSlug`."""
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug) or len(slug) > MAX_SLUG_LENGTH:
        raise InvalidSlug(
            f"invalid tenant slug {slug!r}: use 1 to {MAX_SLUG_LENGTH} lowercase letters, "
            "digits, '_' or '-', starting and ending with a letter or a digit"
        )
    return slug


def data_key(slug: str) -> str:
    """The slug as an identifier fragment: ``acme-nord`` → ``acme_nord``."""
    return validate_slug(slug).replace("-", "_")


def tenant_namespace(slug: str) -> str:
    """``tenant_<key>``: the tenant's PostgreSQL schema, or the stem of its SQLite file."""
    return TENANT_PREFIX + data_key(slug)


def quote_ident(name: str) -> str:
    """Quote an identifier we built ourselves; refuse anything that is not a plain name."""
    if not _IDENT.fullmatch(name) or len(name) > 63:  # noqa: PLR2004 (PostgreSQL's NAMEDATALEN - 1)
        raise InvalidSlug(f"refusing to use {name!r} as an SQL identifier")
    return '"' + name + '"'
