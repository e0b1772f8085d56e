from __future__ import annotations

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
