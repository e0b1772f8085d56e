"""The tenant's Twilio-hosted voice fallback: static TwiML deployed on Twilio Serverless.

Twilio requests a number's voice fallback URL when it cannot retrieve or execute the voice URL's
TwiML (connection failure, timeout, HTTP error, invalid TwiML), with ``ErrorCode`` and
``ErrorUrl`` (https://www.twilio.com/docs/usage/security/availability-reliability#fallback-urls).
A fallback on the runtime's own origin dies with it (a runtime, load balancer, DNS or certificate
outage); this one lives on Twilio, so the person is still reached (unscreened) when all of the
runtime is down.

TwiML Bins are made in the Console only (https://www.twilio.com/docs/serverless/twiml-bins; the
SDK, generated from Twilio's OpenAPI, has no resource for them), so the stack deploys through
the Functions & Assets API (https://www.twilio.com/docs/serverless/api), in the tenant's
subaccount, with the subaccount's own credentials (the v1 APIs take the account from the
credentials, not the path). Static assets rather than a Function: the TwiML needs no code, and
what Twilio serves is exactly what was uploaded.

Two resources, so that the number depends only on what never changes with the documents:

- :class:`HostedFallback`: a Service (``ethiq-fallback``; its friendly name carries the owner
  tag), one per subaccount, and its Environment ``live``, whose ``*.twil.io`` domain is the
  fallback's origin (the number's voice fallback URL);
- :class:`FallbackDeployment`: the documents. One Asset per document, and an Asset Version
  of each, uploaded (multipart) to ``serverless-upload.twilio.com`` with visibility
  ``protected``: Twilio serves it only to requests carrying a valid ``X-Twilio-Signature``,
  i.e. Twilio's own webhooks (https://www.twilio.com/docs/serverless/functions-assets/visibility);
  a Build of those versions, waited for until ``completed``, and a Deployment of it to the
  environment.

A language change redeploys the documents (the notice is spoken in it) and nothing else: had
the number depended on one resource holding both, a preview would show it, and the messaging
sender that depends on it, as changing, since the Python dynamic provider reports every output
of an updated resource as unknown.

Documents are static, so they are requested with GET (the number's ``VoiceFallbackMethod``);
``{origin}`` in a document is replaced with the environment's ``https://<domain>`` (the notice
the fallback whispers to the person lives next to it). Asset content cannot be read back
(https://www.twilio.com/docs/serverless/api/resource/asset-version): ``read`` reports the
documents as deployed when the environment still runs the build this stack deployed, else as
drifted (the next ``up`` deploys again).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import pulumi
from pulumi import dynamic
from twilio.base.exceptions import TwilioRestException

from infra.providers.base import CREDENTIALS, SubaccountProvider
from infra.providers.ownership import parse_tag
from infra.providers.retry import ProvisioningError, call_twilio
from runtime.telephony import twiml
from runtime.telephony.twilio_api import DEFAULT_TIMEOUT_S, TwilioCredentials, make_client, routed

if TYPE_CHECKING:  # the SDK's client loads requests: ~0.2 s per process, types only
    from twilio.rest import Client

__all__ = [
    "FALLBACK_PATH",
    "NOTICE_PATH",
    "FallbackDeployment",
    "FallbackDeploymentProvider",
    "HostedFallback",
    "HostedFallbackProvider",
    "fallback_documents",
]

SERVICE_NAME: Final = "ethiq-fallback"
ENVIRONMENT: Final = "live"
FALLBACK_PATH: Final = "/fallback.xml"
NOTICE_PATH: Final = "/fallback-notice.xml"
ORIGIN: Final = "{origin}"
_UPLOAD = "https://serverless-upload.twilio.com/v1/Services/{service}/Assets/{asset}/Versions"
_BUILD_WAIT_S = 120.0
_NOT_FOUND = 404


def fallback_documents(sip_address: str, language: str) -> dict[str, str]:
    """The fallback's documents by path: ring the person's SIP app (secure), whispering first
    that the call is not screened."""
    return {
        FALLBACK_PATH: twiml.hosted_fallback_twiml(sip_address, ORIGIN + NOTICE_PATH),
        NOTICE_PATH: twiml.fallback_notice_twiml(language),
    }


def _ignore_missing(action: Any) -> None:
    try:
        action()
    except TwilioRestException as error:
        if error.status != _NOT_FOUND:
            raise


class HostedFallbackProvider(SubaccountProvider):
    kind = "hosted fallback (Twilio Serverless service)"
    update_fields = ("friendly_name",)
    replace_fields = ("account_sid",)

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        services = call_twilio(
            lambda: client.serverless.v1.services.list(limit=50), what="listing Serverless services"
        )
        return [
            {"sid": s.sid, "twilio_name": s.friendly_name}
            for s in services
            if s.unique_name == SERVICE_NAME
            or parse_tag(s.friendly_name).name == props["friendly_name"]
        ]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        def get() -> dict[str, Any] | None:
            try:
                service = client.serverless.v1.services(sid).fetch()
            except TwilioRestException as error:
                if error.status == _NOT_FOUND:
                    return None
                raise
            environment = _environment(client, sid)
            return {
                "sid": service.sid,
                "twilio_name": service.friendly_name,
                "environment_sid": environment.sid if environment else None,
                "origin": f"https://{environment.domain_name}" if environment else None,
            }

        return call_twilio(get, what="reading the hosted fallback")

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        service = call_twilio(
            lambda: client.serverless.v1.services.create(
                unique_name=SERVICE_NAME,
                friendly_name=props["twilio_name"],
                include_credentials=False,  # static documents need no credentials
                ui_editable=False,
            ),
            what="creating the hosted fallback's Serverless service",
            lookup=lambda: self._service_of(client, props),
        )
        return self._with_environment(client, service.sid, props)

    def _service_of(self, client: Client, props: dict[str, Any]) -> Any:
        found = self.mine(client, props)
        return client.serverless.v1.services(found["sid"]).fetch() if found else None

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        call_twilio(
            lambda: client.serverless.v1.services(sid).update(friendly_name=props["twilio_name"]),
            what="renaming the hosted fallback's service",
        )
        return self._with_environment(client, sid, props)

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        # Deleting a service deletes its assets, builds and environments (domain included).
        call_twilio(
            lambda: _ignore_missing(client.serverless.v1.services(sid).delete),
            what="deleting the hosted fallback",
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        try:
            super().delete(_id, props)
        except ProvisioningError as error:
            # A closed subaccount's credentials are refused (20003): its services are gone.
            if error.code != 20003 or not self._account_closed(props):  # noqa: PLR2004
                raise

    def _with_environment(
        self, client: Client, service_sid: str, props: dict[str, Any]
    ) -> dict[str, Any]:
        service = client.serverless.v1.services(service_sid)
        environment = _environment(client, service_sid) or call_twilio(
            lambda: service.environments.create(unique_name=ENVIRONMENT),
            what="creating the hosted fallback's environment",
            lookup=lambda: _environment(client, service_sid),
        )
        return {
            "sid": service_sid,
            "twilio_name": props["twilio_name"],
            "environment_sid": environment.sid,
            "origin": f"https://{environment.domain_name}",
        }


class FallbackDeploymentProvider(SubaccountProvider):
    """The documents live in the service: deleting it (the fallback's delete) deletes them, and
    Twilio has no call to delete a deployment, so this resource's own delete does nothing."""

    kind = "hosted fallback's documents (Twilio Serverless deployment)"
    update_fields = ("documents",)
    replace_fields = ("account_sid", "service_sid", "environment_sid")
    tagged = False  # builds and deployments have no friendly name

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        return []  # each run deploys anew; a lost response leaves an unused build behind

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        environment = _environment(client, props["service_sid"])
        if environment is None:
            return None
        # Content cannot be read back: the state's documents while its build is live.
        deployed = environment.build_sid == props.get("build_sid")
        return {"sid": sid, "documents": props.get("documents") if deployed else {}}

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        return self._deploy(props)

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return self._deploy(props)

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        return None

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None  # see the class docstring; no request, so a closed subaccount is no error

    def _deploy(self, props: dict[str, Any]) -> dict[str, Any]:
        credentials = self.subaccount_credentials(props)
        client = make_client(credentials)
        service_sid, origin = props["service_sid"], props["origin"]
        service = client.serverless.v1.services(service_sid)
        assets = {
            a.friendly_name: a.sid
            for a in call_twilio(lambda: service.assets.list(limit=100), what="listing assets")
        }
        versions = []
        for path, text in sorted(dict(props["documents"]).items()):
            name = path.strip("/")
            asset_sid = assets.get(name) or call_twilio(
                lambda n=name: service.assets.create(friendly_name=n).sid,  # type: ignore[misc]
                what=f"creating the asset {name}",
            )
            versions.append(
                _upload(credentials, service_sid, asset_sid, path, text.replace(ORIGIN, origin))
            )
        build = call_twilio(
            lambda: service.builds.create(asset_versions=versions),
            what="building the hosted fallback",
        )
        _wait_for(client, service_sid, build.sid)
        deployment = call_twilio(
            lambda: service.environments(props["environment_sid"]).deployments.create(
                build_sid=build.sid
            ),
            what="deploying the hosted fallback",
        )
        return {"sid": deployment.sid, "build_sid": build.sid, "documents": props["documents"]}


def _environment(client: Client, service_sid: str) -> Any:
    found = call_twilio(
        lambda: client.serverless.v1.services(service_sid).environments.list(limit=50),
        what="listing the hosted fallback's environments",
    )
    return next((e for e in found if e.unique_name == ENVIRONMENT), None)


def _upload(
    credentials: TwilioCredentials, service_sid: str, asset_sid: str, path: str, text: str
) -> str:
    """One Asset Version (the SDK has no upload; Twilio documents this multipart POST)."""
    url = routed(_UPLOAD.format(service=service_sid, asset=asset_sid), credentials.base_url)

    def post() -> str:
        import requests  # noqa: PLC0415 - only an upload needs it

        response = requests.post(
            url,
            auth=(credentials.account_sid, credentials.auth_token),
            data={"Path": path, "Visibility": "protected"},
            files={"Content": (path.strip("/"), text.encode(), "text/xml")},
            timeout=DEFAULT_TIMEOUT_S,
        )
        if response.status_code >= 400:  # noqa: PLR2004
            try:
                body = json.loads(response.text)
            except ValueError:
                body = {}
            raise TwilioRestException(
                response.status_code, url, body.get("message", response.text), body.get("code")
            )
        return str(response.json()["sid"])

    return call_twilio(post, what=f"uploading {path} to the hosted fallback")


def _wait_for(client: Client, service_sid: str, build_sid: str) -> None:
    """Builds are asynchronous: ``building`` until ``completed`` (or ``failed``)."""
    deadline = time.monotonic() + _BUILD_WAIT_S
    build = client.serverless.v1.services(service_sid).builds(build_sid)
    while True:
        status = call_twilio(
            lambda: build.build_status().fetch().status, what="reading the build's status"
        )
        if status == "completed":
            return
        if status == "failed" or time.monotonic() > deadline:
            raise ProvisioningError(
                f"the hosted fallback's build {build_sid} is {status} (Twilio Serverless); "
                "run the update again"
            )
        time.sleep(1.0)


class HostedFallback(dynamic.Resource, module="ethiq", name="TwilioHostedFallback"):
    """Set ``origin + FALLBACK_PATH`` as the number's voice fallback URL (method GET); its
    documents are a :class:`FallbackDeployment`."""

    sid: pulumi.Output[str]
    environment_sid: pulumi.Output[str]
    origin: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        owner: pulumi.Input[dict[str, str]],
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "account_sid": account_sid,
            "friendly_name": friendly_name,
            "owner": owner,
            CREDENTIALS: credentials,
            "sid": None,
            "environment_sid": None,
            "origin": None,
        }
        secret = pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS])
        super().__init__(
            HostedFallbackProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )


class FallbackDeployment(dynamic.Resource, module="ethiq", name="TwilioFallbackDeployment"):
    """The fallback's documents (:func:`fallback_documents`), built and deployed to its
    environment."""

    sid: pulumi.Output[str]
    build_sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        fallback: HostedFallback,
        account_sid: pulumi.Input[str],
        documents: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "account_sid": account_sid,
            "service_sid": fallback.sid,
            "environment_sid": fallback.environment_sid,
            "origin": fallback.origin,
            "documents": documents,
            CREDENTIALS: credentials,
            "sid": None,
            "build_sid": None,
        }
        secret = pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS])
        super().__init__(
            FallbackDeploymentProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )
