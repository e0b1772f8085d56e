"""Hostile traffic is bounded before it costs a tenant anything.

- Request bodies: Litestar refuses a body over ``ETHIQ_MAX_BODY_BYTES`` with 413 (Twilio's
  webhooks are small forms; the operator API sends small JSON).
- Slow bodies: :func:`body_deadline` gives a client ``ETHIQ_BODY_TIMEOUT_S`` to send its whole
  body, else 408, so slow senders cannot hold a worker's connections (Granian bounds the time
  to send the headers: ``ETHIQ_HEADER_TIMEOUT_S``).
- Log lines: :class:`EscapingFilter`, on every handler of ``ethiq serve``, escapes control
  characters in each line, so a value from a request (a number, a body) can never forge one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Final

from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

__all__ = ["EscapingFilter", "body_deadline"]

_CONTROL: Final = {i: f"\\x{i:02x}" for i in range(32) if chr(i) not in "\t"} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    0x7F: "\\x7f",
}


class BodyTimeout(HTTPException):
    status_code = 408
    detail = "request body not received in time"


def body_deadline(timeout_s: float) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware: the whole request body must arrive within ``timeout_s``."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def bounded(scope: Scope, receive: Receive, send: Send) -> None:
            if str(scope["type"]) != "http":
                await app(scope, receive, send)
                return
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout_s
            done = False

            async def receive_bounded() -> ReceiveMessage:
                nonlocal done
                if done:
                    return await receive()
                try:
                    message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
                except TimeoutError:
                    raise BodyTimeout from None
                if message["type"] != "http.request" or not message.get("more_body", False):
                    done = True
                return message

            await app(scope, receive_bounded, send)

        return bounded

    return middleware


class EscapingFilter(logging.Filter):
    """Render the message, then escape control characters (newlines included) in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        escaped = message.translate(_CONTROL)
        if escaped != message or record.args:
            record.msg, record.args = escaped, None
        return True
