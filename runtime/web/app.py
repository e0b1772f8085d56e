"""The Litestar app: ``create_app()`` assembles every domain's routes around one Runtime.

Served by Granian (``ethiq serve``), i.e.
``granian --interface asgi --factory runtime.web.app:create_app``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from importlib.metadata import version

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from runtime.alerts import SmsSender
from runtime.billing import Accounts
from runtime.calls.live import CallUpdater
from runtime.email import Mailer
from runtime.fleet.service import FLEET_TEMPLATES
from runtime.fleet.sns import SnsVerifier
from runtime.observability import init_error_tracking
from runtime.people.service import TEMPLATES as PEOPLE_TEMPLATES
from runtime.settings import Settings, get_settings
from runtime.web.errors import exception_handlers
from runtime.web.fleet_operator import FleetOperator
from runtime.web.health import HealthController
from runtime.web.limits import body_deadline
from runtime.web.operator import OperatorController
from runtime.web.operator_pages import OperatorPages
from runtime.web.people import people_web
from runtime.web.sns_alerts import SnsAlerts
from runtime.web.state import Runtime
from runtime.web.stripe_webhooks import StripeWebhooks
from runtime.web.twilio_webhooks import TwilioWebhooks

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    *,
    sender: SmsSender | None = None,
    updater: CallUpdater | None = None,
    mailer: Mailer | None = None,
    clock: Callable[[], float] = time.time,
) -> Litestar:
    """The runtime app for ``settings`` (default: from the environment); ``clock``: the
    runtime's now (:meth:`Runtime.build`)."""
    settings = settings or get_settings()
    init_error_tracking(
        settings.observability.sentry_dsn,
        environment=settings.observability.environment,
        release=f"ethiq@{version('ethiq')}",
    )
    runtime = Runtime.build(settings, sender=sender, updater=updater, mailer=mailer, clock=clock)
    people = people_web(runtime)
    logging.getLogger("runtime").setLevel(logging.INFO)
    return Litestar(
        route_handlers=[
            TwilioWebhooks,
            StripeWebhooks,
            HealthController,
            OperatorController,
            FleetOperator,
            SnsAlerts,
            OperatorPages,
            *people.route_handlers,
        ],
        # people.startup migrates its tables in the platform database the registry just made.
        on_startup=[runtime.startup, people.startup],
        on_shutdown=[runtime.shutdown],
        state=State(
            {
                "runtime": runtime,
                "people": people.people,
                "billing_accounts": Accounts(runtime.storage),
                "standings": runtime.standings,
                "stripe_webhook_secret": settings.billing.stripe_webhook_secret,
                "sns": SnsVerifier(
                    settings.observability.sns_topic_arn,
                    settings.observability.sns_url_pattern,
                    timedelta(days=settings.observability.sns_notification_days),
                ),
            }
        ),
        # The people's templates and the operators' (names prefixed ops_).
        template_config=TemplateConfig(
            directory=[PEOPLE_TEMPLATES, FLEET_TEMPLATES],
            engine=JinjaTemplateEngine,
        ),
        csrf_config=people.csrf_config,
        stores=people.stores,
        exception_handlers=exception_handlers,
        # Outermost first: a source past its refused-webhook limit costs nothing, then the
        # body deadline; sessions only wrap the pages' routes.
        middleware=[
            runtime.limits.middleware(),
            body_deadline(settings.server.body_timeout_s),
            people.session_config.middleware,
        ],
        request_max_body_size=settings.server.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Ethiq runtime",
            version="0.1.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
    )
