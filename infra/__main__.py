"""The tenant program (``main: infra/`` in Pulumi.yaml): one stack per tenant.

The Tenant component lands with the tenant-stacks work; until then the program declares nothing.
"""

from __future__ import annotations
