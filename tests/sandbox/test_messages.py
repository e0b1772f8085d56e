from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle

CONTACT = "+15145550199"


@pytest.fixture
def sender(tenant: Client) -> str:
    return str(tenant.incoming_phone_numbers.create(phone_number="+15145550100").phone_number)


def test_send_list_fetch(tenant: Client, sender: str, sandbox: SandboxHandle) -> None:
    message = tenant.messages.create(
        to=CONTACT,
        from_=sender,
        body="Alerte: appel suspect",
        status_callback="https://runtime.example/sms-status",
    )
    assert message.sid.startswith("SM")
    assert message.status == "queued"
    assert (message.to, message.from_, message.body) == (CONTACT, sender, "Alerte: appel suspect")

    assert [m.sid for m in tenant.messages.list(to=CONTACT)] == [message.sid]
    assert tenant.messages.list(to="+15145550198") == []
    assert tenant.messages(message.sid).fetch().body == "Alerte: appel suspect"
    logged = sandbox.control.messages()
    assert [(m["to"], m["body"]) for m in logged] == [(CONTACT, "Alerte: appel suspect")]


def test_invalid_to_is_21211(tenant: Client, sender: str, sandbox: SandboxHandle) -> None:
    with pytest.raises(TwilioRestException) as caught:
        tenant.messages.create(to="514-555-0199", from_=sender, body="hi")
    assert (caught.value.status, caught.value.code) == (400, 21211)
    assert sandbox.control.messages() == []


def test_opted_out_recipient_is_21610(tenant: Client, sender: str, sandbox: SandboxHandle) -> None:
    sandbox.control.opt_out(CONTACT)
    with pytest.raises(TwilioRestException) as caught:
        tenant.messages.create(to=CONTACT, from_=sender, body="hi")
    assert (caught.value.status, caught.value.code) == (400, 21610)
    assert sandbox.control.messages() == []


def test_sender_must_be_the_accounts_sms_number(tenant: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        tenant.messages.create(to=CONTACT, from_="+15145550150", body="hi")
    assert caught.value.code == 21606


def final_status(tenant: Client, sid: str) -> tuple[str, int | None]:
    """The message's status once Twilio is done with it (the sandbox settles at once)."""
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        message = tenant.messages(sid).fetch()
        if message.status not in {"queued", "sent"}:
            return str(message.status), message.error_code
        time.sleep(0.02)
    raise AssertionError(f"message {sid} still {message.status}")


def test_unregistered_us_long_code_to_us_fails_30034(
    parent: Client, client_for: Callable[..., Client], sandbox: SandboxHandle
) -> None:
    """Twilio blocks A2P traffic from a US long code in no approved 10DLC campaign to US-bound
    numbers: the request is accepted, the message then fails with 30034. Canada is not
    filtered; a verified campaign on the number's Messaging Service lifts the block."""
    sub = parent.api.v2010.accounts.create(friendly_name="us-tenant")
    tenant = client_for(sub.sid, sub.auth_token)  # its own service: its own credentials
    us = str(tenant.incoming_phone_numbers.create(phone_number="+12125550100").phone_number)
    new_york, montreal = "+12125550188", CONTACT
    blocked = tenant.messages.create(to=new_york, from_=us, body="Ethiq alert")
    assert blocked.status == "queued"  # accepted: the failure comes after
    assert final_status(tenant, blocked.sid) == ("failed", 30034)
    canada = tenant.messages.create(to=montreal, from_=us, body="Ethiq alert")
    assert final_status(tenant, canada.sid) == ("delivered", None)
    service = tenant.messaging.v1.services.create(friendly_name="us")
    number_sid = tenant.incoming_phone_numbers.list(phone_number=us)[0].sid
    tenant.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number_sid)
    sandbox.control.a2p_campaign(service.sid, "IN_PROGRESS")
    pending = tenant.messages.create(to=new_york, messaging_service_sid=service.sid, body="x")
    assert final_status(tenant, pending.sid) == ("failed", 30034)  # not approved yet
    sandbox.control.a2p_campaign(service.sid, "VERIFIED")
    sent = tenant.messages.create(to=new_york, messaging_service_sid=service.sid, body="x")
    assert final_status(tenant, sent.sid) == ("delivered", None)
