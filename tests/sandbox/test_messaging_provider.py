"""The Messaging Service providers against the sandbox, without the engine: create, adopt what a
lost response left, refuse another owner's service, drift in ``read``, the sender pool."""

from __future__ import annotations

from typing import Any

import phonenumbers as p
import pytest
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle
from infra.providers.retry import ProvisioningError
from infra.providers.twilio_messaging import MessagingSenderProvider, MessagingServiceProvider
from infra.providers.twilio_number import PhoneNumberProvider
from infra.providers.twilio_registration import registry_us_texting
from tests.sandbox.test_messages import final_status

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
        "auth_token": sub.auth_token,
        "friendly_name": "ethiq-acme",
        "owner": OWNER,
        "inbound_request_url": "https://runtime.example/twilio/sms",
        "status_callback": "https://runtime.example/twilio/sms-status?tenant=acme",
        "use_inbound_webhook_on_number": False,
        "credentials": {},
    }


def test_create_adopt_drift_and_delete(
    props: dict[str, Any], client_for: Any, sandbox: SandboxHandle
) -> None:
    provider = MessagingServiceProvider()
    created = provider.create(props)
    own = client_for(props["account_sid"], props["auth_token"])
    live = own.messaging.v1.services(created.id).fetch()
    assert live.inbound_request_url == props["inbound_request_url"]
    assert live.status_callback == props["status_callback"]
    assert live.friendly_name.startswith("ethiq-acme@local#1a2b3c4d.")
    # A crashed run left it: the next create adopts it rather than making a second one.
    again = provider.create(props)
    assert again.id == created.id
    assert len(own.messaging.v1.services.list()) == 1
    # Changed in the Console: refresh sees it, the next update puts it back.
    own.messaging.v1.services(created.id).update(inbound_request_url="https://evil.example/")
    state = {**props, **(again.outs or {})}
    read = provider.read(created.id, state)
    assert (read.outs or {})["inbound_request_url"] == "https://evil.example/"
    assert provider.diff(created.id, read.outs or {}, props).changes
    provider.update(created.id, read.outs or {}, props)
    assert (
        own.messaging.v1.services(created.id).fetch().inbound_request_url
        == (props["inbound_request_url"])
    )
    # Another stack of the same tenant name is refused, naming the owner.
    with pytest.raises(ProvisioningError) as refused:
        provider.create({**props, "owner": {**OWNER, "stack_id": "ffffffff"}})
    assert "belongs to platform 'local', stack id 1a2b3c4d" in str(refused.value)
    provider.delete(created.id, {**props, **(again.outs or {})})
    assert own.messaging.v1.services.list() == []
    assert provider.read(created.id, {**props, **(again.outs or {})}).id is None  # gone


def test_the_number_joins_the_pool_once(props: dict[str, Any], client_for: Any) -> None:
    own = client_for(props["account_sid"], props["auth_token"])
    number = own.incoming_phone_numbers.create(phone_number="+15145550100")
    service = MessagingServiceProvider().create(props)
    sender = {
        **props,
        "service_sid": service.id,
        "phone_number_sid": number.sid,
    }
    provider = MessagingSenderProvider()
    assert provider.create(sender).id == number.sid
    assert provider.create(sender).id == number.sid  # found in the pool: adopted, not added twice
    assert [n.sid for n in own.messaging.v1.services(service.id).phone_numbers.list()] == [
        number.sid
    ]
    assert provider.read(number.sid, {**sender, "sid": number.sid}).id == number.sid
    provider.delete(number.sid, {**sender, "sid": number.sid})
    assert provider.read(number.sid, {**sender, "sid": number.sid}).id is None


def test_the_a2p_campaign_is_checked_on_the_service_it_belongs_to(
    props: dict[str, Any], sandbox: SandboxHandle
) -> None:
    """A campaign is registered on the service the first up creates (``pending``); the next up
    with its SID checks it there: another SID, or a failed campaign, stops with what to do."""
    provider = MessagingServiceProvider()
    pending = {**props, "a2p_campaign": "pending"}
    created = provider.create(pending)
    state = created.outs or {}
    assert state["a2p_campaign_status"] == "pending"
    campaign = sandbox.control.a2p_campaign(created.id, "IN_PROGRESS")  # the Console step
    vetting = {**props, "a2p_campaign": campaign}
    assert provider.diff(created.id, state, vetting).changes
    assert (provider.update(created.id, state, vetting).outs or {})["a2p_campaign_status"] == (
        "IN_PROGRESS"
    )
    with pytest.raises(ProvisioningError) as wrong:
        provider.update(created.id, state, {**props, "a2p_campaign": "QE" + "0" * 32})
    assert f"is not registered on this tenant's Messaging Service {created.id}" in str(wrong.value)
    sandbox.control.a2p_campaign(created.id, "FAILED")
    with pytest.raises(ProvisioningError) as failed:
        provider.update(created.id, state, vetting)
    assert "failed vetting" in str(failed.value)
    sandbox.control.a2p_campaign(created.id, "VERIFIED")
    verified = provider.update(created.id, state, vetting).outs or {}
    assert verified["a2p_campaign_status"] == "VERIFIED"


def test_a_toll_free_sender_is_bought_and_its_verification_checked(
    props: dict[str, Any], client_for: Any, sandbox: SandboxHandle
) -> None:
    """``ethiq:sender: toll-free``: the number is a toll-free one; its Toll-Free Verification
    is read on every up until approved: none or under review warns, rejected stops with what
    to do, approved passes and the diff settles. Until then Twilio fails its texts (30032)."""
    own = client_for(props["account_sid"], props["auth_token"])
    numbers = PhoneNumberProvider().candidates(own, {"country": "CA", "toll_free": True})
    assert numbers
    assert all(p.number_type(p.parse(n)) == p.PhoneNumberType.TOLL_FREE for n in numbers)
    number = own.incoming_phone_numbers.create(phone_number=numbers[0])
    service = MessagingServiceProvider().create(props)
    sender = {
        **props,
        "service_sid": service.id,
        "phone_number_sid": number.sid,
        "toll_free": True,
    }
    provider = MessagingSenderProvider()
    created = provider.create(sender)  # nothing submitted yet: a warning, not a stop
    state = {**sender, **(created.outs or {})}
    assert state["toll_free_status"] == "NOT_SUBMITTED"
    # What the registry keeps for the person's page (a Canadian number, verified in the Console).
    assert registry_us_texting("", "", state["toll_free_status"]) == "pending"
    blocked = own.messages.create(to="+14385550123", from_=number.phone_number, body="x")
    assert final_status(own, blocked.sid) == ("failed", 30032)
    assert provider.diff(created.id, state, sender).changes  # read again on the next up
    sandbox.control.tollfree_verification(number.phone_number, "IN_REVIEW")
    in_review = (provider.update(created.id, state, sender).outs or {})["toll_free_status"]
    assert in_review == "IN_REVIEW"
    assert registry_us_texting("", "", in_review) == "pending"
    sandbox.control.tollfree_verification(
        number.phone_number, "TWILIO_REJECTED", "Opt-in evidence missing"
    )
    with pytest.raises(ProvisioningError) as rejected:
        provider.update(created.id, state, sender)
    assert "was rejected (Opt-in evidence missing)" in str(rejected.value)
    sandbox.control.tollfree_verification(number.phone_number, "TWILIO_APPROVED")
    approved = {**state, **(provider.update(created.id, state, sender).outs or {})}
    assert approved["toll_free_status"] == "TWILIO_APPROVED"
    assert registry_us_texting("", "", approved["toll_free_status"]) == "approved"
    assert not provider.diff(created.id, approved, sender).changes
    sent = own.messages.create(to="+12125550188", from_=number.phone_number, body="x")
    assert final_status(own, sent.sid) == ("delivered", None)
