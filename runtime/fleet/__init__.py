"""Operators across tenants: platform-wide blocks (audited), campaign callers, incidents, KPIs.

Exceptions::

    LookupError
    ├── NotBlocked     the number is not blocked platform-wide (fleet.blocks)
    └── NoIncident     no (open) incident with this id (fleet.incidents)
    ValueError         who or why missing or too long, a number not in E.164
"""

from __future__ import annotations

from runtime.fleet.blocks import BlockRecord, NotBlocked, PlatformBlocks
from runtime.fleet.incidents import AlertmanagerPayload, IncidentRecord, Incidents, NoIncident
from runtime.fleet.kpi import Kpis, Provisioned
from runtime.fleet.service import FLEET_MIGRATIONS, Fleet

__all__ = [
    "FLEET_MIGRATIONS",
    "AlertmanagerPayload",
    "BlockRecord",
    "Fleet",
    "IncidentRecord",
    "Incidents",
    "Kpis",
    "NoIncident",
    "NotBlocked",
    "PlatformBlocks",
    "Provisioned",
]
