"""Hostile traffic is bounded before it costs a tenant anything.

- Request bodies: Litestar refuses a body over ``ETHIQ_MAX_BODY_BYTES`` with 413 (Twilio's
  webhooks are small forms; the operator API sends small JSON).
- Slow bodies: :func:`body_deadline` gives a client ``ETHIQ_BODY_TIMEOUT_S`` to send its whole
  body, else 408, so slow senders cannot hold a worker's connections (Granian bounds the time
  to send the headers: ``ETHIQ_HEADER_TIMEOUT_S``).
- Log lines: :class:`EscapingFilter`, on every handler of ``ethiq serve``, escapes control
  characters in each line, so a value from a request (a number, a body) can never forge one.
- Rate limits (:class:`WebhookLimits`, counters shared through Redis): new calls per tenant
  (``ETHIQ_CALLS_PER_TENANT`` a minute; beyond, a busy tone, except for the tenant's own
  contacts and the person's trusted numbers), and refused Twilio webhooks per client address
  (``ETHIQ_REJECTS_PER_SOURCE`` a minute; beyond, 429 before any lookup or signature check).
  The client address is the peer's, or the load balancer's X-Forwarded-For entry
  (``ETHIQ_TRUSTED_PROXIES``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Final

from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from litestar.types.asgi_types import HTTPResponseBodyEvent, HTTPResponseStartEvent
from redis.asyncio import Redis
from redis.exceptions import RedisError

from runtime.calls.velocity import Counted, RedisVelocity
from runtime.metrics import Metrics
from runtime.ratelimit import WindowCounter
from runtime.settings import ServerSettings
from runtime.telephony.paths import TWILIO_PREFIX
from runtime.tenants import TenantRecord

__all__ = ["SIGN_IN_WINDOW_S", "EscapingFilter", "WebhookLimits", "body_deadline", "client_source"]

logger = logging.getLogger(__name__)
_MINUTE: Final = 60
SIGN_IN_WINDOW_S: Final = 900  # the operator page's sign-in limit: 15 minutes
_FORBIDDEN: Final = 403
_MAX_BLOCKED: Final = 10_000

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
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
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


def client_source(scope: Scope, trusted_proxies: int) -> str:
    """The client's address: the peer's, or, behind ``trusted_proxies`` proxies, the
    X-Forwarded-For entry the outermost of them saw. Each proxy appends the address it received
    the request from (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/
    x-forwarded-headers.html), so entries further left are the client's to forge."""
    peer = scope.get("client")
    host = str(peer[0]) if peer else ""
    if trusted_proxies <= 0:
        return host
    values = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-forwarded-for"]
    entries = [e.strip() for v in values for e in v.split(",") if e.strip()]
    return entries[-trusted_proxies] if len(entries) >= trusted_proxies else host


class WebhookLimits:
    """The per-tenant call limit and the per-source guard of the Twilio webhooks."""

    def __init__(
        self,
        redis: Redis | None,
        settings: ServerSettings,
        metrics: Metrics,
        *,
        velocity: RedisVelocity | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        timing = {"clock": clock} if clock else {}
        self._velocity = velocity  # recorded with the call count (same Redis), one round trip
        self._calls = WindowCounter(redis, prefix="ethiq:calls", window_s=_MINUTE, **timing)
        self._rejects = WindowCounter(redis, prefix="ethiq:rejects", window_s=_MINUTE, **timing)
        self._sign_ins = WindowCounter(
            redis, prefix="ethiq:ops-sign-in", window_s=SIGN_IN_WINDOW_S, **timing
        )
        self._settings = settings
        self._metrics = metrics
        self._blocked: dict[str, float] = {}  # source → end of its window (this process)
        self._clock = clock or time.time

    async def call_admitted(
        self, tenant: TenantRecord, caller: str, *, trusted: bool, screened: bool, timeout_s: float
    ) -> tuple[bool, Counted | None]:
        """Count one new call for ``tenant``. Past the limit, ``False``, unless ``caller`` is one
        of its contacts or ``trusted`` (the person's rules trust it, and STIR/SHAKEN did not
        refute it): a flood of calls must not keep the family from getting through. Counted
        after the signature check, so forged requests spend no tenant's budget.

        A call the call path screens (``screened``: it records the caller's velocity) has its
        velocity recorded in the same Redis round trip as the count, unless the limit refuses
        the call, bounded like the call path's own (``timeout_s``): that result, for the call
        path, else ``None`` (the call path records it itself)."""
        contact = any(c.number == caller for c in tenant.contacts)
        if not (screened and self._velocity is not None and self._calls.shared):
            count = await self._calls.hit(tenant.slug)
            return self._allowed(tenant, count, contact or trusted), None
        counted: Counted | None
        try:
            count, tenants = await asyncio.wait_for(
                self._velocity.hit_counted(
                    self._calls,
                    self._settings.calls_per_tenant,
                    exempt=contact,
                    caller=caller,
                    tenant=tenant.slug,
                ),
                timeout_s,
            )
            counted = None if tenants is None else Counted(tenants)
        except (RedisError, OSError, TimeoutError) as error:
            # Both failed as each would have alone: the call counts as zero, its velocity is
            # the call path's degraded store.
            count, counted = self._calls.unavailable(error), Counted(None, error)
        return self._allowed(tenant, count, contact or trusted), counted

    def _allowed(
        self,
        tenant: TenantRecord,
        count: int,
        exempt: bool,
    ) -> bool:
        if count <= self._settings.calls_per_tenant or exempt:
            return True
        self._metrics.rate_limited.labels("tenant_calls").inc()
        if count == self._settings.calls_per_tenant + 1:
            logger.error(
                "tenant %s: over %d new calls this minute: further calls get a busy tone "
                "(contacts still ring)",
                tenant.slug,
                self._settings.calls_per_tenant,
            )
        return False

    async def sign_in_allowed(self, source: str, limit: int) -> bool:
        """Count one attempt to sign in to the operator page from ``source``; ``False`` past
        ``limit`` in the window, right token or not: guessing the token stays out of reach."""
        if await self._sign_ins.hit(source or "?") <= limit:
            return True
        self._metrics.rate_limited.labels("operator_sign_in").inc()
        logger.warning("operator page: sign-in attempts from %s over the limit", source or "?")
        return False

    def middleware(self) -> Callable[[ASGIApp], ASGIApp]:
        """The source guard as a plain function (sentry-sdk's Litestar integration sets the
        ``__call__`` of each middleware, which a bound method refuses)."""

        def wrap(app: ASGIApp) -> ASGIApp:
            return self._guard(app)

        return wrap

    def _guard(self, app: ASGIApp) -> ASGIApp:
        """ASGI middleware over the Twilio webhooks: count each source's refused (403)
        requests; past the limit, the source gets 429 for the rest of the minute at no cost.
        The check is local (each process learns of a source on its first refusal past the
        shared count), so an accepted webhook pays no extra round trip. Twilio answers a
        failed voice webhook with the number's fallback URL, hosted on Twilio, so even a
        misjudged Twilio address leaves calls connected."""

        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if str(scope["type"]) != "http" or not str(scope["path"]).startswith(TWILIO_PREFIX):
                await app(scope, receive, send)
                return
            source = client_source(scope, self._settings.trusted_proxies)
            now = self._clock()
            until = self._blocked.get(source)
            if until is not None and now < until:
                self._metrics.rate_limited.labels("source").inc()
                await _too_many(send, until - now)
                return
            status = 0

            async def recording(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            await app(scope, receive, recording)
            if status == _FORBIDDEN and await self._rejects.hit(source) > (
                self._settings.rejects_per_source
            ):
                if len(self._blocked) > _MAX_BLOCKED:
                    self._blocked = {k: v for k, v in self._blocked.items() if v > now}
                if source not in self._blocked:
                    logger.warning(
                        "webhooks: %s sent over %d refused requests this minute: 429 until "
                        "the minute ends",
                        source or "?",
                        self._settings.rejects_per_source,
                    )
                self._blocked[source] = self._rejects.window_end()

        return guarded


async def _too_many(send: Send, retry_after_s: float) -> None:
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 429,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"retry-after", str(max(1, round(retry_after_s))).encode()),
        ],
    }
    await send(start)
    body: HTTPResponseBodyEvent = {
        "type": "http.response.body",
        "body": b"too many refused requests",
        "more_body": False,
    }
    await send(body)
