"""The web layer: the app factory, health and metrics, the operator API, error mapping."""

from __future__ import annotations
