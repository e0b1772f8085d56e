"""The stack's config, as the engine hands it to the policy pack.

The engine sends every policy pack the stack's config (``ConfigureStack``) but pulumi-policy
1.21 keeps only the stack's tags from that call; :func:`capture` keeps the config too (the patch
is :func:`runtime.patches.capture_policy_stack_config`). Engines
that boot packs without a language host pass it in ``PULUMI_CONFIG`` instead. Secret values
(``ethiq:databaseUrl``, ``ethiq:registryKey``) are dropped on arrival: no rule needs them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from runtime.patches import capture_policy_stack_config

__all__ = ["capture", "ethiq_values", "stack_config"]

_PREFIX = "ethiq:"
_received: dict[str, str] = {}


def capture() -> None:
    """Keep the stack config the engine sends (idempotent)."""
    capture_policy_stack_config(_received)


def stack_config() -> dict[str, str]:
    """``{"ethiq:region": "CA-QC", ...}``: what the engine sent, else ``PULUMI_CONFIG``."""
    if _received:
        return dict(_received)
    try:
        config = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in config.items()} if isinstance(config, dict) else {}


def ethiq_values(config: Mapping[str, str]) -> dict[str, Any]:
    """The ``ethiq:*`` values without their prefix, typed like Pulumi's config API reads them:
    ``true``/``false`` are booleans, JSON lists and objects are parsed, the rest are strings."""
    values: dict[str, Any] = {}
    for key, raw in config.items():
        if key.startswith(_PREFIX):
            values[key.removeprefix(_PREFIX)] = _typed(raw)
    return values


def _typed(raw: str) -> Any:
    if raw in ("true", "false"):
        return raw == "true"
    if raw[:1] in ("[", "{"):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw
