"""What the call path writes for the alerts domain, in the call's own transaction.

The alerts' tables (:mod:`runtime.alerts.tables`) sit in the domain above, which reads the
calls, so the calls domain cannot import them. It is handed these writes instead (the app builds
:class:`runtime.calls.CallService` with :class:`runtime.alerts.records.CallAlerts`). Each runs
on the engine of the tables it is given, so inside the caller's transaction: a verdict and its
alerts, or a voicemail and its missed-call text, commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from runtime.calls.tables import CallTables
from runtime.tenants import TenantContact

__all__ = ["AlertHooks"]


class AlertHooks(Protocol):
    async def first_wave(
        self,
        tables: CallTables,
        call_id: int,
        contacts: Sequence[TenantContact],
        now: datetime,
    ) -> int:
        """Queue the alerts of a call just judged a scam to its first consenting contacts;
        return how many were new (none twice for one call and contact)."""
        ...

    async def missed_call(
        self,
        tables: CallTables,
        call_id: int,
        sid: str,
        not_before: datetime | None,
        now: datetime,
    ) -> None:
        """Queue the person's missed-call text of call ``sid`` (once per call), not sent
        before ``not_before`` (``None``: at once)."""
        ...
