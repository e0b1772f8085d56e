"""Twilio Serverless (Functions & Assets API, ``serverless.twilio.com/v1``): state and serving.

What Twilio documents and this models:

- a Service (``ZS``) owns Assets (``ZH``), their Asset Versions (``ZN``: one uploaded file
  with a ``Path`` and a ``Visibility``), Builds (``ZB``) of asset versions, and Environments
  (``ZE``), each with a domain under ``twil.io``; a Deployment (``ZD``) of a *completed* build
  makes that build the environment's live content;
  https://www.twilio.com/docs/serverless/api
- a build is asynchronous: created ``building``, it is ``completed`` by the time anyone looks at
  it again (``GET …/Builds/{sid}`` or ``…/Status``);
  https://www.twilio.com/docs/serverless/api/resource/build
- asset versions are uploaded (multipart) to ``serverless-upload.twilio.com``, and their content
  can never be read back through the API;
  https://www.twilio.com/docs/serverless/api/resource/asset-version
- a deployed asset is served at ``https://<environment domain><path>``: ``public`` to anyone,
  ``protected`` only to a request carrying a valid ``X-Twilio-Signature`` of the owning account
  (what Twilio's own webhooks send), ``private`` never by URL;
  https://www.twilio.com/docs/serverless/functions-assets/visibility
  An invalid signature is refused with HTTP 400, as the Functions gateway documents
  (https://www.twilio.com/docs/serverless/functions-assets/functions/request-flow). An asset is
  a static file: it answers GET (and HEAD); anything else gets 405.
- deleting a service deletes everything in it, its domains included.
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

from ethiq.sandbox.formats import now

__all__ = [
    "RUNTIME_DOMAIN",
    "VISIBILITIES",
    "Asset",
    "AssetVersion",
    "Build",
    "Deployment",
    "Environment",
    "Served",
    "ServerlessState",
    "Service",
    "domain_base",
    "serve",
]

RUNTIME_DOMAIN = ".twil.io"
VISIBILITIES = frozenset({"public", "protected", "private"})
_BAD_REQUEST, _NOT_FOUND, _NOT_ALLOWED = 400, 404, 405


@dataclass(slots=True)
class Service:
    sid: str
    account_sid: str
    unique_name: str
    friendly_name: str
    domain_base: str
    include_credentials: bool = True
    ui_editable: bool = False
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class Asset:
    sid: str
    account_sid: str
    service_sid: str
    friendly_name: str
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class AssetVersion:
    sid: str
    account_sid: str
    service_sid: str
    asset_sid: str
    path: str
    visibility: str
    content: bytes
    content_type: str
    date_created: datetime = field(default_factory=now)


@dataclass(slots=True)
class Build:
    sid: str
    account_sid: str
    service_sid: str
    asset_versions: list[str]
    status: str = "building"
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class Environment:
    sid: str
    account_sid: str
    service_sid: str
    unique_name: str
    domain_suffix: str | None
    domain_name: str
    build_sid: str | None = None
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class Deployment:
    sid: str
    account_sid: str
    service_sid: str
    environment_sid: str
    build_sid: str
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass
class ServerlessState:
    services: dict[str, Service] = field(default_factory=dict)
    assets: dict[str, Asset] = field(default_factory=dict)
    asset_versions: dict[str, AssetVersion] = field(default_factory=dict)
    builds: dict[str, Build] = field(default_factory=dict)
    environments: dict[str, Environment] = field(default_factory=dict)
    deployments: dict[str, Deployment] = field(default_factory=dict)

    def delete_service(self, sid: str) -> None:
        """A service goes with everything it holds (its domains stop answering)."""
        self.services.pop(sid, None)
        for table in (
            self.assets,
            self.asset_versions,
            self.builds,
            self.environments,
            self.deployments,
        ):
            for key in [k for k, v in table.items() if v.service_sid == sid]:
                del table[key]

    def environment_at(self, host: str) -> Environment | None:
        return next((e for e in self.environments.values() if e.domain_name == host), None)


def domain_base(unique_name: str) -> str:
    """``<unique name>-<4 digits>``: a service's environments get ``<base>[-<suffix>].twil.io``."""
    return f"{unique_name}-{secrets.randbelow(9000) + 1000}"


def content_type(path: str) -> str:
    guessed, _ = mimetypes.guess_type(path)
    return "text/xml" if path.endswith(".xml") else guessed or "application/octet-stream"


@dataclass(frozen=True)
class Served:
    status: int
    body: bytes
    content_type: str = "text/plain"


def serve(
    state: ServerlessState,
    tokens: Mapping[str, tuple[str, ...]],
    method: str,
    url: str,
    signature: str | None,
    params: dict[str, str] | None = None,
) -> Served:
    """What ``https://<domain><path>`` answers: the live build's asset at that path.

    ``tokens`` are the auth tokens (primary, secondary) of each account by sid: a protected asset
    checks the signature against its own account's.
    """
    parts = urlsplit(url)
    environment = state.environment_at((parts.hostname or "").lower())
    build = state.builds.get(environment.build_sid or "") if environment else None
    if build is None:
        return Served(_NOT_FOUND, b"Not Found")
    version = next(
        (
            v
            for sid in build.asset_versions
            if (v := state.asset_versions.get(sid)) is not None and v.path == (parts.path or "/")
        ),
        None,
    )
    if version is None or version.visibility == "private":
        return Served(_NOT_FOUND, b"Not Found")
    if method.upper() not in {"GET", "HEAD"}:
        return Served(_NOT_ALLOWED, b"Method Not Allowed")
    if version.visibility == "protected" and not any(
        RequestValidator(token).validate(url, params or {}, signature or "")
        for token in tokens.get(version.account_sid, ())
    ):
        return Served(_BAD_REQUEST, b"Invalid Twilio signature")
    body = b"" if method.upper() == "HEAD" else version.content
    return Served(200, body, version.content_type)
