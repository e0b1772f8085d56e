"""One sandbox per test session (Granian subprocess); state, faults and log reset per test.

After every test, the sandbox must have recorded no contract violation (unless the test asks
for ``expect_violations``): every endpoint the tests touch is checked against Twilio's contract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle, running_sandbox
from tests.sandbox.twilio_client import sdk_client


@pytest.fixture(scope="session")
def sandbox_session() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def expect_violations() -> None:
    """Ask for this when a test provokes contract violations on purpose."""


@pytest.fixture
def sandbox(
    sandbox_session: SandboxHandle, request: pytest.FixtureRequest
) -> Iterator[SandboxHandle]:
    sandbox_session.control.reset()
    yield sandbox_session
    if "expect_violations" not in request.fixturenames:
        assert sandbox_session.control.violations() == []


@pytest.fixture
def parent(sandbox: SandboxHandle) -> Client:
    """The SDK with the parent account's credentials, acting on the parent."""
    return sdk_client(sandbox.base_url, sandbox.account_sid, sandbox.auth_token)


@pytest.fixture
def client_for(sandbox: SandboxHandle) -> Callable[..., Client]:
    """``client_for(sub_sid)``: parent credentials acting on a subaccount (Twilio's ISV way);
    ``client_for(sid, token)``: the account's own credentials."""

    def make(account_sid: str, auth_token: str | None = None) -> Client:
        if auth_token is not None:
            return sdk_client(sandbox.base_url, account_sid, auth_token)
        return sdk_client(
            sandbox.base_url, sandbox.account_sid, sandbox.auth_token, account_sid=account_sid
        )

    return make


@pytest.fixture
def tenant(parent: Client, client_for: Callable[..., Client]) -> Client:
    """A fresh subaccount, driven with the parent's credentials."""
    sub = parent.api.v2010.accounts.create(friendly_name="tenant")
    return client_for(sub.sid)
