"""The ASGI layer in front of Twilio's routes: request log, contract checks, injected faults.

Twilio's paths end in ``.json``; the gateway strips the suffix before Litestar routes the request
(Litestar path parameters are whole segments), and answers other ``/2010-04-01/`` paths with 404.
Control requests (``/_sandbox/…``) pass through untouched and unlogged.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import parse_qs

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from ethiq.sandbox.context import STATE_KEY, Sandbox
from ethiq.sandbox.errors import error_body, not_found
from ethiq.sandbox.faults import FaultSpec
from ethiq.sandbox.formats import API_VERSION
from ethiq.sandbox.journal import RequestEntry, Violation

__all__ = ["DroppedResponse", "Gateway"]

TWILIO_PREFIX = f"/{API_VERSION}/"
# messaging.twilio.com (Messaging Services): no ``.json`` suffix, and outside the api v2010
# contract, so logged and open to faults but not contract-checked.
MESSAGING_PREFIX = "/messaging/v1/Services"
_ACCOUNT_IN_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(AC[0-9a-fA-F]{{32}})(?:/|\.json$)")


class DroppedResponse(Exception):
    """Raised after a partial response so that the server breaks the connection (fault)."""


class Gateway:
    """ASGI middleware: every Twilio API request goes through ``__call__`` once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not scope["path"].startswith(
            (TWILIO_PREFIX, MESSAGING_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        messaging = path.startswith(MESSAGING_PREFIX)
        sandbox = cast("Sandbox", Litestar.from_scope(scope).state[STATE_KEY])
        started = time.perf_counter()
        method = cast("str", scope.get("method", "GET"))
        body, receive = await _buffer(receive)
        query = parse_qs(scope.get("query_string", b"").decode(), True)
        form = parse_qs(body.decode(errors="replace"), True) if _is_form(scope) else {}
        found = _ACCOUNT_IN_PATH.match(path)
        entry = sandbox.log.begin(method, path, found.group(1) if found else None, query, form)
        if not messaging:
            self._check_request(sandbox, entry, query, form)
        fault = sandbox.faults.take(method, path, entry.account_sid)
        entry.fault = fault.kind if fault else None
        captured = _Captured()
        try:
            if fault is not None and fault.kind == "delay":
                await asyncio.sleep(fault.seconds)
            if fault is not None and fault.kind == "status":
                status, code, message = fault.error()
                await _send_json(captured.tee(send), status, error_body(status, code, message))
            elif not messaging and not path.endswith(".json"):
                error = not_found(path)
                await _send_json(captured.tee(send), error.status, error.body())
            elif fault is not None and fault.kind == "drop_after_commit":  # v1 APIs too
                inner = scope if messaging else _strip_json(scope)
                await self.app(inner, receive, captured.tee(None))
                await _send_partial(send, captured)
                raise DroppedResponse(f"{method} {path}: response dropped after commit (fault)")
            elif messaging:
                await self.app(scope, receive, captured.tee(send))
            else:
                await self.app(_strip_json(scope), receive, captured.tee(send))
        finally:
            entry.status = captured.status
            entry.code = captured.twilio_code()
            entry.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            if not messaging:
                self._check_response(sandbox, entry, captured, fault)

    @staticmethod
    def _check_request(
        sandbox: Sandbox,
        entry: RequestEntry,
        query: Mapping[str, list[str]],
        form: Mapping[str, list[str]],
    ) -> None:
        if sandbox.contract is None:
            return
        operation, problems = sandbox.contract.check_request(entry.method, entry.path, query, form)
        for problem in problems:
            sandbox.violations.record(
                Violation(
                    seq=entry.seq,
                    method=entry.method,
                    path=entry.path,
                    operation=operation,
                    where="request",
                    message=problem,
                )
            )

    @staticmethod
    def _check_response(
        sandbox: Sandbox, entry: RequestEntry, captured: _Captured, fault: FaultSpec | None
    ) -> None:
        if sandbox.contract is None or captured.status == 0:
            return
        if fault is not None and fault.kind == "status":
            return  # an injected error is the test's choice, not the sandbox's behaviour
        operation, problems = sandbox.contract.check_response(
            entry.method, entry.path, captured.status, captured.body()
        )
        for problem in problems:
            sandbox.violations.record(
                Violation(
                    seq=entry.seq,
                    method=entry.method,
                    path=entry.path,
                    operation=operation,
                    where="response",
                    message=problem,
                )
            )


class _Captured:
    """The response as it is sent (optionally forwarded to the real ``send``)."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    def tee(self, send: Send | None) -> Send:
        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                self.chunks.append(bytes(message.get("body", b"")))
            if send is not None:
                await send(message)

        return capture

    def body(self) -> bytes:
        return b"".join(self.chunks)

    def twilio_code(self) -> int | None:
        if self.status < 400:  # noqa: PLR2004
            return None
        try:
            payload: Any = json.loads(self.body())
        except ValueError:
            return None
        code = payload.get("code") if isinstance(payload, dict) else None
        return code if isinstance(code, int) else None


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body, and a ``receive`` that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(bytes(message.get("body", b"")))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return cast("Message", {"type": "http.request", "body": body, "more_body": False})
        return cast("Message", await receive())

    return body, cast("Receive", replay)


def _is_form(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if bytes(name).lower() == b"content-type":
            return bytes(value).startswith(b"application/x-www-form-urlencoded")
    return False


def _strip_json(scope: Scope) -> Scope:
    path = scope["path"].removesuffix(".json")
    return cast("Scope", {**scope, "path": path, "raw_path": path.encode()})


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _send_partial(send: Send, captured: _Captured) -> None:
    """Announce the full response but send only part of it; the server then drops the connection."""
    body = captured.body()
    headers = [(k, v) for k, v in captured.headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body) + 1).encode()))
    await send({"type": "http.response.start", "status": captured.status, "headers": headers})
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
