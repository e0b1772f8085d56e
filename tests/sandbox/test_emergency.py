"""Emergency addresses on the sandbox, as Twilio's Address and IncomingPhoneNumber resources
document them (and checked against the v2010 contract by the session's fixture)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

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
