"""Usage Triggers (api v2010) and the usage they watch, as Twilio documents them.

https://www.twilio.com/docs/usage/api/usage-trigger: a UsageTrigger watches one usage category
of its account (``totalprice``: everything the account spent) by ``count``, ``usage`` or
``price`` (``TriggerBy``, default ``usage``) and calls ``CallbackUrl`` (``CallbackMethod``,
default POST, signed with the account's token) once the value reaches ``TriggerValue`` (``+N``:
N above the current value); a recurring trigger (``daily``, ``monthly``, ``yearly``, GMT) fires
at most once per period, a non-recurring one once. Only ``CallbackMethod``, ``CallbackUrl`` and
``FriendlyName`` can be updated. Twilio evaluates about once a minute; the sandbox evaluates
when usage is recorded (``POST /_sandbox/usage``: what the account's calls and texts cost),
so a test is deterministic. The callback carries ``AccountSid``, ``UsageTriggerSid``,
``DateFired``, ``Recurring``, ``UsageCategory``, ``TriggerBy``, ``TriggerValue``,
``CurrentValue``, ``UsageRecordUri`` and ``IdempotencyToken``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import msgspec
from litestar import Response, delete, get, post

from ethiq.sandbox.auth import basic_credentials
from ethiq.sandbox.context import Sandbox, sandbox_of
from ethiq.sandbox.errors import authenticate_error, invalid_parameter, not_found
from ethiq.sandbox.formats import API_VERSION, format_date, new_sid, now
from ethiq.sandbox.routes.common import (
    AnyRequest,
    authorized,
    json_response,
    page_response,
    paging,
    params_of,
    query_of,
)
from ethiq.sandbox.voice import EventLog

__all__ = ["ROUTES", "UsageSpec", "UsageTrigger"]

ACCOUNT = f"/{API_VERSION}/Accounts/{{account_sid:str}}"
RECURRING: Final = ("daily", "monthly", "yearly", "alltime")
TRIGGER_BY: Final = ("count", "usage", "price")
TOTAL_PRICE: Final = "totalprice"


@dataclass
class UsageTrigger:
    sid: str
    account_sid: str
    usage_category: str
    trigger_by: str
    trigger_value: Decimal
    callback_url: str
    callback_method: str = "POST"
    friendly_name: str = ""
    recurring: str = ""
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
    date_fired: datetime | None = None
    fired_periods: set[str] = field(default_factory=set)


@dataclass
class UsageEntry:
    account_sid: str
    category: str
    count: Decimal
    usage: Decimal
    price: Decimal
    at: datetime


class UsageSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Usage of ``account_sid`` (what its calls and texts consumed), recorded at ``at``."""

    account_sid: str
    category: str
    count: float = 1
    usage: float = 0
    price: float = 0
    at: str = ""  # ISO 8601; now when empty


@dataclass
class UsageState:
    triggers: dict[str, UsageTrigger] = field(default_factory=dict)
    entries: list[UsageEntry] = field(default_factory=list)


def _state(sandbox: Sandbox) -> UsageState:
    """The store's usage (``Store.usage``, emptied by a reset)."""
    state = sandbox.store.usage
    if not isinstance(state, UsageState):
        state = sandbox.store.usage = UsageState()
    return state


def _period(recurring: str, at: datetime) -> str:
    return {
        "daily": at.strftime("%Y-%m-%d"),
        "monthly": at.strftime("%Y-%m"),
        "yearly": at.strftime("%Y"),
    }.get(recurring, "all")


def _current(state: UsageState, trigger: UsageTrigger, at: datetime) -> Decimal:
    """The watched value in the trigger's current period (all time when not recurring)."""
    period = _period(trigger.recurring, at)
    total = Decimal(0)
    for e in state.entries:
        if e.account_sid != trigger.account_sid or _period(trigger.recurring, e.at) != period:
            continue
        if trigger.usage_category not in (TOTAL_PRICE, e.category):
            continue
        total += {"count": e.count, "usage": e.usage, "price": e.price}[trigger.trigger_by]
    return total


def _uri(account_sid: str, sid: str | None = None) -> str:
    tail = f"/{sid}" if sid else ""
    return f"/{API_VERSION}/Accounts/{account_sid}/Usage/Triggers{tail}.json"


def _records_uri(t: UsageTrigger) -> str:
    return f"/{API_VERSION}/Accounts/{t.account_sid}/Usage/Records.json?Category={t.usage_category}"


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def render(state: UsageState, t: UsageTrigger) -> dict[str, Any]:
    return {
        "account_sid": t.account_sid,
        "api_version": API_VERSION,
        "callback_method": t.callback_method,
        "callback_url": t.callback_url,
        "current_value": _number(_current(state, t, now())),
        "date_created": format_date(t.date_created),
        "date_fired": format_date(t.date_fired) if t.date_fired else None,
        "date_updated": format_date(t.date_updated),
        "friendly_name": t.friendly_name,
        # Not recurring: the contract's enum value "alltime" (its schema is not nullable).
        "recurring": t.recurring or "alltime",
        "sid": t.sid,
        "trigger_by": t.trigger_by,
        "trigger_value": _number(t.trigger_value),
        "uri": _uri(t.account_sid, t.sid),
        "usage_category": t.usage_category,
        "usage_record_uri": _records_uri(t),
    }


def _method(value: str | None) -> str:
    method = (value or "POST").upper()
    if method not in ("GET", "POST"):
        raise invalid_parameter("CallbackMethod must be GET or POST")
    return method


def _owned(state: UsageState, account_sid: str, sid: str) -> UsageTrigger:
    trigger = state.triggers.get(sid)
    if trigger is None or trigger.account_sid != account_sid:
        raise not_found(_uri(account_sid, sid))
    return trigger


@post(f"{ACCOUNT}/Usage/Triggers")
async def create_trigger(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    for name in ("CallbackUrl", "TriggerValue", "UsageCategory"):
        if not (params.get(name) or "").strip():
            raise invalid_parameter(f"{name} is required")
    recurring = params.get("Recurring") or ""
    if recurring and recurring not in RECURRING:
        raise invalid_parameter(f"Recurring must be one of {', '.join(RECURRING)}")
    trigger_by = params.get("TriggerBy") or "usage"
    if trigger_by not in TRIGGER_BY:
        raise invalid_parameter(f"TriggerBy must be one of {', '.join(TRIGGER_BY)}")
    raw = str(params.get("TriggerValue")).strip()
    try:
        value = Decimal(raw.lstrip("+"))
    except InvalidOperation:
        raise invalid_parameter(f"TriggerValue {raw!r} is not a number") from None
    with sandbox.store.lock:
        state = _state(sandbox)
        trigger = UsageTrigger(
            sid=new_sid("UT"),
            account_sid=account.sid,
            usage_category=str(params.get("UsageCategory")),
            trigger_by=trigger_by,
            trigger_value=value,
            callback_url=str(params.get("CallbackUrl")),
            callback_method=_method(params.get("CallbackMethod")),
            friendly_name=params.get("FriendlyName") or "",
            recurring="" if recurring == "alltime" else recurring,
        )
        if raw.startswith("+"):  # an offset from the value now
            trigger.trigger_value = _current(state, trigger, now()) + value
        state.triggers[trigger.sid] = trigger
        return json_response(render(state, trigger), 201)


@get(f"{ACCOUNT}/Usage/Triggers")
async def list_triggers(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    query = query_of(request)
    filters = {k: query.get(k) for k in ("Recurring", "TriggerBy", "UsageCategory")}
    with sandbox.store.lock:
        state = _state(sandbox)
        found = [
            t
            for t in state.triggers.values()
            if t.account_sid == account.sid
            and filters["Recurring"] in (None, t.recurring or "alltime")
            and filters["TriggerBy"] in (None, t.trigger_by)
            and filters["UsageCategory"] in (None, t.usage_category)
        ]
        return page_response(
            "usage_triggers",
            found,
            lambda t: render(state, t),
            path=_uri(account.sid),
            pages=paging(query),
            filters=filters,
        )


@get(f"{ACCOUNT}/Usage/Triggers/{{sid:str}}")
async def fetch_trigger(
    request: AnyRequest, account_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        state = _state(sandbox)
        return json_response(render(state, _owned(state, account.sid, sid)))


@post(f"{ACCOUNT}/Usage/Triggers/{{sid:str}}")
async def update_trigger(
    request: AnyRequest, account_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    with sandbox.store.lock:
        state = _state(sandbox)
        trigger = _owned(state, account.sid, sid)
        if params.get("CallbackUrl"):
            trigger.callback_url = str(params.get("CallbackUrl"))
        if params.get("CallbackMethod"):
            trigger.callback_method = _method(params.get("CallbackMethod"))
        if params.get("FriendlyName") is not None:
            trigger.friendly_name = str(params.get("FriendlyName"))
        trigger.date_updated = now()
        return json_response(render(state, trigger))


@delete(f"{ACCOUNT}/Usage/Triggers/{{sid:str}}", status_code=204)
async def delete_trigger(request: AnyRequest, account_sid: str, sid: str) -> None:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        state = _state(sandbox)
        _owned(state, account.sid, sid)
        del state.triggers[sid]


@post("/_sandbox/usage", status_code=200)
async def record_usage(request: AnyRequest, data: UsageSpec) -> dict[str, Any]:
    """Record usage of an account, then fire each of its triggers the usage makes cross."""
    sandbox = sandbox_of(request)
    parent = (sandbox.settings.account_sid, sandbox.settings.auth_token)
    if basic_credentials(request.headers.get("authorization")) != parent:
        raise authenticate_error()
    at = datetime.fromisoformat(data.at) if data.at else now()
    with sandbox.store.lock:
        account = sandbox.store.accounts.get(data.account_sid)
        if account is None:
            raise not_found(f"/{API_VERSION}/Accounts/{data.account_sid}.json")
        state = _state(sandbox)
        state.entries.append(
            UsageEntry(
                account.sid,
                data.category,
                Decimal(str(data.count)),
                Decimal(str(data.usage)),
                Decimal(str(data.price)),
                at,
            )
        )
        due = []
        for trigger in state.triggers.values():
            if trigger.account_sid != account.sid:
                continue
            period = _period(trigger.recurring, at)
            current = _current(state, trigger, at)
            if period in trigger.fired_periods or current < trigger.trigger_value:
                continue
            trigger.fired_periods.add(period)
            trigger.date_fired = at
            due.append((trigger, current, period))
    fired = []
    for trigger, current, period in due:
        params = {
            "AccountSid": trigger.account_sid,
            "UsageTriggerSid": trigger.sid,
            "DateFired": format_date(at),
            "Recurring": trigger.recurring or "alltime",
            "UsageCategory": trigger.usage_category,
            "TriggerBy": trigger.trigger_by,
            "TriggerValue": _number(trigger.trigger_value),
            "CurrentValue": _number(current),
            "UsageRecordUri": _records_uri(trigger),
            "IdempotencyToken": f"{trigger.sid}-{period}",
        }
        response = await sandbox.voice.post(
            EventLog(), account, trigger.callback_url, params, trigger.callback_method
        )
        fired.append(
            {
                "sid": trigger.sid,
                "current_value": params["CurrentValue"],
                "status": None if response is None else response.status_code,
            }
        )
    return {"fired": fired}


ROUTES = [
    create_trigger,
    list_triggers,
    fetch_trigger,
    update_trigger,
    delete_trigger,
    record_usage,
]
