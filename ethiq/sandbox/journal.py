"""What the sandbox saw: the ordered request log and the contract violations."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Mapping
from typing import Literal

import msgspec

__all__ = ["RequestEntry", "RequestLog", "Violation", "Violations"]

logger = logging.getLogger("ethiq.sandbox")

# Parameter values never written to the log (the rest are, so tests can assert on them).
SECRET_PARAMS = frozenset({"Password", "AuthToken"})
REDACTED = "***"


class RequestEntry(msgspec.Struct, kw_only=True):
    """One request to Twilio's API, as the client sent it and as the sandbox answered it."""

    seq: int
    method: str
    path: str
    account_sid: str | None
    query: dict[str, str | list[str]]
    form: dict[str, str | list[str]]
    status: int = 0
    code: int | None = None
    fault: str | None = None
    duration_ms: float = 0.0


class Violation(msgspec.Struct, kw_only=True):
    """A request or response that breaks Twilio's published contract."""

    seq: int
    method: str
    path: str
    operation: str | None
    where: Literal["request", "response", "twiml"]
    message: str


def _visible(params: Mapping[str, list[str]]) -> dict[str, str | list[str]]:
    return {
        name: REDACTED if name in SECRET_PARAMS else (values[0] if len(values) == 1 else values)
        for name, values in params.items()
    }


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RequestEntry] = []
        self._seq = itertools.count(1)

    def begin(
        self,
        method: str,
        path: str,
        account_sid: str | None,
        query: Mapping[str, list[str]],
        form: Mapping[str, list[str]],
    ) -> RequestEntry:
        with self._lock:
            entry = RequestEntry(
                seq=next(self._seq),
                method=method,
                path=path,
                account_sid=account_sid,
                query=_visible(query),
                form=_visible(form),
            )
            self._entries.append(entry)
            return entry

    def entries(self) -> list[RequestEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class Violations:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Violation] = []

    def record(self, violation: Violation) -> None:
        logger.warning(
            "Twilio contract violation (%s) %s %s [%s]: %s",
            violation.where,
            violation.method,
            violation.path,
            violation.operation or "-",
            violation.message,
        )
        with self._lock:
            self._items.append(violation)

    def items(self) -> list[Violation]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
