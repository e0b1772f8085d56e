"""The operators' page: the fleet at a glance, server-rendered like the people's pages.

Sign-in is a form (the operator's name and ``ETHIQ_OPERATOR_TOKEN``, compared in constant time),
never a token in a URL. It opens a server-side session in the runtime's store (Redis when
configured) under a random id sent as the cookie ``ethiq_ops``: ``HttpOnly``,
``SameSite=Strict``, ``Secure`` when the public URL is https, path ``/ops``, 8 hours. The
session records a digest of the token it was opened with, so rotating the token ends every
session. Every form carries Litestar's CSRF token (``/ops`` is not exempt). The name typed at
sign-in is the "who" of every block and incident closed from the page.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from runtime.billing.quotas import Overview
from runtime.fleet.blocks import NotBlocked
from runtime.fleet.incidents import IncidentRecord, NoIncident
from runtime.fleet.kpi import format_duration, format_share
from runtime.web.health import readiness
from runtime.web.limits import client_source
from runtime.web.operator import console_steps
from runtime.web.pages import people_of
from runtime.web.state import Runtime, runtime_of

__all__ = ["OPS_COOKIE", "OperatorPages"]

logger = logging.getLogger(__name__)

AnyRequest = Request[Any, Any, Any]
OPS_COOKIE: Final = "ethiq_ops"
SESSION_TTL_S: Final = 8 * 3600
MAX_TENANTS: Final = 200  # the page lists (and reads the calls of) at most this many tenants
SCAMS_PER_TENANT: Final = 5
SCAMS_SHOWN: Final = 30
# A dependency calls were answered without this recently is shown degraded (each process
# refreshes its incident at most once a minute while it lasts).
DEGRADED_RECENT: Final = timedelta(minutes=10)


@dataclass
class LoginForm:
    name: str = ""
    token: str = ""


@dataclass
class BlockForm:
    number: str = ""
    reason: str = ""


@dataclass
class CloseForm:
    resolution: str = ""


class _Session(msgspec.Struct):
    name: str
    token: str  # digest of the operator token the session was opened with


@dataclass(frozen=True, slots=True)
class _Scam:
    at: str
    tenant: str
    caller: str
    risk: float | None
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class _TenantRow:
    slug: str
    number: str
    region: str
    onboarding: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _key(session_id: str) -> str:
    return f"ops-session:{_digest(session_id)}"


async def _operator(request: AnyRequest) -> str | None:
    """The signed-in operator's name, if the cookie names a live session of the current token."""
    runtime = runtime_of(request)
    token = runtime.settings.security.operator_token
    session_id = request.cookies.get(OPS_COOKIE)
    if not token or not session_id:
        return None
    raw = await runtime.store.get(_key(session_id))
    if raw is None:
        return None
    session = msgspec.json.decode(raw, type=_Session)
    if not hmac.compare_digest(session.token, _digest(token)):
        return None
    return session.name


def _page(name: str, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=name,
        context={"share": format_share, "duration": format_duration, **context},
        status_code=status,
    )


def _with_degraded_calls(
    checks: dict[str, dict[str, Any]], degraded: dict[str, IncidentRecord]
) -> dict[str, dict[str, Any]]:
    """The probed dependencies, then those calls were answered without (the runtime's
    incidents of them, open or closed: :meth:`Incidents.degraded_calls`): the fleet's calls, not
    this process's probes, tell an operator that Twilio's API refuses the conference, and
    closing the incident does not make it so. A probed dependency keeps its probe's current
    state."""
    now = datetime.now(UTC)
    shown = dict(checks)
    for name, incident in degraded.items():
        if name in shown:
            continue
        recent = now - incident.last_seen_at < DEGRADED_RECENT
        closed = f", closed by {incident.closed_by}" if incident.closed_at is not None else ""
        shown[name] = {
            "status": "degraded" if recent else "degraded earlier",
            "detail": f"calls answered without it, last at "
            f"{incident.last_seen_at:%Y-%m-%d %H:%M} UTC (incident #{incident.id}{closed})",
        }
    return shown


def _login_page(error: str = "", status: int = 200) -> Template:
    return _page("ops_login.html", status, error=error, operator=None)


class OperatorPages(Controller):
    path = "/ops"
    include_in_schema = False

    @get("/")
    async def home(self, request: AnyRequest) -> Template:
        operator = await _operator(request)
        if operator is None:
            return _login_page()
        return await self._home(request, operator)

    @post("/login", status_code=303)
    async def login(
        self, request: AnyRequest, data: URLEncodedBody[LoginForm]
    ) -> Template | Redirect:
        runtime = runtime_of(request)
        token = runtime.settings.security.operator_token
        if not token:
            return _login_page(
                "The operator page is disabled: ETHIQ_OPERATOR_TOKEN is not set.", 503
            )
        source = client_source(request.scope, runtime.settings.server.trusted_proxies)
        if not await runtime.limits.sign_in_allowed(
            source, runtime.settings.security.operator_sign_ins
        ):
            return _login_page("Too many sign-in attempts from here: try again later.", 429)
        name = data.name.strip()
        if not hmac.compare_digest(data.token.encode("utf-8"), token.encode("utf-8")):
            logger.warning("operator page: refused sign-in (wrong token) for %r", name[:64])
            return _login_page("This token is not the operator token.", 401)
        if not name or len(name) > 64:  # noqa: PLR2004
            return _login_page("Give your name (1 to 64 characters).", 400)
        session_id = secrets.token_urlsafe(32)
        session = _Session(name=name, token=_digest(token))
        await runtime.store.set(_key(session_id), msgspec.json.encode(session), SESSION_TTL_S)
        logger.info("operator page: %s signed in", name)
        return Redirect(
            "/ops",
            status_code=303,
            cookies=[
                Cookie(
                    key=OPS_COOKIE,
                    value=session_id,
                    path="/ops",
                    max_age=SESSION_TTL_S,
                    httponly=True,
                    secure=runtime.settings.twilio.public_url.startswith("https://"),
                    samesite="strict",
                )
            ],
        )

    @post("/logout", status_code=303)
    async def logout(self, request: AnyRequest) -> Redirect:
        session_id = request.cookies.get(OPS_COOKIE)
        if session_id:
            await runtime_of(request).store.delete(_key(session_id))
        return Redirect(
            "/ops",
            status_code=303,
            cookies=[Cookie(key=OPS_COOKIE, value="", path="/ops", max_age=0, httponly=True)],
        )

    @post("/blocks", status_code=303)
    async def block(
        self, request: AnyRequest, data: URLEncodedBody[BlockForm]
    ) -> Template | Redirect:
        operator = await _operator(request)
        if operator is None:
            return _login_page(status=401)
        try:
            await runtime_of(request).fleet.blocks.block(
                data.number.strip(), by=operator, reason=data.reason
            )
        except ValueError as error:
            return await self._home(request, operator, error=str(error), status=400)
        return Redirect("/ops?done=blocked#blocks", status_code=303)

    @post("/blocks/unblock", status_code=303)
    async def unblock(
        self, request: AnyRequest, data: URLEncodedBody[BlockForm]
    ) -> Template | Redirect:
        operator = await _operator(request)
        if operator is None:
            return _login_page(status=401)
        try:
            await runtime_of(request).fleet.blocks.unblock(
                data.number.strip(), by=operator, reason=data.reason
            )
        except (NotBlocked, ValueError) as error:
            return await self._home(request, operator, error=str(error), status=400)
        return Redirect("/ops?done=unblocked#blocks", status_code=303)

    @post("/incidents/{incident_id:int}/close", status_code=303)
    async def close(
        self, request: AnyRequest, incident_id: FromPath[int], data: URLEncodedBody[CloseForm]
    ) -> Template | Redirect:
        operator = await _operator(request)
        if operator is None:
            return _login_page(status=401)
        try:
            await runtime_of(request).fleet.incidents.close(
                incident_id, by=operator, resolution=data.resolution
            )
        except (NoIncident, ValueError) as error:
            return await self._home(request, operator, error=str(error), status=400)
        return Redirect("/ops?done=closed#incidents", status_code=303)

    async def _home(
        self, request: AnyRequest, operator: str, *, error: str = "", status: int = 200
    ) -> Template:
        runtime = runtime_of(request)
        fleet = runtime.fleet
        tenants = await runtime.registry.list()
        shown = tenants[:MAX_TENANTS]
        incidents = await fleet.incidents.recent(open_only=True)
        dependencies = _with_degraded_calls(
            await readiness(runtime),
            await fleet.incidents.degraded_calls(datetime.now(UTC) - DEGRADED_RECENT),
        )
        kpis = await fleet.kpis()
        campaigns = await fleet.campaign_callers()
        blocks = await fleet.blocks.active()
        rows = await self._tenant_rows(request, shown)
        console_due = [s for s in await console_steps(runtime, shown) if s.due]
        scams = await self._scams(runtime, shown)
        plans = await self._plans(runtime, shown)
        done = {
            "blocked": "Blocked on every tenant.",
            "unblocked": "Block lifted.",
            "closed": "Incident closed.",
        }.get(request.query_params.get("done", ""), "")
        return _page(
            "ops_home.html",
            status,
            operator=operator,
            message=done,
            error=error,
            dependencies=dependencies,
            kpis=kpis,
            campaigns=[
                (c, blocked, datetime.fromtimestamp(c.last_at, UTC).strftime("%Y-%m-%d %H:%M"))
                for c, blocked in campaigns
            ],
            campaign_tenants=runtime.settings.store.campaign_tenants,
            blocks=blocks,
            incidents=incidents,
            tenants=rows,
            console_due=console_due,
            more_tenants=len(tenants) > len(shown),
            scams=scams,
            plans=plans,
        )

    @staticmethod
    async def _tenant_rows(request: AnyRequest, tenants: list[Any]) -> list[_TenantRow]:
        people = people_of(request)
        enrolled = set(await people.slugs())
        rows: list[_TenantRow] = []
        for tenant in tenants:
            onboarding = "not enrolled"
            if tenant.slug in enrolled:
                status = await people.status(tenant.slug)
                onboarding = "active" if status.active else f"at step: {status.current}"
            rows.append(_TenantRow(tenant.slug, tenant.phone_number, tenant.region, onboarding))
        return rows

    @staticmethod
    async def _plans(runtime: Runtime, tenants: list[Any]) -> list[Overview]:
        """Each shown tenant's plan, month as last metered, and standing (none on failure:
        the rest of the page still shows)."""
        try:
            return await runtime.quotas.overviews(
                [t.slug for t in tenants], regions={t.slug: t.region for t in tenants}
            )
        except Exception:
            logger.exception("ops page: plans and quotas not shown")
            return []

    @staticmethod
    async def _scams(runtime: Runtime, tenants: list[Any]) -> list[_Scam]:
        """The latest scam calls of each tenant shown, newest first."""
        found: list[tuple[datetime, _Scam]] = []
        for tenant in tenants:
            call = runtime.calls.tables(tenant).Call
            try:
                rows = (
                    await call.select(call.started_at, call.from_number, call.risk, call.reasons)
                    .where(call.verdict == "scam")
                    .order_by(call.started_at, ascending=False)
                    .limit(SCAMS_PER_TENANT)
                    .output(load_json=True)
                )
            except Exception as error:  # a tenant whose data is not there (yet)
                logger.warning("operator page: calls of %s not read: %r", tenant.slug, error)
                continue
            for r in rows:
                at = r["started_at"] or datetime.now(UTC)
                at = at if at.tzinfo else at.replace(tzinfo=UTC)
                found.append(
                    (
                        at,
                        _Scam(
                            at.strftime("%Y-%m-%d %H:%M"),
                            tenant.slug,
                            r["from_number"],
                            r["risk"],
                            list(r["reasons"] or []),
                        ),
                    )
                )
        found.sort(key=lambda item: item[0], reverse=True)
        return [scam for _, scam in found[:SCAMS_SHOWN]]
