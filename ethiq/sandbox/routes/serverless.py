"""Twilio Serverless v1 routes: services, assets, asset versions, builds, environments,
deployments (state and semantics in :mod:`ethiq.sandbox.serverless`).

Parameter names are those of the official twilio SDK (generated from Twilio's OpenAPI for
``serverless.twilio.com/v1``). Resources belong to the account whose credentials make the request
(the v1 APIs have no account in the path): a tenant's are made with its subaccount's own
credentials. Asset versions are created by a multipart upload, which Twilio takes on
``serverless-upload.twilio.com`` at the same path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from litestar import Response, delete, get, post
from litestar.datastructures import UploadFile

from ethiq.sandbox.auth import authenticate
from ethiq.sandbox.context import Sandbox, sandbox_of
from ethiq.sandbox.errors import TwilioApiError, invalid_parameter, not_found
from ethiq.sandbox.formats import new_sid, now
from ethiq.sandbox.routes.common import (
    AnyRequest,
    Params,
    json_response,
    paging,
    params_of,
    query_of,
    v1_page_response,
)
from ethiq.sandbox.serverless import (
    RUNTIME_DOMAIN,
    VISIBILITIES,
    Asset,
    AssetVersion,
    Build,
    Deployment,
    Environment,
    ServerlessState,
    Service,
    content_type,
    domain_base,
)
from ethiq.sandbox.state import Account

__all__ = ["ROUTES"]

T = TypeVar("T")
HOST = "https://serverless.twilio.com/v1"
# One base URL stands in for every Twilio host: the host is the path's first segment
# (runtime.telephony.twilio_http.BaseUrlHttpClient).
SERVICES = "/serverless/v1/Services"
SERVICE = f"{SERVICES}/{{service_sid:str}}"
UPLOAD_SERVICE = "/serverless-upload/v1/Services/{service_sid:str}"
_UNIQUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,49}$")
_SUFFIX = re.compile(r"^[a-z0-9-]{1,16}$")
_MAX_ASSET_BYTES = 25 * 1024 * 1024  # public and protected assets


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _authorized(request: AnyRequest) -> tuple[Sandbox, Account, ServerlessState]:
    sandbox = sandbox_of(request)
    with sandbox.store.lock:
        account = authenticate(sandbox.store, request.headers.get("authorization"))
    return sandbox, account, sandbox.store.serverless


def _page(
    key: str,
    path: str,
    records: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    request: AnyRequest,
) -> Response[dict[str, Any]]:
    url = f"{HOST}{path.removeprefix('/serverless/v1')}"
    return v1_page_response(key, records, render, url=url, pages=paging(query_of(request)))


def _service_json(s: Service) -> dict[str, Any]:
    base = f"{HOST}/Services/{s.sid}"
    return {
        "sid": s.sid,
        "account_sid": s.account_sid,
        "friendly_name": s.friendly_name,
        "unique_name": s.unique_name,
        "include_credentials": s.include_credentials,
        "ui_editable": s.ui_editable,
        "domain_base": s.domain_base,
        "date_created": _iso(s.date_created),
        "date_updated": _iso(s.date_updated),
        "url": base,
        "links": {k: f"{base}/{k.title()}" for k in ("functions", "assets", "environments")}
        | {"builds": f"{base}/Builds"},
    }


def _asset_json(a: Asset) -> dict[str, Any]:
    url = f"{HOST}/Services/{a.service_sid}/Assets/{a.sid}"
    return {
        "sid": a.sid,
        "account_sid": a.account_sid,
        "service_sid": a.service_sid,
        "friendly_name": a.friendly_name,
        "date_created": _iso(a.date_created),
        "date_updated": _iso(a.date_updated),
        "url": url,
        "links": {"asset_versions": f"{url}/Versions"},
    }


def _version_json(v: AssetVersion) -> dict[str, Any]:
    return {
        "sid": v.sid,
        "account_sid": v.account_sid,
        "service_sid": v.service_sid,
        "asset_sid": v.asset_sid,
        "path": v.path,
        "visibility": v.visibility,
        "date_created": _iso(v.date_created),
        "url": f"{HOST}/Services/{v.service_sid}/Assets/{v.asset_sid}/Versions/{v.sid}",
    }


def _build_json(b: Build, state: ServerlessState) -> dict[str, Any]:
    url = f"{HOST}/Services/{b.service_sid}/Builds/{b.sid}"
    versions = [state.asset_versions[s] for s in b.asset_versions if s in state.asset_versions]
    return {
        "sid": b.sid,
        "account_sid": b.account_sid,
        "service_sid": b.service_sid,
        "status": b.status,
        "asset_versions": [_version_json(v) for v in versions],
        "function_versions": [],
        "dependencies": [],
        "runtime": "node22",
        "date_created": _iso(b.date_created),
        "date_updated": _iso(b.date_updated),
        "url": url,
        "links": {"build_status": f"{url}/Status"},
    }


def _environment_json(e: Environment) -> dict[str, Any]:
    url = f"{HOST}/Services/{e.service_sid}/Environments/{e.sid}"
    return {
        "sid": e.sid,
        "account_sid": e.account_sid,
        "service_sid": e.service_sid,
        "build_sid": e.build_sid,
        "unique_name": e.unique_name,
        "domain_suffix": e.domain_suffix,
        "domain_name": e.domain_name,
        "date_created": _iso(e.date_created),
        "date_updated": _iso(e.date_updated),
        "url": url,
        "links": {k: f"{url}/{k.title()}" for k in ("variables", "deployments", "logs")},
    }


def _deployment_json(d: Deployment) -> dict[str, Any]:
    return {
        "sid": d.sid,
        "account_sid": d.account_sid,
        "service_sid": d.service_sid,
        "environment_sid": d.environment_sid,
        "build_sid": d.build_sid,
        "date_created": _iso(d.date_created),
        "date_updated": _iso(d.date_updated),
        "url": f"{HOST}/Services/{d.service_sid}/Environments/{d.environment_sid}"
        f"/Deployments/{d.sid}",
    }


def _service(state: ServerlessState, account: Account, sid: str) -> Service:
    found = state.services.get(sid)
    if found is None:  # by unique name, as Twilio allows in place of the sid
        found = next(
            (
                s
                for s in state.services.values()
                if s.unique_name == sid and s.account_sid == account.sid
            ),
            None,
        )
    if found is None or found.account_sid != account.sid:
        raise not_found(f"/v1/Services/{sid}")
    return found


def _child(table: dict[str, T], service: Service, sid: str, what: str) -> T:
    found = table.get(sid)
    if found is None or getattr(found, "service_sid", None) != service.sid:
        raise not_found(f"/v1/Services/{service.sid}/{what}/{sid}")
    return found


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise invalid_parameter(f"{name} is required")
    return value


# --- services ------------------------------------------------------------------------------


@post(SERVICES)
async def create_service(request: AnyRequest) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    params = await params_of(request)
    unique, friendly = _required(params, "UniqueName"), _required(params, "FriendlyName")
    if not _UNIQUE.fullmatch(unique):
        raise invalid_parameter("UniqueName: up to 50 letters, digits and hyphens")
    with sandbox.store.lock:
        if any(
            s.unique_name == unique and s.account_sid == account.sid
            for s in state.services.values()
        ):
            raise TwilioApiError(409, 20001, f"Service with UniqueName {unique} already exists")
        service = Service(
            sid=new_sid("ZS"),
            account_sid=account.sid,
            unique_name=unique,
            friendly_name=friendly,
            domain_base=domain_base(unique),
            include_credentials=params.flag("IncludeCredentials") is not False,
            ui_editable=params.flag("UiEditable") is True,
        )
        state.services[service.sid] = service
        return json_response(_service_json(service), 201)


@get(SERVICES)
async def list_services(request: AnyRequest) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    with sandbox.store.lock:
        mine = [s for s in state.services.values() if s.account_sid == account.sid]
        return _page("services", SERVICES, mine, _service_json, request)


@get(SERVICE)
async def fetch_service(request: AnyRequest, service_sid: str) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    with sandbox.store.lock:
        return json_response(_service_json(_service(state, account, service_sid)))


@post(SERVICE)
async def update_service(request: AnyRequest, service_sid: str) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    params = await params_of(request)
    with sandbox.store.lock:
        service = _service(state, account, service_sid)
        if params.get("FriendlyName"):
            service.friendly_name = params.get("FriendlyName") or ""
        if (flag := params.flag("IncludeCredentials")) is not None:
            service.include_credentials = flag
        if (flag := params.flag("UiEditable")) is not None:
            service.ui_editable = flag
        service.date_updated = now()
        return json_response(_service_json(service))


@delete(SERVICE, status_code=204)
async def delete_service(request: AnyRequest, service_sid: str) -> None:
    sandbox, account, state = _authorized(request)
    with sandbox.store.lock:
        state.delete_service(_service(state, account, service_sid).sid)


# --- assets and their versions -------------------------------------------------------------


@post(f"{SERVICE}/Assets")
async def create_asset(request: AnyRequest, service_sid: str) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    params = await params_of(request)
    with sandbox.store.lock:
        service = _service(state, account, service_sid)
        asset = Asset(
            sid=new_sid("ZH"),
            account_sid=account.sid,
            service_sid=service.sid,
            friendly_name=_required(params, "FriendlyName"),
        )
        state.assets[asset.sid] = asset
        return json_response(_asset_json(asset), 201)


@get(f"{SERVICE}/Assets")
async def list_assets(request: AnyRequest, service_sid: str) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    with sandbox.store.lock:
        service = _service(state, account, service_sid)
        found = [a for a in state.assets.values() if a.service_sid == service.sid]
        return _page("assets", f"{SERVICES}/{service.sid}/Assets", found, _asset_json, request)


@post(f"{UPLOAD_SERVICE}/Assets/{{asset_sid:str}}/Versions")
async def upload_asset_version(
    request: AnyRequest, service_sid: str, asset_sid: str
) -> Response[dict[str, Any]]:
    """The upload endpoint (``serverless-upload.twilio.com``): multipart Path, Visibility,
    Content."""
    sandbox, account, state = _authorized(request)
    form = await request.form()
    path, visibility, upload = form.get("Path"), form.get("Visibility"), form.get("Content")
    if not isinstance(path, str) or not path:
        raise invalid_parameter("Path is required")
    if visibility not in VISIBILITIES:
        raise invalid_parameter("Visibility must be public, protected or private")
    if not isinstance(upload, UploadFile):
        raise invalid_parameter("Content is required (a file)")
    content = await upload.read()
    if len(content) > _MAX_ASSET_BYTES:
        raise invalid_parameter("Content is larger than the 25 MB an asset may hold")
    path = path if path.startswith("/") else f"/{path}"
    with sandbox.store.lock:
        service = _service(state, account, service_sid)
        asset = _child(state.assets, service, asset_sid, "Assets")
        version = AssetVersion(
            sid=new_sid("ZN"),
            account_sid=account.sid,
            service_sid=service.sid,
            asset_sid=asset.sid,
            path=path[:255],
            visibility=str(visibility),
            content=content,
            content_type=content_type(path),
        )
        state.asset_versions[version.sid] = version
        return json_response(_version_json(version), 201)


# --- builds --------------------------------------------------------------------------------


@post(f"{SERVICE}/Builds")
async def create_build(request: AnyRequest, service_sid: str) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    params = await params_of(request)
    with sandbox.store.lock:
        service = _service(state, account, service_sid)
        versions = params.values.get("AssetVersions", [])
        for sid in versions:
            _child(state.asset_versions, service, sid, "AssetVersions")
        if params.values.get("FunctionVersions"):
            raise invalid_parameter("FunctionVersions: the sandbox runs no function code")
        build = Build(
            sid=new_sid("ZB"),
            account_sid=account.sid,
            service_sid=service.sid,
            asset_versions=list(versions),
        )
        state.builds[build.sid] = build
        return json_response(_build_json(build, state), 201)


def _looked_at(build: Build) -> Build:
    """A build is asynchronous; the sandbox's has finished by the next time anyone looks."""
    if build.status == "building":
        build.status, build.date_updated = "completed", now()
    return build


@get(f"{SERVICE}/Builds/{{sid:str}}")
async def fetch_build(request: AnyRequest, service_sid: str, sid: str) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    with sandbox.store.lock:
        build = _child(state.builds, _service(state, account, service_sid), sid, "Builds")
        return json_response(_build_json(_looked_at(build), state))


@get(f"{SERVICE}/Builds/{{sid:str}}/Status")
async def fetch_build_status(
    request: AnyRequest, service_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    with sandbox.store.lock:
        build = _looked_at(
            _child(state.builds, _service(state, account, service_sid), sid, "Builds")
        )
        return json_response(
            {
                "sid": build.sid,
                "account_sid": build.account_sid,
                "service_sid": build.service_sid,
                "status": build.status,
                "url": f"{HOST}/Services/{build.service_sid}/Builds/{build.sid}/Status",
            }
        )


# --- environments and deployments ----------------------------------------------------------


@post(f"{SERVICE}/Environments")
async def create_environment(request: AnyRequest, service_sid: str) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    params = await params_of(request)
    unique = _required(params, "UniqueName")
    suffix = params.get("DomainSuffix") or None
    if suffix is not None and not _SUFFIX.fullmatch(suffix):
        raise invalid_parameter("DomainSuffix: up to 16 lowercase letters, digits and hyphens")
    with sandbox.store.lock:
        service = _service(state, account, service_sid)
        if any(
            e.service_sid == service.sid and e.unique_name == unique
            for e in state.environments.values()
        ):
            raise TwilioApiError(409, 20001, f"Environment {unique} already exists")
        domain = f"{service.domain_base}{'-' + suffix if suffix else ''}{RUNTIME_DOMAIN}"
        environment = Environment(
            sid=new_sid("ZE"),
            account_sid=account.sid,
            service_sid=service.sid,
            unique_name=unique,
            domain_suffix=suffix,
            domain_name=domain,
        )
        state.environments[environment.sid] = environment
        return json_response(_environment_json(environment), 201)


@get(f"{SERVICE}/Environments")
async def list_environments(request: AnyRequest, service_sid: str) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    with sandbox.store.lock:
        service = _service(state, account, service_sid)
        found = [e for e in state.environments.values() if e.service_sid == service.sid]
        path = f"{SERVICES}/{service.sid}/Environments"
        return _page("environments", path, found, _environment_json, request)


@get(f"{SERVICE}/Environments/{{sid:str}}")
async def fetch_environment(
    request: AnyRequest, service_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    with sandbox.store.lock:
        service = _service(state, account, service_sid)
        return json_response(
            _environment_json(_child(state.environments, service, sid, "Environments"))
        )


@post(f"{SERVICE}/Environments/{{environment_sid:str}}/Deployments")
async def create_deployment(
    request: AnyRequest, service_sid: str, environment_sid: str
) -> Response[dict[str, Any]]:
    sandbox, account, state = _authorized(request)
    params = await params_of(request)
    with sandbox.store.lock:
        service = _service(state, account, service_sid)
        environment = _child(state.environments, service, environment_sid, "Environments")
        build_sid = params.get("BuildSid")
        if build_sid:  # without one, Twilio deploys an empty build
            build = _child(state.builds, service, build_sid, "Builds")
            if build.status != "completed":
                raise invalid_parameter(f"Build {build.sid} is {build.status}, not completed")
        else:
            build = Build(
                sid=new_sid("ZB"),
                account_sid=account.sid,
                service_sid=service.sid,
                asset_versions=[],
                status="completed",
            )
            state.builds[build.sid] = build
        deployment = Deployment(
            sid=new_sid("ZD"),
            account_sid=account.sid,
            service_sid=service.sid,
            environment_sid=environment.sid,
            build_sid=build.sid,
        )
        state.deployments[deployment.sid] = deployment
        environment.build_sid, environment.date_updated = build.sid, now()
        return json_response(_deployment_json(deployment), 201)


ROUTES = [
    create_service,
    list_services,
    fetch_service,
    update_service,
    delete_service,
    create_asset,
    list_assets,
    upload_asset_version,
    create_build,
    fetch_build,
    fetch_build_status,
    create_environment,
    list_environments,
    fetch_environment,
    create_deployment,
]
