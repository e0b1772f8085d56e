"""The spend-limit provider against the sandbox, without the engine: create, adopt what a lost
response left, drift, in-place callback updates, replacement on a new amount, delete."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle
from infra.providers.twilio_usage import SPEND, UsageTriggerProvider

OWNER = {"platform": "local", "stack": "acme", "stack_id": "1a2b3c4d"}


@pytest.fixture
def props(
    sandbox: SandboxHandle, parent: Client, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    for name, value in (
        ("TWILIO_ACCOUNT_SID", sandbox.account_sid),
        ("TWILIO_AUTH_TOKEN", sandbox.auth_token),
        ("TWILIO_API_BASE_URL", sandbox.base_url),
    ):
        monkeypatch.setenv(name, value)
    sub = parent.api.v2010.accounts.create(friendly_name="acme")
    return {
        "account_sid": sub.sid,
        "friendly_name": "ethiq-acme-spend-100",
        "owner": OWNER,
        "callback_url": "https://runtime.example/twilio/usage?tenant=acme",
        "trigger_value": "20.00",
        **SPEND,
        "credentials": {},
    }


def test_create_adopt_drift_update_replace_delete(props: dict[str, Any], parent: Client) -> None:
    provider = UsageTriggerProvider()
    created = provider.create(props)
    triggers = parent.api.v2010.accounts(props["account_sid"]).usage.triggers
    live = triggers(created.id).fetch()
    assert (live.usage_category, live.trigger_by, live.recurring) == (
        "totalprice",
        "price",
        "monthly",
    )
    assert live.friendly_name.startswith("ethiq-acme-spend-100@local#1a2b3c4d.")
    # A crashed run left it: the next create adopts it rather than making a second one.
    again = provider.create(props)
    assert again.id == created.id
    assert len(triggers.list()) == 1
    # Changed in the Console: refresh sees it, the update puts it back in place.
    triggers(created.id).update(callback_url="https://evil.example/")
    state = {**props, **(again.outs or {})}
    read = provider.read(created.id, state)
    assert (read.outs or {})["callback_url"] == "https://evil.example/"
    diff = provider.diff(created.id, read.outs or {}, props)
    assert diff.changes
    assert diff.replaces == []
    provider.update(created.id, read.outs or {}, props)
    assert triggers(created.id).fetch().callback_url == props["callback_url"]
    # A new amount cannot be set on a trigger: Twilio updates the callback and name only.
    assert provider.diff(created.id, state, props | {"trigger_value": "40.00"}).replaces == [
        "trigger_value"
    ]
    provider.delete(created.id, state)
    assert triggers.list() == []
