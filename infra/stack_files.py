"""Reading and writing tenant stack files (``stacks/Pulumi.<tenant>.yaml``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from infra.tenant_config import TenantConfig

__all__ = ["read_stack_values", "stack_file", "write_stack_file"]


def stack_file(stacks_dir: Path, name: str) -> Path:
    return stacks_dir / f"Pulumi.{name}.yaml"


def write_stack_file(stacks_dir: Path, tenant: TenantConfig) -> Path:
    """Write the tenant's stack file all at once: never a half-written file."""
    target = stack_file(stacks_dir, tenant.name)
    tmp = target.with_suffix(".yaml.tmp")
    document = {"config": tenant.as_stack_config()}
    tmp.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    os.replace(tmp, target)
    return target


def read_stack_values(path: Path) -> dict[str, Any]:
    """The ``ethiq:`` keys of a stack file, without the prefix."""
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    return {
        key.removeprefix("ethiq:"): value
        for key, value in config.items()
        if isinstance(key, str) and key.startswith("ethiq:")
    }
