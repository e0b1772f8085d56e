"""The platform program (``main: infra/platform_stack`` in the platform project)."""

from __future__ import annotations

from infra.platform_stack.program import main

main()
