"""Phone numbers: searching Twilio's inventory and buying, configuring, releasing numbers."""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar import Response, delete, get, post

from ethiq.sandbox import render
from ethiq.sandbox.context import Sandbox
from ethiq.sandbox.errors import TwilioApiError, invalid_parameter, not_found
from ethiq.sandbox.formats import API_VERSION, friendly_number, new_sid, now
from ethiq.sandbox.inventory import (
    DEFAULT_DISTANCE_MILES,
    MAX_DISTANCE_MILES,
    AvailableNumber,
    SearchQuery,
)
from ethiq.sandbox.routes.addresses import apply_emergency_address
from ethiq.sandbox.routes.common import (
    AnyRequest,
    Params,
    authorized,
    json_response,
    page_response,
    paging,
    params_of,
    query_of,
)
from ethiq.sandbox.state import IncomingNumber

__all__ = ["ROUTES"]

ACCOUNT = f"/{API_VERSION}/Accounts/{{account_sid:str}}"
METHODS = frozenset({"GET", "POST"})
# Number fields a create or an update may set: Twilio parameter → record attribute.
URL_FIELDS = {
    "VoiceUrl": "voice_url",
    "VoiceFallbackUrl": "voice_fallback_url",
    "StatusCallback": "status_callback",
    "SmsUrl": "sms_url",
    "SmsFallbackUrl": "sms_fallback_url",
}
METHOD_FIELDS = {
    "VoiceMethod": "voice_method",
    "VoiceFallbackMethod": "voice_fallback_method",
    "StatusCallbackMethod": "status_callback_method",
    "SmsMethod": "sms_method",
    "SmsFallbackMethod": "sms_fallback_method",
}
NOT_AVAILABLE = 21422
NO_NUMBERS = 21452


def _search_query(country: str, query: Params) -> SearchQuery:
    near: tuple[float, float] | None = None
    raw_near = query.get("NearLatLong")
    if raw_near:
        try:
            lat, lon = (float(part) for part in raw_near.split(","))
        except ValueError:
            raise invalid_parameter("NearLatLong must be 'latitude,longitude'") from None
        near = (lat, lon)
    excluded = {
        requirement
        for name, requirement in (
            ("ExcludeAllAddressRequired", "any"),
            ("ExcludeLocalAddressRequired", "local"),
            ("ExcludeForeignAddressRequired", "foreign"),
        )
        if query.flag(name)
    }
    distance = query.integer("Distance")
    return SearchQuery(
        country=country.upper(),
        area_code=query.integer("AreaCode"),
        contains=query.get("Contains"),
        in_region=query.get("InRegion"),
        in_locality=query.get("InLocality"),
        in_postal_code=query.get("InPostalCode"),
        in_rate_center=query.get("InRateCenter"),
        near_lat_long=near,
        distance_miles=min(distance, MAX_DISTANCE_MILES) if distance else DEFAULT_DISTANCE_MILES,
        voice_enabled=query.flag("VoiceEnabled"),
        sms_enabled=query.flag("SmsEnabled"),
        mms_enabled=query.flag("MmsEnabled"),
        exclude_address_requirements=frozenset(excluded),
    )


@get(f"{ACCOUNT}/AvailablePhoneNumbers/{{country:str}}/Local")
async def search_local(
    request: AnyRequest, account_sid: str, country: str
) -> Response[dict[str, Any]]:
    return _search(request, account_sid, country, "Local")


@get(f"{ACCOUNT}/AvailablePhoneNumbers/{{country:str}}/TollFree")
async def search_toll_free(
    request: AnyRequest, account_sid: str, country: str
) -> Response[dict[str, Any]]:
    """Toll-free numbers (no region or place to search by).
    https://www.twilio.com/docs/phone-numbers/api/availablephonenumbertollfree-resource"""
    return _search(request, account_sid, country, "TollFree")


def _search(
    request: AnyRequest, account_sid: str, country: str, kind: str
) -> Response[dict[str, Any]]:
    sandbox, _ = authorized(request, account_sid)
    query = query_of(request)
    search = dataclasses.replace(_search_query(country, query), toll_free=kind == "TollFree")
    size = paging(query).page_size
    with sandbox.store.lock:
        found = sandbox.store.inventory.search(search, sandbox.store.taken_numbers())
    found = sandbox.faults.withhold(found)[:size]
    # Twilio answers this list without the paging fields: the numbers and the uri.
    return json_response(
        {
            "available_phone_numbers": [render.available_number(n) for n in found],
            "uri": f"/{API_VERSION}/Accounts/{account_sid}/AvailablePhoneNumbers/"
            f"{country}/{kind}.json",
        }
    )


def _apply(number: IncomingNumber, params: Params) -> None:
    for name, attribute in URL_FIELDS.items():
        if name in params:
            setattr(number, attribute, params.get(name) or None)
    for name, attribute in METHOD_FIELDS.items():
        value = params.get(name)
        if value is not None:
            if value.upper() not in METHODS:
                raise invalid_parameter(f"{name} must be GET or POST")
            setattr(number, attribute, value.upper())
    lookup = params.flag("VoiceCallerIdLookup")
    if lookup is not None:
        number.voice_caller_id_lookup = lookup
    if params.get("FriendlyName"):
        number.friendly_name = params.get("FriendlyName") or number.friendly_name


def _pick(sandbox: Sandbox, params: Params) -> AvailableNumber:
    """The inventory number to buy (caller holds the store lock)."""
    store = sandbox.store
    wanted = params.get("PhoneNumber")
    area_code = params.get("AreaCode")
    if wanted:
        candidate = store.inventory.get(wanted)
        if candidate is None or wanted in store.taken_numbers():
            raise TwilioApiError(400, NOT_AVAILABLE, f"PhoneNumber {wanted} is not available.")
        if not sandbox.faults.withhold([candidate]):
            raise TwilioApiError(400, NOT_AVAILABLE, f"PhoneNumber {wanted} is not available.")
        return candidate
    if area_code:
        if not area_code.isdigit():
            raise invalid_parameter("AreaCode must be three digits")
        taken = store.taken_numbers()
        in_area = [
            number
            for country in ("US", "CA")
            for number in store.inventory.search(
                SearchQuery(country=country, area_code=int(area_code)), taken
            )
        ]
        available = sandbox.faults.withhold(in_area)
        if not available:
            raise TwilioApiError(
                400, NO_NUMBERS, f"No phone numbers found in area code {area_code}."
            )
        return available[0]
    raise invalid_parameter("A PhoneNumber or an AreaCode is required.")


@post(f"{ACCOUNT}/IncomingPhoneNumbers")
async def buy_number(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    with sandbox.store.lock:
        chosen = _pick(sandbox, params)
        number = IncomingNumber(
            sid=new_sid("PN"),
            account_sid=account.sid,
            phone_number=chosen.phone_number,
            friendly_name=friendly_number(chosen.phone_number),
            voice=chosen.voice,
            sms=chosen.sms,
            mms=chosen.mms,
            address_requirements=chosen.address_requirements,
            iso_country=chosen.iso_country,
            region=chosen.region,
            toll_free=chosen.toll_free,
        )
        _apply(number, params)
        apply_emergency_address(sandbox.store, number, params)
        sandbox.store.numbers[number.sid] = number
        return json_response(render.incoming_number(number), 201)


@get(f"{ACCOUNT}/IncomingPhoneNumbers")
async def list_numbers(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    query = query_of(request)
    pages = paging(query)
    phone, name = query.get("PhoneNumber"), query.get("FriendlyName")
    digits = (phone or "").replace("*", "")
    with sandbox.store.lock:
        found = [
            number
            for number in sandbox.store.numbers.values()
            if number.account_sid == account.sid
            and (phone is None or digits in number.phone_number)
            and (name is None or number.friendly_name == name)
        ]
        return page_response(
            "incoming_phone_numbers",
            found,
            render.incoming_number,
            path=f"/{API_VERSION}/Accounts/{account.sid}/IncomingPhoneNumbers.json",
            pages=pages,
            filters={"PhoneNumber": phone, "FriendlyName": name},
        )


def _owned(sandbox: Sandbox, account_sid: str, sid: str) -> IncomingNumber:
    number = sandbox.store.numbers.get(sid)
    if number is None or number.account_sid != account_sid:
        raise not_found(f"/{API_VERSION}/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}.json")
    return number


@get(f"{ACCOUNT}/IncomingPhoneNumbers/{{sid:str}}")
async def fetch_number(request: AnyRequest, account_sid: str, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        return json_response(render.incoming_number(_owned(sandbox, account.sid, sid)))


@post(f"{ACCOUNT}/IncomingPhoneNumbers/{{sid:str}}")
async def update_number(
    request: AnyRequest, account_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    with sandbox.store.lock:
        number = _owned(sandbox, account.sid, sid)
        target_sid = params.get("AccountSid")
        if target_sid and target_sid != number.account_sid:
            # Moving a number between the parent's accounts: the caller must act on both.
            authorized(request, target_sid)
            number.account_sid = target_sid
        _apply(number, params)
        apply_emergency_address(sandbox.store, number, params)
        number.date_updated = now()
        return json_response(render.incoming_number(number))


@delete(f"{ACCOUNT}/IncomingPhoneNumbers/{{sid:str}}", status_code=204)
async def release_number(request: AnyRequest, account_sid: str, sid: str) -> None:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        _owned(sandbox, account.sid, sid)
        del sandbox.store.numbers[sid]
        sandbox.store.leave_services(sid)  # a released number leaves its sender pool


ROUTES = [
    search_local,
    search_toll_free,
    buy_number,
    list_numbers,
    fetch_number,
    update_number,
    release_number,
]
