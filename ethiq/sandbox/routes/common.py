"""Helpers shared by Twilio's route handlers: form parameters, responses, auth, paging."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs

from litestar import Request, Response

from ethiq.sandbox import render
from ethiq.sandbox.auth import authorize
from ethiq.sandbox.context import Sandbox, sandbox_of
from ethiq.sandbox.errors import invalid_parameter
from ethiq.sandbox.render import DEFAULT_PAGE_SIZE
from ethiq.sandbox.state import Account

__all__ = [
    "AnyRequest",
    "Paging",
    "Params",
    "authorized",
    "json_response",
    "page_response",
    "paging",
    "params_of",
    "query_of",
]

AnyRequest = Request[Any, Any, Any]
T = TypeVar("T")
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Params:
    """Twilio parameters (form body or query string) by their PascalCase names."""

    values: dict[str, list[str]]

    def get(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[-1] if found else None

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def flag(self, name: str) -> bool | None:
        raw = self.get(name)
        if raw is None:
            return None
        lowered = raw.lower()
        if lowered not in {"true", "false"}:
            raise invalid_parameter(f"{name} must be true or false")
        return lowered == "true"

    def integer(self, name: str) -> int | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            raise invalid_parameter(f"{name} must be an integer") from None


async def params_of(request: AnyRequest) -> Params:
    """Form parameters of a POST (Twilio's SDK sends form-encoded bodies)."""
    body = await request.body()
    return Params(parse_qs(body.decode(errors="replace"), keep_blank_values=True))


def query_of(request: AnyRequest) -> Params:
    return Params(parse_qs(request.scope.get("query_string", b"").decode(), True))


def authorized(request: AnyRequest, account_sid: str) -> tuple[Sandbox, Account]:
    """The sandbox and the URL's account, if the caller may act on it (caller holds no lock)."""
    sandbox = sandbox_of(request)
    with sandbox.store.lock:
        account = authorize(sandbox.store, request.headers.get("authorization"), account_sid)
    return sandbox, account


def json_response(payload: dict[str, Any], status: int = 200) -> Response[dict[str, Any]]:
    return Response(content=payload, status_code=status, media_type="application/json")


@dataclass(frozen=True)
class Paging:
    page: int
    page_size: int


def paging(query: Params) -> Paging:
    size = query.integer("PageSize") or DEFAULT_PAGE_SIZE
    number = query.integer("Page") or 0
    if not 1 <= size <= MAX_PAGE_SIZE or number < 0:
        raise invalid_parameter("PageSize must be 1-1000 and Page at least 0")
    return Paging(page=number, page_size=size)


def page_response(
    key: str,
    records: Sequence[T],
    render_one: Callable[[T], dict[str, Any]],
    *,
    path: str,
    pages: Paging,
    filters: Mapping[str, str | None] | None = None,
) -> Response[dict[str, Any]]:
    """One page of ``records`` (already filtered) in Twilio's paging envelope; the filters that
    were given are carried into the page URIs."""
    return json_response(
        render.page(
            key,
            records,
            render_one,
            path=path,
            filters={k: v for k, v in (filters or {}).items() if v},
            page_number=pages.page,
            page_size=pages.page_size,
        )
    )


def v1_page_response(
    key: str,
    records: Sequence[T],
    render_one: Callable[[T], dict[str, Any]],
    *,
    url: str,
    pages: Paging,
) -> Response[dict[str, Any]]:
    """One page of ``records`` in the envelope of Twilio's v1 APIs (Messaging, Serverless):
    the records under ``key`` and a ``meta`` with absolute page URLs, ``url`` being the list's
    (https://www.twilio.com/docs/usage/twilios-response#pagination)."""
    size, number = pages.page_size, pages.page
    chunk = records[number * size : (number + 1) * size]
    more = (number + 1) * size < len(records)

    def page_url(page: int) -> str:
        return f"{url}?PageSize={size}&Page={page}"

    return json_response(
        {
            key: [render_one(r) for r in chunk],
            "meta": {
                "page": number,
                "page_size": size,
                "first_page_url": page_url(0),
                "previous_page_url": page_url(number - 1) if number > 0 else None,
                "url": page_url(number),
                "next_page_url": page_url(number + 1) if more else None,
                "key": key,
            },
        }
    )
