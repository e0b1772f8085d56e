"""Routing a webhook to its tenant: the registry, cached in the shared store, with a local
last-known copy so that calls still connect when the store or the database is down."""

from __future__ import annotations

from runtime.routing.directory import Lookup, TenantDirectory

__all__ = ["Lookup", "TenantDirectory"]
