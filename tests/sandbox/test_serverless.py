"""The Twilio-hosted fallback: deployed by its provider on the sandbox's Serverless API, it
still connects the caller to the person's SIP app when the runtime is down or failing."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle, free_port
from ethiq.sandbox.serverless import (
    AssetVersion,
    Build,
    Environment,
    ServerlessState,
    serve,
)
from infra.providers.base import CREDENTIALS
from infra.providers.twilio_serverless import (
    FALLBACK_PATH,
    FallbackDeploymentProvider,
    HostedFallbackProvider,
    fallback_documents,
)

OWNER = {"platform": "local", "stack": "acme", "stack_id": "1a2b3c4d"}


class _Failing(BaseHTTPRequestHandler):
    """A runtime that answers every webhook with HTTP 500."""

    def do_POST(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def failing_runtime() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/twilio/voice"
    server.shutdown()
    server.server_close()


@pytest.fixture
def parent_env(sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", sandbox.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", sandbox.auth_token)
    monkeypatch.setenv("TWILIO_API_BASE_URL", sandbox.base_url)


def _props(sandbox: SandboxHandle, account_sid: str, sip: str) -> dict[str, Any]:
    return {
        "account_sid": account_sid,
        "friendly_name": "ethiq-acme",
        "owner": OWNER,
        CREDENTIALS: {
            "account_sid": sandbox.account_sid,
            "auth_token": sandbox.auth_token,
            "base_url": sandbox.base_url,
        },
    }


def _documents(props: dict[str, Any], service: dict[str, Any], sip: str) -> dict[str, Any]:
    """The deployment's inputs: the service's outputs and the documents."""
    keys = ("account_sid", CREDENTIALS)
    return {k: props[k] for k in keys} | {
        "service_sid": service["sid"],
        "environment_sid": service["environment_sid"],
        "origin": service["origin"],
        "documents": fallback_documents(sip, "fr-CA"),
    }


def _tenant(parent: Client, client_for: Callable[..., Client], primary: str, fallback: str) -> Any:
    sub = parent.api.v2010.accounts.create(friendly_name="fallback")
    client = client_for(sub.sid)
    [available] = client.available_phone_numbers("CA").local.list(in_region="QC", limit=1)
    domain = client.sip.domains.create(
        domain_name=f"fb-{sub.sid[-6:].lower()}.sip.twilio.com", sip_registration=True, secure=True
    )
    number = client.incoming_phone_numbers.create(
        phone_number=available.phone_number,
        voice_url=primary,
        voice_fallback_url=fallback or None,
        voice_fallback_method="GET",
    )
    return sub, number, f"sip:user_a@{domain.domain_name}"


@pytest.mark.usefixtures("parent_env")
def test_a_runtime_outage_still_reaches_the_person_through_the_twilio_hosted_fallback(
    sandbox: SandboxHandle,
    parent: Client,
    client_for: Callable[..., Client],
    failing_runtime: str,
) -> None:
    stopped = f"http://127.0.0.1:{free_port()}/twilio/voice"  # nothing listens: runtime down
    sub, number, sip = _tenant(parent, client_for, stopped, "")
    provider = HostedFallbackProvider()
    outs = provider.create(_props(sandbox, sub.sid, sip)).outs
    assert outs is not None
    assert outs["origin"].endswith(".twil.io")
    assert outs["twilio_name"].startswith("ethiq-acme@local#1a2b3c4d.")
    deployer = FallbackDeploymentProvider()
    wanted = _documents(_props(sandbox, sub.sid, sip), outs, sip)
    deployed = deployer.create(wanted).outs
    assert deployed is not None
    client_for(sub.sid).incoming_phone_numbers(number.sid).update(
        voice_fallback_url=outs["origin"] + FALLBACK_PATH, voice_fallback_method="GET"
    )
    sandbox.control.sip_endpoint(sip.removeprefix("sip:"), "answer")

    report = sandbox.control.inbound_call(number.phone_number, "+15145550111")
    caller, person = report["legs"][0], report["legs"][1]
    assert any("voice URL failed (11205)" in e for e in caller["events"])
    assert person["to"] == f"{sip};secure=true"
    assert person["label"] == "person"
    assert any("completed (200)" in e for e in person["events"])
    assert person["heard"] == ["Ethiq ne peut pas filtrer cet appel pour le moment. Soyez prudent."]
    assert caller["heard"] == []  # the caller hears ringing, then the person

    # The runtime answering HTTP 500 falls back the same way (11200).
    client_for(sub.sid).incoming_phone_numbers(number.sid).update(voice_url=failing_runtime)
    again = sandbox.control.inbound_call(number.phone_number, "+15145550112")
    assert any("voice URL failed (11200)" in e for e in again["legs"][0]["events"])
    assert again["legs"][1]["status"] == "completed"

    # Drift: a deployment made outside the stack is seen by read, and the update repairs it.
    props = {**_props(sandbox, sub.sid, sip), **outs}
    service = client_for(sub.sid, sub.auth_token).serverless.v1.services(outs["sid"])
    service.environments(outs["environment_sid"]).deployments.create()  # an empty build
    assert provider.read(outs["sid"], props).outs == {**props, **outs}  # the service is intact
    drifted = deployer.read(deployed["sid"], {**wanted, **deployed})
    assert drifted.outs is not None
    assert drifted.outs["documents"] == {}
    assert deployer.diff(deployed["sid"], drifted.outs, wanted).changes
    deployer.update(deployed["sid"], drifted.outs, wanted)
    third = sandbox.control.inbound_call(number.phone_number, "+15145550113")
    assert third["legs"][1]["status"] == "completed"

    live = provider.read(outs["sid"], props).outs
    assert live is not None
    provider.delete(outs["sid"], {**props, **live})
    assert provider.read(outs["sid"], props).outs == {}
    gone = sandbox.control.inbound_call(number.phone_number, "+15145550114")
    assert len(gone["legs"]) == 1  # no fallback left: Twilio's application error
    assert gone["legs"][0]["heard"][0].startswith("We are sorry, an application error")


def test_a_protected_asset_answers_only_requests_twilio_signed() -> None:
    state = ServerlessState()
    state.asset_versions["ZN1"] = AssetVersion(
        sid="ZN1",
        account_sid="AC1",
        service_sid="ZS1",
        asset_sid="ZH1",
        path="/f.xml",
        visibility="protected",
        content=b"<Response/>",
        content_type="text/xml",
    )
    state.builds["ZB1"] = Build(
        sid="ZB1", account_sid="AC1", service_sid="ZS1", asset_versions=["ZN1"], status="completed"
    )
    state.environments["ZE1"] = Environment(
        sid="ZE1",
        account_sid="AC1",
        service_sid="ZS1",
        unique_name="live",
        domain_suffix=None,
        domain_name="x-1234.twil.io",
        build_sid="ZB1",
    )
    url = "https://x-1234.twil.io/f.xml?CallSid=CA1"
    signed = RequestValidator("token-1").compute_signature(url, {})
    tokens: dict[str, tuple[str, ...]] = {"AC1": ("token-1",)}
    assert serve(state, tokens, "GET", url, signed).body == b"<Response/>"
    assert serve(state, tokens, "GET", url, "forged").status == 400
    assert serve(state, {"AC1": ("other",)}, "GET", url, signed).status == 400
    assert serve(state, tokens, "POST", url, signed).status == 405
    assert serve(state, tokens, "GET", "https://x-1234.twil.io/none.xml", signed).status == 404
