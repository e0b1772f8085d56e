"""A tenant's alert data as the call path and the passes read it: the contacts' consent, the
waves of a scam call's escalation chain, the missed-call notice.

:class:`CallAlerts` is what the call path is built with (:class:`runtime.calls.hooks.AlertHooks`):
the calls domain declares no alert table, so it writes alerts and notices through it, in the
call's own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from runtime.alerts.tables import AlertStatus, AlertTables, ConsentKind, bind_tables
from runtime.calls.tables import CallTables
from runtime.tenants import TenantContact

__all__ = [
    "ALERT_KIND",
    "MISSED_CALL",
    "CallAlerts",
    "alert_next_contacts",
    "consented_contacts",
    "latest_consent",
    "sync_contacts",
]

ALERT_KIND: Final = "scam"
MISSED_CALL: Final = "missed-call"  # the person's notice of a call that reached voicemail


async def sync_contacts(tables: CallTables, contacts: Sequence[TenantContact]) -> dict[str, int]:
    """Upsert the tenant's declared contacts; return number → contact id (declared ones only)."""
    contact = tables.Contact
    for c in contacts:
        await (
            contact.insert(
                contact(number=c.number, name=c.name, language=c.language, priority=c.priority)
            )
            .on_conflict(
                target=contact.number,
                action="DO UPDATE",
                values=[contact.name, contact.language, contact.priority],
            )
            .run()
        )
    numbers = [c.number for c in contacts]
    if not numbers:
        return {}
    rows = await contact.select(contact.id, contact.number).where(contact.number.is_in(numbers))
    return {str(r["number"]): int(r["id"]) for r in rows}


async def latest_consent(tables: AlertTables, contact_id: int) -> str | None:
    """``consent`` or ``withdraw`` (the latest that counts), or ``None`` if never answered."""
    consent = tables.Consent
    row = (
        await consent.select(consent.kind)
        .where(
            (consent.contact == contact_id)
            & consent.kind.is_in([ConsentKind.CONSENT.value, ConsentKind.WITHDRAW.value])
        )
        .order_by(consent.at, ascending=False)
        .order_by(consent.id, ascending=False)
        .first()
        .run()
    )
    return None if row is None else str(row["kind"])


async def consented_contacts(
    tables: AlertTables, contacts: Sequence[TenantContact]
) -> list[tuple[TenantContact, int]]:
    """Declared contacts whose latest answer is YES/OUI, by priority, with their ids."""
    ids = await sync_contacts(tables, contacts)
    chosen = []
    for c in sorted(contacts, key=lambda c: c.priority):
        contact_id = ids.get(c.number)
        if contact_id is not None and await latest_consent(tables, contact_id) == "consent":
            chosen.append((c, contact_id))
    return chosen


async def alert_next_contacts(
    tables: AlertTables,
    call_id: int,
    contacts: Sequence[TenantContact],
    *,
    after: int | None,
    now: datetime,
) -> int:
    """Write the alerts of the next wave of the escalation chain; return how many were new.

    A wave is the consenting contacts of the lowest priority above ``after`` (``None``: the
    first wave). Contacts sharing a priority are alerted together. Rows are unique per call and
    contact, so a wave passed on twice (a repeated callback, two processes) writes nothing more.
    """
    chosen = [
        (c, contact_id)
        for c, contact_id in await consented_contacts(tables, contacts)
        if after is None or c.priority > after
    ]
    if not chosen:
        return 0
    wave = min(c.priority for c, _ in chosen)
    alert = tables.Alert
    written = 0
    for c, contact_id in chosen:
        if c.priority != wave:
            continue
        inserted = (
            await alert.insert(
                alert(
                    call=call_id,
                    contact=contact_id,
                    kind=ALERT_KIND,
                    status=AlertStatus.PENDING.value,
                    created_at=now,
                    updated_at=now,
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(alert.id)
            .run()
        )
        written += len(inserted)
    return written


class CallAlerts:
    """The alerts' writes of the call path, on the engine of the call tables it is given."""

    async def first_wave(
        self,
        tables: CallTables,
        call_id: int,
        contacts: Sequence[TenantContact],
        now: datetime,
    ) -> int:
        own = bind_tables(tables.Call._meta.db)
        return await alert_next_contacts(own, call_id, contacts, after=None, now=now)

    async def missed_call(
        self,
        tables: CallTables,
        call_id: int,
        sid: str,
        not_before: datetime | None,
        now: datetime,
    ) -> None:
        notice = bind_tables(tables.Call._meta.db).Notice
        await (
            notice.insert(
                notice(
                    key=f"{MISSED_CALL}:{sid}",
                    call=call_id,
                    kind=MISSED_CALL,
                    next_attempt_at=not_before,
                    created_at=now,
                    updated_at=now,
                )
            )
            .on_conflict(action="DO NOTHING")
            .run()
        )
