"""Accounts and subaccounts: ``/2010-04-01/Accounts.json`` and ``/Accounts/{Sid}.json``."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post

from ethiq.sandbox import render
from ethiq.sandbox.auth import authenticate, may_act_on
from ethiq.sandbox.context import sandbox_of
from ethiq.sandbox.errors import TwilioApiError, authenticate_error, invalid_parameter, not_found
from ethiq.sandbox.formats import API_VERSION, now
from ethiq.sandbox.routes.common import (
    AnyRequest,
    json_response,
    paging,
    params_of,
    query_of,
)

__all__ = ["ROUTES"]

BASE = f"/{API_VERSION}/Accounts"
STATUSES = frozenset({"active", "suspended", "closed"})


@post(BASE)
async def create_account(request: AnyRequest) -> Response[dict[str, Any]]:
    sandbox = sandbox_of(request)
    params = await params_of(request)
    store = sandbox.store
    with store.lock:
        principal = authenticate(store, request.headers.get("authorization"))
        if principal.sid != store.parent.sid:  # subaccounts cannot create subaccounts
            raise authenticate_error()
        name = params.get("FriendlyName") or now().strftime(
            "SubAccount Created at %Y-%m-%d %I:%M %p"
        )
        account = store.new_account(name)
        return json_response(render.account(account), 201)


@get(BASE)
async def list_accounts(request: AnyRequest) -> Response[dict[str, Any]]:
    sandbox = sandbox_of(request)
    query = query_of(request)
    pages = paging(query)
    store = sandbox.store
    with store.lock:
        principal = authenticate(store, request.headers.get("authorization"))
        name, status = query.get("FriendlyName"), query.get("Status")
        found = [
            account
            for account in store.accounts.values()
            if may_act_on(principal, account)
            and (name is None or account.friendly_name == name)
            and (status is None or account.status == status)
        ]
        filters = {k: v for k, v in (("FriendlyName", name), ("Status", status)) if v is not None}
        return json_response(
            render.page(
                "accounts",
                found,
                render.account,
                path=f"{BASE}.json",
                filters=filters,
                page_number=pages.page,
                page_size=pages.page_size,
            )
        )


@get(f"{BASE}/{{account_sid:str}}")
async def fetch_account(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox = sandbox_of(request)
    store = sandbox.store
    with store.lock:
        principal = authenticate(store, request.headers.get("authorization"))
        account = store.accounts.get(account_sid)
        if account is None:
            raise not_found(f"{BASE}/{account_sid}.json")
        if not may_act_on(principal, account):
            raise authenticate_error()
        return json_response(render.account(account))


@post(f"{BASE}/{{account_sid:str}}")
async def update_account(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox = sandbox_of(request)
    params = await params_of(request)
    store = sandbox.store
    with store.lock:
        principal = authenticate(store, request.headers.get("authorization"))
        account = store.accounts.get(account_sid)
        if account is None:
            raise not_found(f"{BASE}/{account_sid}.json")
        if not may_act_on(principal, account):
            raise authenticate_error()
        status = params.get("Status")
        if status is not None:
            if status not in STATUSES:
                raise invalid_parameter(f"Status must be one of {sorted(STATUSES)}")
            if account.sid == store.parent.sid and status != "active":
                raise TwilioApiError(400, 20001, "The main account cannot be suspended or closed")
            if account.status == "closed" and status != "closed":
                raise TwilioApiError(400, 20001, "A closed account cannot be reopened")
            if principal.sid == account.sid and status != account.status:
                raise authenticate_error()  # only the parent changes a subaccount's status
            account.status = status
            if status == "closed":
                store.release_numbers(account.sid)
        if "FriendlyName" in params:
            account.friendly_name = params.get("FriendlyName") or account.friendly_name
        account.date_updated = now()
        return json_response(render.account(account))


ROUTES = [create_account, list_accounts, fetch_account, update_account]
