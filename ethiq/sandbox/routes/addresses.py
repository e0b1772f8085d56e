"""Addresses (api v2010), and a number's emergency address (:mod:`ethiq.sandbox.emergency`)."""

from __future__ import annotations

from typing import Any

from litestar import Response, delete, get, post

from ethiq.sandbox.context import Sandbox
from ethiq.sandbox.emergency import EMERGENCY_COUNTRIES, Address
from ethiq.sandbox.errors import invalid_parameter, not_found
from ethiq.sandbox.formats import API_VERSION, format_date, new_sid, now
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
from ethiq.sandbox.state import IncomingNumber, Store

__all__ = ["ROUTES", "apply_emergency_address"]

ACCOUNT = f"/{API_VERSION}/Accounts/{{account_sid:str}}"
REQUIRED = {
    "CustomerName": "customer_name",
    "Street": "street",
    "City": "city",
    "Region": "region",
    "PostalCode": "postal_code",
}
OPTIONAL = {"FriendlyName": "friendly_name", "StreetSecondary": "street_secondary"}


def _uri(account_sid: str, sid: str | None = None) -> str:
    tail = f"/{sid}" if sid else ""
    return f"/{API_VERSION}/Accounts/{account_sid}/Addresses{tail}.json"


def render_address(a: Address) -> dict[str, Any]:
    return {
        "account_sid": a.account_sid,
        "city": a.city,
        "customer_name": a.customer_name,
        "date_created": format_date(a.date_created),
        "date_updated": format_date(a.date_updated),
        "friendly_name": a.friendly_name,
        "iso_country": a.iso_country,
        "postal_code": a.postal_code,
        "region": a.region,
        "sid": a.sid,
        "street": a.street,
        "street_secondary": a.street_secondary,
        "uri": _uri(a.account_sid, a.sid),
        "emergency_enabled": a.emergency_enabled,
        # Twilio validates an emergency address against its address database before it
        # accepts it; the sandbox accepts every well-formed one as validated.
        "validated": a.emergency_enabled,
        "verified": False,
    }


def _emergency(address: Address, params: Params) -> None:
    flag = params.flag("EmergencyEnabled")
    if flag is not None:
        if flag and address.iso_country not in EMERGENCY_COUNTRIES:
            raise invalid_parameter(
                "EmergencyEnabled: emergency addresses can be registered in the US, Canada "
                "and the UK only"
            )
        address.emergency_enabled = flag


def _owned(sandbox: Sandbox, account_sid: str, sid: str) -> Address:
    address = sandbox.store.addresses.get(sid)
    if address is None or address.account_sid != account_sid:
        raise not_found(_uri(account_sid, sid))
    return address


@post(f"{ACCOUNT}/Addresses")
async def create_address(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    values = {}
    for name, attribute in {**REQUIRED, "IsoCountry": "iso_country"}.items():
        value = (params.get(name) or "").strip()
        if not value:
            raise invalid_parameter(f"{name} is required")
        values[attribute] = value
    values["iso_country"] = values["iso_country"].upper()
    address = Address(
        sid=new_sid("AD"),
        account_sid=account.sid,
        customer_name=values["customer_name"],
        street=values["street"],
        city=values["city"],
        region=values["region"],
        postal_code=values["postal_code"],
        iso_country=values["iso_country"],
        friendly_name=params.get("FriendlyName"),
        street_secondary=params.get("StreetSecondary"),
    )
    _emergency(address, params)
    with sandbox.store.lock:
        sandbox.store.addresses[address.sid] = address
    return json_response(render_address(address), 201)


@get(f"{ACCOUNT}/Addresses")
async def list_addresses(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    query = query_of(request)
    name = query.get("FriendlyName")
    with sandbox.store.lock:
        found = [
            a
            for a in sandbox.store.addresses.values()
            if a.account_sid == account.sid and (name is None or a.friendly_name == name)
        ]
        return page_response(
            "addresses",
            found,
            render_address,
            path=_uri(account.sid),
            pages=paging(query),
            filters={"FriendlyName": name},
        )


@get(f"{ACCOUNT}/Addresses/{{sid:str}}")
async def fetch_address(
    request: AnyRequest, account_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        return json_response(render_address(_owned(sandbox, account.sid, sid)))


@post(f"{ACCOUNT}/Addresses/{{sid:str}}")
async def update_address(
    request: AnyRequest, account_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    with sandbox.store.lock:
        address = _owned(sandbox, account.sid, sid)
        for name, attribute in {**REQUIRED, **OPTIONAL}.items():
            if params.get(name):
                setattr(address, attribute, params.get(name))
        _emergency(address, params)
        address.date_updated = now()
        return json_response(render_address(address))


@delete(f"{ACCOUNT}/Addresses/{{sid:str}}", status_code=204)
async def delete_address(request: AnyRequest, account_sid: str, sid: str) -> None:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        _owned(sandbox, account.sid, sid)
        del sandbox.store.addresses[sid]
        for number in sandbox.store.numbers.values():
            if number.emergency_address_sid == sid:
                number.emergency_address_sid = None  # no longer registered


def apply_emergency_address(store: Store, number: IncomingNumber, params: Params) -> None:
    """``EmergencyAddressSid`` of a number create or update (caller holds the lock)."""
    if "EmergencyAddressSid" not in params:
        return
    sid = params.get("EmergencyAddressSid") or None
    if sid is not None:
        address = store.addresses.get(sid)
        if address is None or address.account_sid != number.account_sid:
            raise invalid_parameter(f"EmergencyAddressSid {sid} is not an address of this account")
        if not address.emergency_enabled:
            raise invalid_parameter(f"EmergencyAddressSid {sid} is not emergency enabled")
    number.emergency_address_sid = sid


ROUTES = [create_address, list_addresses, fetch_address, update_address, delete_address]
