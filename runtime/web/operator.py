"""The operator API: the only reader across tenants, behind ``Authorization: Bearer <token>``.

Without ``ETHIQ_OPERATOR_TOKEN`` the whole API answers 503 (disabled). Tokens are compared in
constant time. Nothing here ever returns a tenant's auth token.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    NotFoundException,
    ServiceUnavailableException,
    ValidationException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody

from runtime.alerts.console_step import ENTERED_ACTION, ConsoleStep, console_step
from runtime.alerts.tables import bind_tables
from runtime.tenants import TenantRecord, validate_e164
from runtime.tenants.errors import InvalidTenant
from runtime.web.state import Runtime, runtime_of

__all__ = [
    "OperatorController",
    "console_steps",
    "holds_operator_token",
    "operator_guard",
]

AnyRequest = Request[Any, Any, Any]
FINGERPRINT = re.compile(r"[0-9a-f]{64}")
OPERATOR_NAME = 64


def holds_operator_token(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the request carries ``Authorization: Bearer <ETHIQ_OPERATOR_TOKEN>`` (never
    when no token is set)."""
    token = runtime_of(connection).settings.security.operator_token
    given = connection.headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(given.encode("utf-8"), f"Bearer {token}".encode())


def operator_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not runtime_of(connection).settings.security.operator_token:
        raise ServiceUnavailableException("operator API disabled: ETHIQ_OPERATOR_TOKEN is not set")
    if not holds_operator_token(connection):
        raise NotAuthorizedException("operator token required")


class TenantOut(msgspec.Struct):
    slug: str
    phone_number: str
    sip_address: str
    subaccount_sid: str
    language: str
    region: str
    contacts: int


class CallOut(msgspec.Struct):
    sid: str
    from_number: str
    to_number: str
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    duration: int | None
    verdict: str | None
    risk: float | None
    reasons: list[str]
    stir_verstat: str | None
    forwarded_from: str | None
    outcome: str | None = None  # for the person: answered, no-answer, busy, failed, voicemail
    degraded: list[str] = msgspec.field(default_factory=list)


class VerdictStepOut(msgspec.Struct):
    at_seconds: float
    risk: float
    verdict: str
    reasons: list[str]


class AlertOut(msgspec.Struct):
    id: int
    call_sid: str
    contact_number: str
    status: str
    attempts: int
    message_sid: str | None
    error_code: int | None
    next_attempt_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None


class BlockIn(msgspec.Struct):
    number: str


class BlocklistOut(msgspec.Struct):
    slug: str
    numbers: list[str]


class OptOutEnteredIn(msgspec.Struct):
    fingerprint: str  # runtime.alerts.keywords.console_fingerprint of the entries entered
    by: str  # who entered them (the operator token is shared: each operator names themself)


class ConsoleStepOut(msgspec.Struct):
    slug: str
    person_name: str
    messaging_service_sid: str  # "": no Messaging Service, nothing to enter
    expected: str  # the fingerprint of the entries the Console must hold now
    due: bool
    why_due: str
    command: str  # what to run while due
    entered: str  # the fingerprint last recorded ("": never)
    entered_service_sid: str
    entered_at: datetime | None
    entered_by: str


def _step_out(step: ConsoleStep) -> ConsoleStepOut:
    entered = step.entered
    return ConsoleStepOut(
        slug=step.slug,
        person_name=step.person_name,
        messaging_service_sid=step.service_sid,
        expected=step.expected,
        due=step.due,
        why_due=step.why_due,
        command=step.command,
        entered=entered.fingerprint if entered else "",
        entered_service_sid=entered.service_sid if entered else "",
        entered_at=entered.at if entered else None,
        entered_by=entered.by if entered else "",
    )


async def console_steps(runtime: Runtime, tenants: list[TenantRecord]) -> list[ConsoleStep]:
    """Each tenant's Advanced Opt-Out Console step (the operator page lists the due ones)."""
    entered = await runtime.registry.opt_out_entered()
    return [console_step(t, entered.get(t.slug)) for t in tenants]


async def _tenant(runtime: Runtime, slug: str) -> TenantRecord:
    try:
        tenant = await runtime.registry.get(slug)
    except ValueError:
        tenant = None
    if tenant is None:
        raise NotFoundException(f"no tenant {slug!r}")
    return tenant


def _number(value: str) -> str:
    try:
        return validate_e164(value)
    except InvalidTenant as error:
        raise ValidationException(str(error)) from None


class OperatorController(Controller):
    path = "/operator"
    guards = (operator_guard,)
    tags = ("operator",)

    @get("/tenants", summary="Every tenant (no secrets)")
    async def tenants(self, request: AnyRequest) -> list[TenantOut]:
        return [
            TenantOut(
                slug=t.slug,
                phone_number=t.phone_number,
                sip_address=t.sip_address,
                subaccount_sid=t.subaccount_sid,
                language=t.language,
                region=t.region,
                contacts=len(t.contacts),
            )
            for t in await runtime_of(request).registry.list()
        ]

    @get(
        "/opt-out-replies",
        summary="Each tenant's Advanced Opt-Out Console step: due until what was entered is "
        "what its registration asks for (?due=true: the due ones only)",
    )
    async def opt_out_replies(
        self, request: AnyRequest, due: FromQuery[bool] = False
    ) -> list[ConsoleStepOut]:
        runtime = runtime_of(request)
        steps = await console_steps(runtime, await runtime.registry.list())
        return [_step_out(s) for s in steps if s.due or not due]

    @post(
        "/tenants/{slug:str}/opt-out-replies",
        status_code=200,
        summary="Record the Advanced Opt-Out entries an operator entered in the Console",
    )
    async def opt_out_entered(
        self, request: AnyRequest, slug: FromPath[str], data: JSONBody[OptOutEnteredIn]
    ) -> ConsoleStepOut:
        by = " ".join(data.by.split())
        if not by or len(by) > OPERATOR_NAME:
            raise ValidationException(f"by: the operator's name, 1 to {OPERATOR_NAME} characters")
        if not FINGERPRINT.fullmatch(data.fingerprint):
            raise ValidationException("fingerprint: the SHA-256 (64 hex digits) of the entries")
        runtime = runtime_of(request)
        tenant = await _tenant(runtime, slug)
        if not tenant.messaging_service_sid:
            raise ClientException(
                f"tenant {slug!r} has no Messaging Service: nothing to enter", status_code=409
            )
        entered = await runtime.registry.record_opt_out_entered(
            tenant.slug, data.fingerprint, tenant.messaging_service_sid, by
        )
        if entered is None:  # removed meanwhile
            raise NotFoundException(f"no tenant {slug!r}")
        # An operator's hand: the manual-step KPI counts the onboarding that needed it.
        await runtime.people.by_operator(
            tenant.slug, ENTERED_ACTION, "entered the Advanced Opt-Out replies in the Console"
        )
        return _step_out(console_step(tenant, entered))

    @get("/tenants/{slug:str}/calls", summary="A tenant's calls, newest first")
    async def calls(
        self, request: AnyRequest, slug: FromPath[str], limit: FromQuery[int] = 50
    ) -> list[CallOut]:
        runtime = runtime_of(request)
        tables = runtime.calls.tables(await _tenant(runtime, slug))
        call = tables.Call
        rows = (
            await call.select()
            .order_by(call.started_at, ascending=False)
            .limit(max(1, min(limit, 500)))
            .output(load_json=True)
            .run()
        )
        return [
            CallOut(
                sid=r["sid"],
                from_number=r["from_number"],
                to_number=r["to_number"],
                status=r["status"],
                started_at=r["started_at"],
                ended_at=r["ended_at"],
                duration=r["duration"],
                verdict=r["verdict"],
                risk=r["risk"],
                reasons=list(r["reasons"] or []),
                stir_verstat=r["stir_verstat"],
                forwarded_from=r["forwarded_from"],
                outcome=r["outcome"],
                degraded=[d for d in (r["degraded"] or "").split(",") if d],
            )
            for r in rows
        ]

    @get("/tenants/{slug:str}/calls/{sid:str}/timeline", summary="A call's verdict timeline")
    async def timeline(
        self, request: AnyRequest, slug: FromPath[str], sid: FromPath[str]
    ) -> list[VerdictStepOut]:
        runtime = runtime_of(request)
        tables = runtime.calls.tables(await _tenant(runtime, slug))
        call = await tables.Call.select(tables.Call.id).where(tables.Call.sid == sid).first().run()
        if call is None:
            raise NotFoundException(f"no call {sid!r} for {slug}")
        event = tables.VerdictEvent
        rows = (
            await event.select(event.at_seconds, event.risk, event.verdict, event.reasons)
            .where(event.call == call["id"])
            .order_by(event.id)
            .output(load_json=True)
            .run()
        )
        return [
            VerdictStepOut(r["at_seconds"], r["risk"], r["verdict"], list(r["reasons"] or []))
            for r in rows
        ]

    @get("/tenants/{slug:str}/alerts", summary="A tenant's alerts (outbox), newest first")
    async def alerts(
        self, request: AnyRequest, slug: FromPath[str], limit: FromQuery[int] = 100
    ) -> list[AlertOut]:
        runtime = runtime_of(request)
        await _tenant(runtime, slug)
        tables = bind_tables(runtime.storage.engine(slug))
        alert = tables.Alert
        rows = (
            await alert.select().order_by(alert.id, ascending=False).limit(max(1, min(limit, 500)))
        )
        calls = {
            r["id"]: r["sid"]
            for r in await tables.Call.select(tables.Call.id, tables.Call.sid).where(
                tables.Call.id.is_in([r["call"] for r in rows] or [-1])
            )
        }
        contacts = {
            r["id"]: r["number"]
            for r in await tables.Contact.select(tables.Contact.id, tables.Contact.number)
        }
        return [
            AlertOut(
                id=r["id"],
                call_sid=calls.get(r["call"], ""),
                contact_number=contacts.get(r["contact"], ""),
                status=r["status"],
                attempts=r["attempts"],
                message_sid=r["message_sid"],
                error_code=r["error_code"],
                next_attempt_at=r["next_attempt_at"],
                created_at=r["created_at"],
                updated_at=r["updated_at"],
            )
            for r in rows
        ]

    @get("/tenants/{slug:str}/blocklist", summary="A tenant's blocked callers")
    async def blocklist(self, request: AnyRequest, slug: FromPath[str]) -> BlocklistOut:
        runtime = runtime_of(request)
        tenant = await _tenant(runtime, slug)
        return BlocklistOut(tenant.slug, await runtime.blocklist.numbers(tenant.slug))

    @post("/tenants/{slug:str}/blocklist", summary="Block a caller for a tenant")
    async def block(
        self, request: AnyRequest, slug: FromPath[str], data: JSONBody[BlockIn]
    ) -> BlocklistOut:
        runtime = runtime_of(request)
        tenant = await _tenant(runtime, slug)
        numbers = await runtime.blocklist.add(tenant.slug, _number(data.number))
        return BlocklistOut(tenant.slug, numbers)

    @delete("/tenants/{slug:str}/blocklist/{number:str}", summary="Unblock a caller")
    async def unblock(
        self, request: AnyRequest, slug: FromPath[str], number: FromPath[str]
    ) -> None:
        runtime = runtime_of(request)
        tenant = await _tenant(runtime, slug)
        if not await runtime.blocklist.remove(tenant.slug, _number(number)):
            raise NotFoundException(f"{number} is not blocked for {slug}")
