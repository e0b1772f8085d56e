"""Operator routes across tenants (behind the operator API's bearer token): campaign callers,
platform-wide blocks with their audit trail, incidents (Alertmanager's webhook opens them, an
operator closes them) and the KPIs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody

from runtime.fleet.blocks import BlockRecord
from runtime.fleet.blocks import NotBlocked as _NotBlocked
from runtime.fleet.incidents import AlertmanagerPayload, IncidentRecord, NoIncident
from runtime.fleet.kpi import Kpis
from runtime.web.operator import operator_guard
from runtime.web.state import runtime_of

__all__ = ["FleetOperator", "block_out", "incident_out"]

AnyRequest = Request[Any, Any, Any]


class CampaignOut(msgspec.Struct):
    caller: str
    tenants: int  # the most distinct tenants it reached within one velocity window
    last_at: datetime
    blocked: bool  # blocked platform-wide


class BlockIn(msgspec.Struct):
    number: str
    by: str  # who blocks (the operator token is shared: each operator names themself)
    reason: str


class UnblockIn(msgspec.Struct):
    by: str
    reason: str


class BlockOut(msgspec.Struct):
    id: int
    number: str
    active: bool
    blocked_at: datetime
    blocked_by: str
    reason: str
    unblocked_at: datetime | None
    unblocked_by: str
    unblock_reason: str


class IncidentOut(msgspec.Struct):
    id: int
    open: bool
    source: str
    title: str
    severity: str
    detail: str
    opened_at: datetime
    last_seen_at: datetime
    alert_resolved_at: datetime | None
    closed_at: datetime | None
    closed_by: str
    resolution: str
    resolve_s: float | None


class CloseIn(msgspec.Struct):
    by: str
    resolution: str


class NotifiedOut(msgspec.Struct):
    incidents: list[int]


def block_out(b: BlockRecord) -> BlockOut:
    return BlockOut(
        b.id,
        b.number,
        b.active,
        b.blocked_at,
        b.blocked_by,
        b.reason,
        b.unblocked_at,
        b.unblocked_by,
        b.unblock_reason,
    )


def incident_out(i: IncidentRecord) -> IncidentOut:
    return IncidentOut(
        i.id,
        i.open,
        i.source,
        i.title,
        i.severity,
        i.detail,
        i.opened_at,
        i.last_seen_at,
        i.alert_resolved_at,
        i.closed_at,
        i.closed_by,
        i.resolution,
        i.resolve_s,
    )


class FleetOperator(Controller):
    path = "/operator"
    guards = (operator_guard,)
    tags = ("operator",)

    @get("/campaigns", summary="Callers that reached many tenants within the velocity window")
    async def campaigns(self, request: AnyRequest) -> list[CampaignOut]:
        found = await runtime_of(request).fleet.campaign_callers()
        return [
            CampaignOut(c.caller, c.tenants, datetime.fromtimestamp(c.last_at, UTC), blocked)
            for c, blocked in found
        ]

    @get("/blocks", summary="Callers blocked on every tenant (history=true: the audit trail)")
    async def blocks(self, request: AnyRequest, history: FromQuery[bool] = False) -> list[BlockOut]:
        blocks = runtime_of(request).fleet.blocks
        found = await (blocks.history() if history else blocks.active())
        return [block_out(b) for b in found]

    @post("/blocks", summary="Block a caller on every tenant (who and why are recorded)")
    async def block(self, request: AnyRequest, data: JSONBody[BlockIn]) -> BlockOut:
        try:
            found = await runtime_of(request).fleet.blocks.block(
                data.number, by=data.by, reason=data.reason
            )
        except ValueError as error:
            raise ValidationException(str(error)) from None
        return block_out(found)

    @post("/blocks/{number:str}/unblock", status_code=200, summary="Lift a platform-wide block")
    async def unblock(
        self, request: AnyRequest, number: FromPath[str], data: JSONBody[UnblockIn]
    ) -> BlockOut:
        try:
            found = await runtime_of(request).fleet.blocks.unblock(
                number, by=data.by, reason=data.reason
            )
        except _NotBlocked as error:
            raise NotFoundException(str(error)) from None
        except ValueError as error:
            raise ValidationException(str(error)) from None
        return block_out(found)

    @get("/incidents", summary="Incidents, newest first (open=true: only open ones)")
    async def incidents(
        self, request: AnyRequest, open: FromQuery[bool] = False
    ) -> list[IncidentOut]:
        found = await runtime_of(request).fleet.incidents.recent(open_only=open)
        return [incident_out(i) for i in found]

    @post(
        "/incidents/alertmanager",
        status_code=200,
        summary="Alertmanager's webhook receiver: firing alerts open incidents",
    )
    async def alertmanager(
        self, request: AnyRequest, data: JSONBody[AlertmanagerPayload]
    ) -> NotifiedOut:
        touched = await runtime_of(request).fleet.incidents.alertmanager(data)
        return NotifiedOut([i.id for i in touched])

    @post("/incidents/{incident_id:int}/close", status_code=200, summary="Close an incident")
    async def close(
        self, request: AnyRequest, incident_id: FromPath[int], data: JSONBody[CloseIn]
    ) -> IncidentOut:
        try:
            found = await runtime_of(request).fleet.incidents.close(
                incident_id, by=data.by, resolution=data.resolution
            )
        except NoIncident as error:
            raise NotFoundException(str(error)) from None
        except ValueError as error:
            raise ValidationException(str(error)) from None
        return incident_out(found)

    @get("/kpi", summary="Onboarding and incident KPIs, from the records")
    async def kpi(self, request: AnyRequest) -> Kpis:
        return await runtime_of(request).fleet.kpis()
