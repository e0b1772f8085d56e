"""Emergency contacts answer by SMS: YES/OUI consents, STOP/ARRET withdraws, HELP/AIDE explains;
any other reply to an alert acknowledges it (the contact takes the call on: the escalation chain
stops there). A keyword Twilio handled itself (its ``OptOutType``, or its default keywords; see
:mod:`runtime.alerts.keywords`) is recorded as Twilio enforces it and never answered twice."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from runtime.alerts import invitations
from runtime.alerts.keywords import fold, is_opt_out, twilio_keyword
from runtime.alerts.messages import consent_reply
from runtime.alerts.records import latest_consent, sync_contacts
from runtime.alerts.tables import AlertStatus, AlertTables, ConsentKind
from runtime.calls.records import transaction
from runtime.tenants import TenantRecord

__all__ = ["keyword_kind", "record_consent_change", "record_reply"]

# The runtime's own reading of a reply (first word, accents and case ignored): what a contact
# means when Twilio did not handle the message.

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
        "REVOKE",
        "OPTOUT",
    },
    ConsentKind.HELP: {"HELP", "AIDE", "INFO"},
}


def _first_word(body: str) -> str:
    words = fold(body).replace(".", " ").replace("!", " ").split()
    return words[0] if words else ""


def keyword_kind(body: str) -> ConsentKind | None:
    """The consent keyword of an SMS body (its first word, accents and case ignored)."""
    word = _first_word(body)
    return next((kind for kind, keywords in _KEYWORDS.items() if word in keywords), None)


async def _blocked_by_twilio(
    tables: AlertTables, contact_id: int, *, messaging_service: bool
) -> bool:
    """The contact's latest opt-out or opt-in was a keyword Twilio enforces as an opt-out."""
    consent = tables.Consent
    row = (
        await consent.select(consent.kind, consent.body)
        .where(
            (consent.contact == contact_id)
            & consent.kind.is_in([ConsentKind.CONSENT.value, ConsentKind.WITHDRAW.value])
        )
        .order_by(consent.at, ascending=False)
        .order_by(consent.id, ascending=False)
        .first()
        .run()
    )
    return (
        row is not None
        and row["kind"] == ConsentKind.WITHDRAW.value
        and is_opt_out(str(row["body"]), messaging_service=messaging_service)
    )


async def _unchanged_yes(
    tables: AlertTables, contact_id: int, handled: ConsentKind | None, service: bool
) -> str:
    """Why a yes changes nothing (the reply's kind), or "" when it is recorded."""
    if handled is None and await _blocked_by_twilio(tables, contact_id, messaging_service=service):
        # "Oui merci" after "ARRET": Twilio keeps blocking every text until the contact sends
        # an opt-in keyword alone (START always is one).
        return "blocked"
    if await latest_consent(tables, contact_id) == "consent":
        # A second yes: the consent in force keeps its date and words, and nothing is confirmed
        # again (Twilio, if it handled the keyword, answered already).
        return "already"
    return ""


async def _acknowledge(tables: AlertTables, contact_id: int, now: datetime) -> bool:
    """Mark the contact's alerts still waiting for an acknowledgement as acknowledged."""
    alert = tables.Alert
    rows = (
        await alert.update(
            {
                alert.status: AlertStatus.ACKNOWLEDGED.value,
                alert.next_attempt_at: None,
                alert.updated_at: now,
            }
        )
        .where(
            (alert.contact == contact_id)
            & alert.status.is_in([AlertStatus.SENT.value, AlertStatus.DELIVERED.value])
            & alert.next_attempt_at.is_not_null()
        )
        .returning(alert.id)
        .run()
    )
    return bool(rows)


async def record_consent_change(
    tables: AlertTables, contact_id: int, kind: ConsentKind, body: str, now: datetime
) -> None:
    """Record a consent change (opt-in, opt-out, help) of a contact, with the words they sent.

    The one writer of consent rows: a keyword Twilio handled (``OptOutType``) lands here exactly
    as Twilio enforces it, so an answer to an invitation (YES/OUI) goes through here too. The
    caller holds the transaction.
    """
    await tables.Consent.insert(
        tables.Consent(contact=contact_id, kind=kind.value, at=now, body=body[:1600])
    ).run()


async def record_reply(
    tables: AlertTables,
    tenant: TenantRecord,
    sender: str,
    body: str,
    now: datetime,
    message_sid: str = "",
    opt_out_type: str | None = None,
) -> str | None:
    """Record a contact's reply (with its time) and return the reply text in their language;
    ``None`` when Twilio already answered the keyword itself.

    ``opt_out_type`` is the ``OptOutType`` Twilio adds when its Advanced Opt-Out handled the
    message: then the change recorded is Twilio's (``STOP`` withdraws, ``START`` consents), the
    app's records agreeing with what Twilio blocks whatever the words.

    Idempotent by ``message_sid``: a replayed webhook (Twilio's retry, or a signed request
    captured and sent again) changes nothing, so an old "OUI" can never re-subscribe a contact
    who said "NON" since, nor acknowledge a later alert.
    """
    contact = next((c for c in tenant.contacts if c.number == sender), None)
    if contact is None:
        return consent_reply("stranger", tenant.language)
    person = tenant.person_name
    service = bool(tenant.messaging_service_sid)
    handled = twilio_keyword(body, opt_out_type, messaging_service=service)
    kind = handled or keyword_kind(body)
    reply = None if handled else consent_reply(kind or "unknown", contact.language, person)
    seen = tables.InboundMessage
    async with transaction(tables.Consent._meta.db):
        if message_sid:
            first = (
                await seen.insert(seen(sid=message_sid, from_number=sender, received_at=now))
                .on_conflict(target=seen.sid, action="DO NOTHING")
                .returning(seen.id)
                .run()
            )
            if not first:
                return reply
        ids = await sync_contacts(tables, [contact])
        contact_id = ids[contact.number]
        if kind not in {ConsentKind.WITHDRAW, ConsentKind.HELP} and await _acknowledge(
            tables, contact_id, now
        ):
            if kind is not None:  # an "OK" or "OUI" is still a consent answer
                await record_consent_change(tables, contact_id, kind, body, now)
            return None if handled else consent_reply("acknowledged", contact.language, person)
        if kind is None:
            return reply
        if kind is ConsentKind.CONSENT and (
            unchanged := await _unchanged_yes(tables, contact_id, handled, service)
        ):
            return None if handled else consent_reply(unchanged, contact.language, person)
        await record_consent_change(tables, contact_id, kind, body, now)
        # An invited contact's first yes is confirmed once: by this reply; by Twilio's Advanced
        # Opt-Out reply (``OptOutType``: the configured confirmation, ours in words); or by the
        # outbox after Twilio's generic default reply.
        confirmation = await invitations.answered(
            tables,
            tenant,
            contact,
            contact_id,
            kind,
            now,
            twilio_replied=handled is not None,
            twilio_confirmed=handled is ConsentKind.CONSENT and bool(opt_out_type),
        )
    return confirmation or reply
