"""Emergency addresses on the sandbox, as Twilio's Address and IncomingPhoneNumber resources
document them (and checked against the v2010 contract by the session's fixture)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle
from infra.providers.base import CREDENTIALS
from infra.providers.twilio_address import EmergencyAddressProvider

ADDRESS = {
    "customer_name": "Lucie Tremblay",
    "street": "1234 rue Sainte-Catherine O",
    "city": "Montréal",
    "region": "QC",
    "postal_code": "H3B 1A1",
    "iso_country": "CA",
}


def test_a_number_registers_an_emergency_address_of_its_own_account(
    parent: Client, client_for: Callable[..., Client]
) -> None:
    sub = parent.api.v2010.accounts.create(friendly_name="e911")
    client = client_for(sub.sid)
    [available] = client.available_phone_numbers("CA").local.list(in_region="QC", limit=1)
    number = client.incoming_phone_numbers.create(phone_number=available.phone_number)
    assert number.emergency_address_status == "unregistered"

    plain = client.addresses.create(**ADDRESS)  # an address, not an emergency one
    with pytest.raises(TwilioRestException) as refused:
        client.incoming_phone_numbers(number.sid).update(emergency_address_sid=plain.sid)
    assert "not emergency enabled" in refused.value.msg

    address = client.addresses.create(**ADDRESS, emergency_enabled=True, friendly_name="home")
    assert address.emergency_enabled is True
    updated = client.incoming_phone_numbers(number.sid).update(emergency_address_sid=address.sid)
    assert updated.emergency_address_sid == address.sid
    assert updated.emergency_address_status == "registered"
    assert [a.sid for a in client.addresses.list(friendly_name="home")] == [address.sid]

    # Another account's address is not this number's to use.
    other = client_for(parent.api.v2010.accounts.create(friendly_name="other").sid)
    foreign = other.addresses.create(**ADDRESS, emergency_enabled=True)
    with pytest.raises(TwilioRestException):
        client.incoming_phone_numbers(number.sid).update(emergency_address_sid=foreign.sid)

    # Deleting the address unregisters it (the contract allows no empty EmergencyAddressSid).
    client.addresses(address.sid).delete()
    assert client.incoming_phone_numbers(number.sid).fetch().emergency_address_status == (
        "unregistered"
    )


def test_emergency_addresses_exist_only_where_twilio_registers_them(
    tenant: Client,
) -> None:
    with pytest.raises(TwilioRestException) as refused:
        tenant.addresses.create(**{**ADDRESS, "iso_country": "FR"}, emergency_enabled=True)
    assert "US, Canada and the UK" in refused.value.msg
    with pytest.raises(TwilioRestException):
        tenant.addresses.create(**{**ADDRESS, "street": ""})


def test_the_stacks_emergency_address_is_made_read_and_deleted_by_its_provider(
    sandbox: SandboxHandle,
    parent: Client,
    client_for: Callable[..., Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in (
        ("TWILIO_ACCOUNT_SID", sandbox.account_sid),
        ("TWILIO_AUTH_TOKEN", sandbox.auth_token),
        ("TWILIO_API_BASE_URL", sandbox.base_url),
    ):
        monkeypatch.setenv(name, value)
    sub = parent.api.v2010.accounts.create(friendly_name="e911-stack")
    props = {
        "account_sid": sub.sid,
        "friendly_name": "ethiq-acme",
        "owner": {"platform": "local", "stack": "acme", "stack_id": "1a2b3c4d"},
        "emergency_enabled": True,
        **ADDRESS,
        CREDENTIALS: {},
    }
    provider = EmergencyAddressProvider()
    outs = provider.create(props).outs
    assert outs is not None
    live = client_for(sub.sid).addresses(outs["sid"]).fetch()
    assert live.emergency_enabled is True
    assert live.friendly_name == outs["twilio_name"]
    # Changed in Twilio: read shows it, and the diff replaces the address (a new registration).
    client_for(sub.sid).addresses(outs["sid"]).update(street="1 rue Ailleurs")
    drifted = provider.read(outs["sid"], outs).outs
    assert drifted is not None
    assert provider.diff(outs["sid"], drifted, props).replaces == ["street"]
    provider.delete(outs["sid"], outs)
    assert provider.read(outs["sid"], outs).outs == {}
