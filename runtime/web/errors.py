"""Errors mapped to HTTP in one place.

Litestar's own ``HTTPException`` family (403 bad signature, 401/503 operator API, 404, 400)
keeps its status; a value too long for its column is a 400 naming the field. Infrastructure
failures behind a webhook become 503 so that Twilio retries (transcription and status
callbacks) and operators see what is down; anything else is a logged 500. No response ever
carries a traceback, a URL with credentials or a token.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandlersMap

from runtime.storage import FieldTooLong, StorageError
from runtime.tenants import RegistryError

__all__ = ["exception_handlers"]

logger = logging.getLogger(__name__)


def _body(status: int, detail: str) -> Response[dict[str, Any]]:
    return Response(
        {"status_code": status, "detail": detail}, status_code=status, media_type=MediaType.JSON
    )


def _http(_: Request[Any, Any, Any], error: HTTPException) -> Response[dict[str, Any]]:
    return _body(error.status_code, error.detail)


def _unavailable(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    logger.error("%s %s: dependency failure: %r", request.method, request.url.path, error)
    return _body(503, "a dependency is unavailable")


def _unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    if isinstance(error, HTTPException):
        return _http(request, error)
    if isinstance(error, FieldTooLong):
        # Bad input, not a failure: a retry would fail the same way, so no 503.
        logger.warning("%s %s: refused: %s", request.method, request.url.path, error)
        return _body(400, str(error))
    if isinstance(error, StorageError | RegistryError | OSError | TimeoutError):
        return _unavailable(request, error)
    if type(error).__module__.startswith(("asyncpg", "sqlite3", "redis")):
        return _unavailable(request, error)
    logger.exception("%s %s failed", request.method, request.url.path, exc_info=error)
    return _body(500, "internal error")


exception_handlers: ExceptionHandlersMap = {
    HTTPException: _http,
    Exception: _unexpected,
}
