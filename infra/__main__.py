"""The tenant program (``main: infra/`` in Pulumi.yaml): one stack per tenant."""

from __future__ import annotations

from infra.program import main

main()
