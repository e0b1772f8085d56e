"""What the people's pages add to the app: templates, sessions, CSRF, routes, startup."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar.config.csrf import CSRFConfig
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from runtime.people.service import TEMPLATES, People, web_secret
from runtime.web.pages import PeoplePages
from runtime.web.people_operator import OnboardingOperator
from runtime.web.state import Runtime

__all__ = ["PeopleWeb", "people_web"]

# Machine-to-machine routes: Twilio signs its webhooks, the operator API has a bearer token.
CSRF_EXEMPT = ["^/twilio/", "^/stripe/", "^/operator/", "^/health/", "^/metrics$", "^/schema"]
# Only the pages have sessions: every other route (webhooks above all) never touches the session
# store, so a Redis outage cannot break a call (the middleware deletes or writes on each request).
SESSION_PATHS = r"^/(?!$|login(/|$)|logout$|people/)"


@dataclass
class PeopleWeb:
    people: People
    route_handlers: list[ControllerRouterHandler]
    template_config: TemplateConfig[JinjaTemplateEngine]
    csrf_config: CSRFConfig
    session_config: ServerSideSessionConfig
    stores: dict[str, Store] = field(default_factory=dict)

    async def startup(self) -> None:
        await self.people.migrate()


def people_web(runtime: Runtime) -> PeopleWeb:
    settings = runtime.settings
    people_settings = settings.people
    secret = web_secret(people_settings, settings.security.registry_key)
    secure = settings.twilio.public_url.startswith("https://")
    people = runtime.people  # built with the runtime: its enrolment job enrols sign-ups
    # Sessions live server-side in the runtime's store (Redis when configured).
    sessions: Store = (
        runtime.store.with_namespace("sessions")
        if isinstance(runtime.store, RedisStore)
        else MemoryStore()
    )
    return PeopleWeb(
        people=people,
        route_handlers=[PeoplePages, OnboardingOperator],
        template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
        csrf_config=CSRFConfig(
            secret=secret.hex(),
            cookie_secure=secure,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=CSRF_EXEMPT,
        ),
        session_config=ServerSideSessionConfig(
            key="ethiq_session",
            store="sessions",
            max_age=people_settings.session_ttl_s,
            secure=secure,
            httponly=True,
            samesite="lax",
            exclude=SESSION_PATHS,
        ),
        stores={"sessions": sessions},
    )
