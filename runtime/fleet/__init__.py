"""Operators across tenants: platform-wide blocks (audited), campaign callers, incidents, KPIs.

``blocks`` (:class:`PlatformBlocks`), ``incidents`` (:class:`Incidents`, Alertmanager's
payload), ``kpi`` (the four KPIs, pure), ``service`` (:class:`Fleet`, built once per app),
``tables``, ``templates/`` (the operator page's). Their routes are in the web layer:
:mod:`runtime.web.fleet_operator` (API), :mod:`runtime.web.operator_pages` (page). Nothing is
imported here, so ``ethiq kpi`` loads only what it computes with.

Exceptions::

    LookupError
    ├── NotBlocked     the number is not blocked platform-wide (blocks)
    └── NoIncident     no (open) incident with this id (incidents)
    ValueError         who or why missing or too long, a number not in E.164
"""
