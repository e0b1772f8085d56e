from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ethiq.sandbox.inventory import distance_miles
from ethiq.sandbox.server import SandboxHandle

MONTREAL = (45.5017, -73.5673)


def search_montreal(client: Client, **extra: object) -> list[str]:
    found = client.available_phone_numbers("CA").local.list(
        near_lat_long=f"{MONTREAL[0]},{MONTREAL[1]}",
        distance=25,
        in_region="QC",
        voice_enabled=True,
        sms_enabled=True,
        **extra,
    )
    return [n.phone_number for n in found]


def test_search_near_a_point_in_a_region(tenant: Client) -> None:
    found = tenant.available_phone_numbers("CA").local.list(
        near_lat_long=f"{MONTREAL[0]},{MONTREAL[1]}",
        distance=25,
        in_region="QC",
        voice_enabled=True,
        sms_enabled=True,
        exclude_all_address_required=True,
        limit=20,
    )

    assert 0 < len(found) <= 20
    for number in found:
        assert number.region == "QC"
        assert number.iso_country == "CA"
        assert number.capabilities["voice"]
        assert number.capabilities["sms"]
        assert number.address_requirements == "none"
        assert distance_miles(MONTREAL, (float(number.latitude), float(number.longitude))) <= 25
    area_codes = {n.phone_number[2:5] for n in found}
    assert area_codes <= {"514", "438", "450"}  # Montreal and Laval, not Quebec City (418)
    distances = [distance_miles(MONTREAL, (float(n.latitude), float(n.longitude))) for n in found]
    assert distances == sorted(distances)


def test_search_is_deterministic_and_filters(tenant: Client) -> None:
    assert search_montreal(tenant) == search_montreal(tenant)
    toronto = tenant.available_phone_numbers("CA").local.list(in_region="ON", area_code=416)
    assert toronto
    assert all(n.phone_number.startswith("+1416") for n in toronto)
    far = tenant.available_phone_numbers("CA").local.list(
        near_lat_long="45.50,-73.57", distance=5, in_region="BC"
    )
    assert far == []


def test_buy_update_release(tenant: Client, sandbox: SandboxHandle) -> None:
    wanted = search_montreal(tenant)[0]

    bought = tenant.incoming_phone_numbers.create(
        phone_number=wanted,
        friendly_name="alice",
        voice_url="https://runtime.example/voice",
        voice_method="POST",
        voice_fallback_url="https://runtime.example/fallback",
        status_callback="https://runtime.example/status",
        sms_url="https://runtime.example/sms",
    )
    assert bought.sid.startswith("PN")
    assert bought.phone_number == wanted
    assert bought.voice_url == "https://runtime.example/voice"
    assert wanted not in search_montreal(tenant)  # sold: no longer available
    assert [n.sid for n in tenant.incoming_phone_numbers.list(phone_number=wanted)] == [bought.sid]
    assert tenant.incoming_phone_numbers.list(friendly_name="nobody") == []

    updated = tenant.incoming_phone_numbers(bought.sid).update(
        voice_url="https://runtime.example/v2", sms_method="GET"
    )
    assert updated.voice_url == "https://runtime.example/v2"
    assert updated.sms_method == "GET"
    assert updated.status_callback == "https://runtime.example/status"  # unchanged
    assert tenant.incoming_phone_numbers(bought.sid).fetch().voice_url.endswith("/v2")

    assert tenant.incoming_phone_numbers(bought.sid).delete() is True
    assert tenant.incoming_phone_numbers.list() == []
    assert wanted in search_montreal(tenant)  # back in the inventory
    with pytest.raises(TwilioRestException) as caught:
        tenant.incoming_phone_numbers(bought.sid).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert sandbox.control.state()["incoming_phone_numbers"] == []


def test_buying_a_number_twice_is_21422(tenant: Client, parent: Client) -> None:
    tenant.incoming_phone_numbers.create(phone_number="+14165550100")
    for buyer in (tenant, parent):
        with pytest.raises(TwilioRestException) as caught:
            buyer.incoming_phone_numbers.create(phone_number="+14165550100")
        assert (caught.value.status, caught.value.code) == (400, 21422)
    with pytest.raises(TwilioRestException) as caught:
        tenant.incoming_phone_numbers.create(phone_number="+19995550100")  # not in inventory
    assert caught.value.code == 21422


def test_buying_by_area_code(tenant: Client) -> None:
    bought = tenant.incoming_phone_numbers.create(area_code="604")
    assert bought.phone_number.startswith("+1604")
    with pytest.raises(TwilioRestException) as caught:
        tenant.incoming_phone_numbers.create(area_code="999")
    assert (caught.value.status, caught.value.code) == (400, 21452)
