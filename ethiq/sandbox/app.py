"""The sandbox's Litestar app: Twilio's routes, the control API, one gateway in front."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException

from ethiq.sandbox.context import STATE_KEY, Sandbox
from ethiq.sandbox.contract import find_contract
from ethiq.sandbox.errors import TwilioApiError, error_body, not_found
from ethiq.sandbox.gateway import Gateway
from ethiq.sandbox.routes import (
    accounts,
    addresses,
    auth_tokens,
    calls,
    compliance,
    conferences,
    control,
    messages,
    messaging,
    numbers,
    serverless,
    sip,
    usage,
    usage_records,
)
from ethiq.sandbox.settings import SandboxSettings
from ethiq.sandbox.state import Store

__all__ = ["create_app"]

logger = logging.getLogger("ethiq.sandbox")

# Litestar's own HTTP errors, in Twilio's codes.
_HTTP_CODES = {400: 20001, 401: 20003, 404: 20404, 405: 20004}


def _twilio_error(_: Request[Any, Any, Any], error: TwilioApiError) -> Response[dict[str, Any]]:
    return Response(content=error.body(), status_code=error.status)


def _http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[dict[str, Any]]:
    if error.status_code == 404:  # noqa: PLR2004
        return _twilio_error(request, not_found(request.scope.get("path", "") + ".json"))
    code = _HTTP_CODES.get(error.status_code, error.status_code * 100)
    body = error_body(error.status_code, code, error.detail or "Request failed")
    return Response(content=body, status_code=error.status_code)


def create_app(settings: SandboxSettings | None = None) -> Litestar:
    """The app for ``settings``; from the environment when omitted (Granian calls the factory)."""
    settings = settings or SandboxSettings.from_env()
    contract, notice = find_contract()
    # Visible either way: skipped checks must never go unnoticed.
    logger.warning("Twilio sandbox: %s", notice)
    sandbox = Sandbox(
        settings=settings,
        store=Store(settings),
        contract=contract,
        contract_notice=notice,
    )
    app = Litestar(
        route_handlers=[
            *accounts.ROUTES,
            *addresses.ROUTES,
            *auth_tokens.ROUTES,
            *numbers.ROUTES,
            *sip.ROUTES,
            *messages.ROUTES,
            *messaging.ROUTES,
            *compliance.ROUTES,
            *calls.ROUTES,
            *conferences.ROUTES,
            *serverless.ROUTES,
            *usage.ROUTES,
            *usage_records.ROUTES,
            *control.ROUTES,
        ],
        exception_handlers={TwilioApiError: _twilio_error, HTTPException: _http_error},
        state=State({STATE_KEY: sandbox}),
        openapi_config=None,
    )
    # The gateway wraps Litestar's router rather than being route middleware, so that it also
    # sees (logs, checks, 404s in Twilio's shape) requests for paths no route matches.
    app.asgi_handler = Gateway(app.asgi_handler)
    return app
