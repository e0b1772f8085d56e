"""The Litestar app: ``create_app()`` assembles every domain's routes around one Runtime.

Served by Granian (``ethiq serve``), i.e.
``granian --interface asgi --factory runtime.web.app:create_app``.
"""

from __future__ import annotations

import logging

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from runtime.alerts import SmsSender
from runtime.calls.live import CallUpdater
from runtime.settings import Settings, get_settings
from runtime.telephony.webhooks import TwilioWebhooks
from runtime.web.errors import exception_handlers
from runtime.web.health import HealthController
from runtime.web.limits import body_deadline
from runtime.web.operator import OperatorController
from runtime.web.state import Runtime

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    *,
    sender: SmsSender | None = None,
    updater: CallUpdater | None = None,
) -> Litestar:
    """The runtime app for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()
    runtime = Runtime.build(settings, sender=sender, updater=updater)
    logging.getLogger("runtime").setLevel(logging.INFO)
    return Litestar(
        route_handlers=[TwilioWebhooks, HealthController, OperatorController],
        on_startup=[runtime.startup],
        on_shutdown=[runtime.shutdown],
        state=State({"runtime": runtime}),
        exception_handlers=exception_handlers,
        middleware=[body_deadline(settings.server.body_timeout_s)],
        request_max_body_size=settings.server.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Ethiq runtime",
            version="0.1.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
    )
