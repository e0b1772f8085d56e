"""Emergency contacts answer by SMS: YES/OUI consents, STOP/ARRET withdraws, HELP/AIDE explains."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Final

from runtime.alerts.messages import consent_reply
from runtime.calls.records import sync_contacts, transaction
from runtime.storage import TenantTables
from runtime.storage.tables import ConsentKind
from runtime.tenants import TenantRecord

__all__ = ["keyword_kind", "record_reply"]

_KEYWORDS: Final = {
    ConsentKind.CONSENT: {"YES", "Y", "OUI", "O", "START", "UNSTOP", "ACCEPTE", "OK"},
    ConsentKind.WITHDRAW: {
        "STOP",
        "STOPALL",
        "ARRET",
        "ARRETER",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "DESABONNER",
        "DESINSCRIRE",
        "NON",
        "NO",
    },
    ConsentKind.HELP: {"HELP", "AIDE", "INFO"},
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def keyword_kind(body: str) -> ConsentKind | None:
    """The consent keyword of an SMS body (its first word, accents and case ignored)."""
    words = _fold(body).replace(".", " ").replace("!", " ").split()
    if not words:
        return None
    for kind, keywords in _KEYWORDS.items():
        if words[0] in keywords:
            return kind
    return None


async def record_reply(
    tables: TenantTables,
    tenant: TenantRecord,
    sender: str,
    body: str,
    now: datetime,
    message_sid: str = "",
) -> str:
    """Record a contact's reply (with its time) and return the reply text in their language.

    Idempotent by ``message_sid``: a replayed webhook (Twilio's retry, or a signed request
    captured and sent again) is answered the same way but changes nothing, so an old "OUI"
    can never re-subscribe a contact who said "NON" since.
    """
    contact = next((c for c in tenant.contacts if c.number == sender), None)
    if contact is None:
        return consent_reply("stranger", tenant.language)
    kind = keyword_kind(body)
    if kind is None:
        return consent_reply("unknown", contact.language)
    consent, seen = tables.Consent, tables.InboundMessage
    async with transaction(consent._meta.db):
        if message_sid:
            first = (
                await seen.insert(seen(sid=message_sid, from_number=sender, received_at=now))
                .on_conflict(target=seen.sid, action="DO NOTHING")
                .returning(seen.id)
                .run()
            )
            if not first:
                return consent_reply(kind.value, contact.language)
        ids = await sync_contacts(tables, [contact])
        await consent.insert(
            consent(contact=ids[contact.number], kind=kind.value, at=now, body=body[:1600])
        ).run()
    return consent_reply(kind.value, contact.language)
