"""Usage Records (api v2010): what an account used per category over a range of GMT dates.

https://www.twilio.com/docs/usage/api/usage-record: ``GET …/Usage/Records.json`` lists one
record per usage category, summing the account's usage from ``StartDate`` to ``EndDate``
(inclusive, ``YYYY-MM-DD``; defaults: the account's first usage and today), optionally one
``Category``; ``totalprice`` is everything the account spent. ``count`` and ``usage`` are
strings, ``price`` a number (the contract's types). The sandbox's usage is what
``POST /_sandbox/usage`` recorded (routes/usage.py), so a test knows what Twilio would count.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Final

from litestar import Response, get

from ethiq.sandbox.errors import invalid_parameter
from ethiq.sandbox.formats import API_VERSION, now
from ethiq.sandbox.routes.common import AnyRequest, authorized, page_response, paging, query_of
from ethiq.sandbox.routes.usage import ACCOUNT, TOTAL_PRICE, UsageEntry, _number, _state

__all__ = ["ROUTES"]

# (count_unit, usage_unit, description) of the categories Ethiq's tenants use.
_UNITS: Final = {
    "calls-inbound": ("calls", "minutes", "Inbound Voice Minutes"),
    "calls-sip": ("calls", "minutes", "SIP Voice Minutes"),
    "sms-outbound": ("messages", "messages", "Outbound SMS"),
    TOTAL_PRICE: ("", "usd", "Total Price"),
}


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid_parameter(f"{name} must be a date (YYYY-MM-DD)") from None


def _record(
    account_sid: str, category: str, entries: list[UsageEntry], start: date, end: date
) -> dict[str, Any]:
    mine = [e for e in entries if category in (TOTAL_PRICE, e.category)]
    count_unit, usage_unit, description = _UNITS.get(category, ("", "", category))
    price = sum((e.price for e in mine), Decimal(0))
    usage = price if category == TOTAL_PRICE else sum((e.usage for e in mine), Decimal(0))
    base = f"/{API_VERSION}/Accounts/{account_sid}/Usage/Records"
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "as_of": now().strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "category": category,
        "count": _number(sum((e.count for e in mine), Decimal(0))),
        "count_unit": count_unit,
        "description": description,
        "end_date": end.isoformat(),
        "price": float(price),
        "price_unit": "usd",
        "start_date": start.isoformat(),
        "subresource_uris": {
            period: f"{base}/{name}.json?Category={category}"
            for period, name in (
                ("all_time", "AllTime"),
                ("today", "Today"),
                ("yesterday", "Yesterday"),
                ("this_month", "ThisMonth"),
                ("last_month", "LastMonth"),
                ("daily", "Daily"),
                ("monthly", "Monthly"),
                ("yearly", "Yearly"),
            )
        },
        "uri": f"{base}.json?Category={category}&StartDate={start}&EndDate={end}",
        "usage": _number(usage),
        "usage_unit": usage_unit,
    }


@get(f"{ACCOUNT}/Usage/Records")
async def list_records(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    query = query_of(request)
    category = query.get("Category")
    start = _date(query.get("StartDate"), "StartDate")
    end = _date(query.get("EndDate"), "EndDate") or now().date()
    with sandbox.store.lock:
        state = _state(sandbox)
        mine = [e for e in state.entries if e.account_sid == account.sid]
        first = start or min((e.at.date() for e in mine), default=end)
        within = [e for e in mine if first <= e.at.date() <= end]
        categories = [category] if category else sorted({e.category for e in within})
        return page_response(
            "usage_records",
            [_record(account.sid, c, within, first, end) for c in categories],
            lambda record: record,
            path=f"/{API_VERSION}/Accounts/{account.sid}/Usage/Records.json",
            pages=paging(query),
            filters={
                "Category": category,
                "StartDate": query.get("StartDate"),
                "EndDate": query.get("EndDate"),
            },
        )


ROUTES = [list_records]
