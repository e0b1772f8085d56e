"""Fault injection: make the sandbox fail the way Twilio does, a set number of times.

A fault matches requests by HTTP method, a glob over the request path (``fnmatch``: ``*``
crosses ``/``) and optionally the account sid in the URL. Kinds:

- ``status``: answer ``status`` with Twilio error ``code`` instead of processing (nothing written).
- ``drop_after_commit``: process the request (the write happens), then break the connection before
  the response is complete: the client sees a connection error for a change Twilio committed.
- ``delay``: wait ``seconds``, then process normally (client timeouts after a write).
- ``empty_inventory``: searches in ``country`` (and ``region``, if given) find nothing, and buying
  by ``AreaCode`` there fails with 21452. Matched by country/region, not by path.

``times`` is how many matching requests the fault affects (``None``: until removed or reset).
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from collections.abc import Sequence
from typing import Literal, Protocol, TypeVar

import msgspec

__all__ = ["DEFAULT_ERRORS", "FaultBook", "FaultKind", "FaultSpec"]


class _Located(Protocol):
    @property
    def iso_country(self) -> str: ...
    @property
    def region(self) -> str: ...


N = TypeVar("N", bound=_Located)

FaultKind = Literal["status", "drop_after_commit", "delay", "empty_inventory"]

# Twilio's codes and messages for HTTP-level failures it documents.
DEFAULT_ERRORS: dict[int, tuple[int, str]] = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


class FaultSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What to break; the control API takes and returns this as JSON."""

    kind: FaultKind
    method: str = "*"
    path: str = "*"
    account_sid: str | None = None
    times: int | None = 1
    status: int = 500
    code: int | None = None
    message: str | None = None
    seconds: float = 0.0
    country: str | None = None
    region: str | None = None
    id: int = 0
    hits: int = 0

    def error(self) -> tuple[int, int, str]:
        """(HTTP status, Twilio code, message) for a ``status`` fault."""
        code, message = DEFAULT_ERRORS.get(self.status, (self.status * 100, "Injected failure"))
        return self.status, self.code or code, self.message or message


class FaultBook:
    """Active faults in insertion order; each request consumes at most one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[FaultSpec] = []
        self._ids = itertools.count(1)

    def add(self, spec: FaultSpec) -> FaultSpec:
        if spec.kind == "empty_inventory" and not spec.country:
            raise ValueError("an empty_inventory fault needs a country")
        if spec.times is not None and spec.times < 1:
            raise ValueError("times must be at least 1 (or null for unlimited)")
        with self._lock:
            country = spec.country.upper() if spec.country else None
            stored = msgspec.structs.replace(spec, id=next(self._ids), hits=0, country=country)
            self._faults.append(stored)
            return stored

    def active(self) -> list[FaultSpec]:
        with self._lock:
            return list(self._faults)

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str, account_sid: str | None) -> FaultSpec | None:
        """The first request-level fault matching this request, consumed once."""
        with self._lock:
            for fault in self._faults:
                if fault.kind != "empty_inventory" and _matches(fault, method, path, account_sid):
                    return self._consume(fault)
            return None

    def withhold(self, numbers: Sequence[N]) -> list[N]:
        """``numbers`` without those an ``empty_inventory`` fault hides; a fault that hid any
        number counts one use."""
        with self._lock:
            kept = list(numbers)
            for fault in [f for f in self._faults if f.kind == "empty_inventory"]:
                remaining = [n for n in kept if not _hides(fault, n.iso_country, n.region)]
                if len(remaining) != len(kept):
                    self._consume(fault)
                kept = remaining
            return kept

    def _consume(self, fault: FaultSpec) -> FaultSpec:
        fault.hits += 1
        if fault.times is not None and fault.hits >= fault.times:
            self._faults.remove(fault)
        return fault


def _hides(fault: FaultSpec, country: str, region: str) -> bool:
    return fault.country == country.upper() and (
        fault.region is None or fault.region.upper() == region.upper()
    )


def _matches(fault: FaultSpec, method: str, path: str, account_sid: str | None) -> bool:
    return (
        (fault.method == "*" or fault.method.upper() == method.upper())
        and fnmatch.fnmatchcase(path, fault.path)
        and (fault.account_sid is None or fault.account_sid == account_sid)
    )
