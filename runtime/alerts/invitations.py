"""Emergency contacts' double opt-in: invitation, one reminder, confirmation.

A contact receives alerts only once they said yes (:func:`runtime.alerts.records.latest_consent`).
Nobody says yes to a number they never heard of, so every declared contact who has never
answered is *invited*: a text in their language naming the protected person and what Ethiq will
send, asking for OUI/YES or ARRET/STOP. One *reminder* follows ``ETHIQ_INVITE_REMINDER_S`` after
the invitation when no answer came. A yes is recorded by :func:`runtime.alerts.consent.
record_reply` (when, and the words) and answered by a *confirmation* text.

The three messages are outbox rows (table ``invitation``), one row per contact and kind (its
unique ``key``), delivered like alerts by :class:`runtime.alerts.delivery.LeasedDelivery`
(claimed with a lease, looked up at Twilio by its reference before a re-claimed row is sent
again, retried with backoff on 429/5xx/no answer). Each is sent at most once per contact, and an
invitation cut short by a crash is neither lost nor doubled.

Twilio's keywords (https://help.twilio.com/articles/223134027): on a number without a Messaging
Service, Twilio itself handles START/YES/UNSTOP (opt-in), STOP and its synonyms, HELP/INFO: it
auto-replies with its own English text, then forwards the message to our webhook. So an English
contact's YES gets Twilio's generic "re-subscribed" reply, which says nothing of Ethiq; our
confirmation (what they will receive, for whom, how to stop) follows as its own message. A French
OUI is not a Twilio keyword: our confirmation is the only reply. With a Messaging Service whose
Advanced Opt-Out declares OUI/ARRET (https://www.twilio.com/docs/messaging/tutorials/advanced-
opt-out), Twilio answers with the service's configured opt-in reply, which the Console step sets
to our confirmation's words (:mod:`runtime.alerts.keywords`): that reply is the confirmation
(recorded as sent), so the contact gets one text, not two. A second yes changes nothing and is
not confirmed again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from runtime.alerts.delivery import LeasedDelivery, Outcome
from runtime.alerts.messages import consent_reply, relative, to_gsm7
from runtime.alerts.records import latest_consent, sync_contacts
from runtime.alerts.sender import SendError, SmsSender
from runtime.alerts.tables import AlertTables, ConsentKind, InvitationStatus, bind_tables
from runtime.calls.records import as_utc
from runtime.screening.explain import is_french
from runtime.settings import AlertSettings
from runtime.storage import TenantStore
from runtime.telephony import paths
from runtime.telephony.signatures import public_url
from runtime.tenants import Registry, TenantContact, TenantRecord

__all__ = [
    "ContactState",
    "ContactView",
    "Invitations",
    "Kind",
    "answered",
    "contact_views",
    "invitation_body",
]

logger = logging.getLogger(__name__)


class Kind(StrEnum):
    INVITE = "invite"
    REMINDER = "reminder"
    CONFIRM = "confirm"


# French with its accents: to_gsm7 keeps é, è, à, ù (GSM-7) and folds the others.
_TEXTS: Final = {
    Kind.INVITE: (
        "Ethiq: {person} vous a choisi comme proche à prévenir. Ethiq filtre ses appels et "
        "vous enverra un texto si un fraudeur l'appelle. Répondez OUI pour accepter, ARRET "
        "pour refuser.",
        "Ethiq: {person} chose you as an emergency contact. Ethiq screens their calls and "
        "will text you if a fraudster calls them. Reply YES to accept, STOP to refuse.",
    ),
    Kind.REMINDER: (
        "Ethiq, rappel: {person} vous a choisi comme proche à prévenir en cas d'appel "
        "frauduleux. Répondez OUI pour recevoir ces alertes, ARRET pour refuser.",
        "Ethiq reminder: {person} chose you as an emergency contact for scam calls. Reply YES "
        "to receive these alerts, STOP to refuse.",
    ),
}


def invitation_body(kind: Kind, lang: str, person_name: str, marker: str) -> str:
    """The text of ``kind`` in the contact's language, in GSM-7 (one price per segment);
    ``marker`` (empty for a webhook's reply) ends it as its reference. The confirmation is
    the reply to a yes (:func:`runtime.alerts.messages.consent_reply`), also Twilio's Advanced
    Opt-Out reply: one text whoever sends it."""
    if kind is Kind.CONFIRM:
        text = consent_reply("consent", lang, person_name)
    else:
        french, english = _TEXTS[kind]
        text = (french if is_french(lang) else english).format(person=relative(person_name, lang))
    return to_gsm7(f"{text} Ref {marker}" if marker else text)


def marker(row_id: int) -> str:
    """The reference in every invitation text, to find one Twilio sent before we recorded it."""
    return f"#i{row_id}"


def _key(contact_id: int, kind: Kind) -> str:
    return f"{contact_id}:{kind}"


async def _queue(
    tables: AlertTables,
    contact_id: int,
    kind: Kind,
    now: datetime,
    status: InvitationStatus = InvitationStatus.PENDING,
) -> bool:
    """Write the row of ``kind`` for the contact unless it exists; ``True`` if written."""
    inv = tables.Invitation
    sent = status is InvitationStatus.SENT
    rows = (
        await inv.insert(
            inv(
                key=_key(contact_id, kind),
                contact=contact_id,
                kind=kind.value,
                status=status.value,
                sent_at=now if sent else None,
                created_at=now,
                updated_at=now,
            )
        )
        .on_conflict(target=inv.key, action="DO NOTHING")
        .returning(inv.id)
        .run()
    )
    return bool(rows)


async def answered(
    tables: AlertTables,
    tenant: TenantRecord,
    contact: TenantContact,
    contact_id: int,
    kind: ConsentKind,
    now: datetime,
    *,
    twilio_replied: bool,
    twilio_confirmed: bool = False,
) -> str | None:
    """The hook of :func:`runtime.alerts.consent.record_reply` once it recorded an answer.

    The first yes of an invited contact is confirmed once. When Twilio's Advanced Opt-Out
    answered it (``twilio_confirmed``: its configured opt-in reply is our confirmation text,
    see :mod:`runtime.alerts.keywords`), that reply is the confirmation: recorded as sent,
    nothing more is sent. When Twilio auto-replied with its generic default text
    (``twilio_replied``: YES/START without Advanced Opt-Out), the confirmation is queued in the
    outbox (a webhook reply would be a second answer to the same text): ``None``. Otherwise the
    confirmation is the webhook's reply: its text is returned. ``None`` too when there is
    nothing to confirm (not invited, or confirmed already).
    """
    if kind is not ConsentKind.CONSENT:
        return None
    inv = tables.Invitation
    if not await inv.count().where(inv.key == _key(contact_id, Kind.INVITE)).run():
        return None
    pending = twilio_replied and not twilio_confirmed
    status = InvitationStatus.PENDING if pending else InvitationStatus.SENT
    if not await _queue(tables, contact_id, Kind.CONFIRM, now, status):
        return None
    if twilio_replied:
        return None
    return invitation_body(Kind.CONFIRM, contact.language, tenant.person_name, "")


class ContactState(StrEnum):
    """What the person's page and the operator view say of each contact."""

    PENDING = "pending"  # invitation not sent yet (or being retried)
    INVITED = "invited"
    NO_ANSWER = "no_answer"  # reminded, still no answer
    ACCEPTED = "accepted"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"  # the invitation failed for good (bad number, carrier)


@dataclass(frozen=True, slots=True)
class ContactView:
    name: str
    number: str
    priority: int
    language: str
    state: ContactState
    at: datetime | None  # when the state began (sent, answered)
    how: str  # the answer's words, or Twilio's error code


def _state(
    answer: Mapping[str, Any] | None,
    invite: Mapping[str, Any] | None,
    reminder: Mapping[str, Any] | None,
) -> tuple[ContactState, Any, str]:
    if answer is not None:
        accepted = answer["kind"] == ConsentKind.CONSENT.value
        state = ContactState.ACCEPTED if accepted else ContactState.REFUSED
        return state, answer["at"], str(answer["body"])[:40]
    if invite is None or invite["status"] in {"pending", "sending"}:
        return ContactState.PENDING, None, ""
    if invite["status"] == InvitationStatus.OPTED_OUT.value:
        return ContactState.REFUSED, invite["updated_at"], "STOP"
    if invite["status"] == InvitationStatus.FAILED.value:
        return ContactState.UNREACHABLE, invite["updated_at"], str(invite["error_code"] or "?")
    if reminder is not None and reminder["sent_at"] is not None:
        return ContactState.NO_ANSWER, reminder["sent_at"], ""
    return ContactState.INVITED, invite["sent_at"], ""


async def contact_views(
    tables: AlertTables, contacts: Sequence[TenantContact]
) -> list[ContactView]:
    """Each declared contact's consent state, by priority."""
    ids = await sync_contacts(tables, contacts)
    inv, consent = tables.Invitation, tables.Consent
    views = []
    for c in sorted(contacts, key=lambda c: c.priority):
        contact_id = ids[c.number]
        answer = (
            await consent.select(consent.kind, consent.at, consent.body)
            .where(
                (consent.contact == contact_id)
                & consent.kind.is_in([ConsentKind.CONSENT.value, ConsentKind.WITHDRAW.value])
            )
            .order_by(consent.at, ascending=False)
            .order_by(consent.id, ascending=False)
            .first()
            .run()
        )
        rows = {str(r["kind"]): r for r in await inv.select().where(inv.contact == contact_id)}
        state, at, how = _state(answer, rows.get(Kind.INVITE.value), rows.get(Kind.REMINDER.value))
        views.append(ContactView(c.name, c.number, c.priority, c.language, state, as_utc(at), how))
    return views


@dataclass(slots=True)
class InvitePass:
    queued: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0


class Invitations:
    """The invitation rows' worker: queues invitations and reminders, delivers due rows."""

    def __init__(
        self,
        *,
        registry: Registry,
        storage: TenantStore,
        sender: SmsSender,
        settings: AlertSettings,
        public_base_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._registry = registry
        self._storage = storage
        self._settings = settings
        self._leased = LeasedDelivery(settings, sender, clock)
        self._public = public_base_url
        self._clock = clock

    def tables(self, tenant: TenantRecord) -> AlertTables:
        return bind_tables(self._storage.engine(tenant.slug))

    async def run_once(self, now: datetime | None = None) -> InvitePass:
        """One pass over every tenant (tests, one-shot runs; the jobs run one tenant each)."""
        result = InvitePass()
        for tenant in await self._registry.list():
            try:
                await self.tenant_pass(tenant, result, now or self._clock())
            except Exception:
                logger.exception("invitations: tenant %s skipped this pass", tenant.slug)
                result.errors += 1
        return result

    async def tenant_pass(
        self, tenant: TenantRecord, result: InvitePass, now: datetime
    ) -> datetime | None:
        """Queue invitations and reminders, deliver the due rows; return when something of the
        tenant is due next (a retry, a lease, a reminder)."""
        if not tenant.contacts:
            return None
        tables = self.tables(tenant)
        ids = await self._contact_ids(tables, tenant.contacts)
        await self._queue_new(tables, ids, result, now)
        await self._queue_reminders(tables, ids, result, now)
        inv = tables.Invitation
        due = await self._leased.due_ids(inv, now)
        for row_id in due:
            claimed = await self._leased.claim(inv, row_id, now, inv.contact, inv.kind)
            if claimed is not None:
                await self._deliver(tenant, tables, claimed, result, now)
        if len(due) >= self._settings.batch:
            return now
        retry = await self._leased.next_attempt(inv)
        reminder = await self._next_reminder(tables, ids)
        return min((t for t in (retry, reminder) if t is not None), default=None)

    async def _next_reminder(self, tables: AlertTables, ids: Mapping[str, int]) -> datetime | None:
        """When the next reminder falls due: the oldest invitation sent, not answered and not
        reminded yet, plus ``invite_reminder_s``."""
        inv = tables.Invitation
        contacts = list(ids.values())
        sent = await inv.select(inv.contact, inv.sent_at).where(
            (inv.kind == Kind.INVITE.value)
            & inv.contact.is_in(contacts)
            & inv.status.is_in([InvitationStatus.SENT.value, InvitationStatus.DELIVERED.value])
        )
        if not sent:
            return None
        reminded = {
            int(r["contact"])
            for r in await inv.select(inv.contact).where(
                (inv.kind == Kind.REMINDER.value) & inv.contact.is_in(contacts)
            )
        }
        waiting = [
            as_utc(r["sent_at"])
            for r in sent
            if int(r["contact"]) not in reminded
            and await latest_consent(tables, int(r["contact"])) is None
        ]
        first = min((t for t in waiting if t is not None), default=None)
        if first is None:
            return None
        return first + timedelta(seconds=self._settings.invite_reminder_s)

    async def _contact_ids(
        self, tables: AlertTables, contacts: Sequence[TenantContact]
    ) -> dict[str, int]:
        """number → id of the declared contacts (written on first sight only: a pass is cheap)."""
        contact = tables.Contact
        numbers = [c.number for c in contacts]
        rows = await contact.select(contact.id, contact.number).where(contact.number.is_in(numbers))
        known = {str(r["number"]): int(r["id"]) for r in rows}
        if len(known) < len(numbers):
            known = await sync_contacts(tables, contacts)
        return known

    async def _queue_new(
        self, tables: AlertTables, ids: Mapping[str, int], result: InvitePass, now: datetime
    ) -> None:
        """An invitation for every contact never invited who has never answered."""
        inv = tables.Invitation
        invited = {
            int(r["contact"])
            for r in await inv.select(inv.contact)
            .where((inv.kind == Kind.INVITE.value) & inv.contact.is_in(list(ids.values())))
            .run()
        }
        for contact_id in ids.values():
            if contact_id in invited or await latest_consent(tables, contact_id) is not None:
                continue
            if await _queue(tables, contact_id, Kind.INVITE, now):
                result.queued += 1

    async def _queue_reminders(
        self, tables: AlertTables, ids: Mapping[str, int], result: InvitePass, now: datetime
    ) -> None:
        """One reminder for each invitation sent ``invite_reminder_s`` ago and not answered."""
        inv = tables.Invitation
        cutoff = now - timedelta(seconds=self._settings.invite_reminder_s)
        contacts = list(ids.values())
        waiting = {
            int(r["contact"])
            for r in await inv.select(inv.contact)
            .where(
                (inv.kind == Kind.INVITE.value)
                & inv.contact.is_in(contacts)
                & inv.status.is_in([InvitationStatus.SENT.value, InvitationStatus.DELIVERED.value])
                & (inv.sent_at <= cutoff)
            )
            .run()
        }
        if not waiting:
            return
        reminded = {
            int(r["contact"])
            for r in await inv.select(inv.contact)
            .where((inv.kind == Kind.REMINDER.value) & inv.contact.is_in(list(waiting)))
            .run()
        }
        for contact_id in waiting - reminded:
            if await latest_consent(tables, contact_id) is None and await _queue(
                tables, contact_id, Kind.REMINDER, now
            ):
                result.queued += 1

    async def _finish(
        self, tables: AlertTables, row_id: int, values: dict[str, Any], now: datetime
    ) -> None:
        await self._leased.finish(tables.Invitation, row_id, values, now)

    async def _deliver(
        self,
        tenant: TenantRecord,
        tables: AlertTables,
        claimed: Mapping[str, Any],
        result: InvitePass,
        now: datetime,
    ) -> None:
        row_id, attempts = int(claimed["id"]), int(claimed["attempts"])
        kind = Kind(str(claimed["kind"]))
        contact = (
            await tables.Contact.select(tables.Contact.number)
            .where(tables.Contact.id == claimed["contact"])
            .first()
            .run()
        )
        declared = next(
            (c for c in tenant.contacts if contact is not None and c.number == contact["number"]),
            None,
        )
        answer = await latest_consent(tables, int(claimed["contact"]))
        # An invitation or reminder is moot once answered; a confirmation once withdrawn.
        moot = answer != "consent" if kind is Kind.CONFIRM else answer is not None
        if declared is None or moot:
            await self._finish(
                tables,
                row_id,
                {"status": InvitationStatus.SKIPPED.value, "next_attempt_at": None},
                self._clock(),
            )
            result.skipped += 1
            return
        ref = marker(row_id)
        try:
            sid = await self._leased.send(
                tenant,
                declared.number,
                reference=ref,
                attempts=attempts,
                body=lambda: invitation_body(kind, declared.language, tenant.person_name, ref),
                status_callback=public_url(self._public, paths.SMS_STATUS, f"tenant={tenant.slug}"),
            )
        except SendError as error:
            outcome = await self._leased.failed(tables.Invitation, row_id, attempts, error, now)
            if outcome is Outcome.RETRY:
                result.retried += 1
            else:
                result.failed += 1
            return
        await self._finish(
            tables,
            row_id,
            {
                "status": InvitationStatus.SENT.value,
                "message_sid": sid,
                "sent_at": now,
                "next_attempt_at": None,
                "error_code": None,
            },
            self._clock(),
        )
        result.sent += 1
        logger.info("%s of %s to contact %s sent (%s)", kind, tenant.slug, claimed["contact"], sid)

    async def delivery(self, tenant: TenantRecord, params: Mapping[str, str]) -> bool:
        """An SMS status callback for an invitation text: ``delivered``, or lost (the contact
        is then shown unreachable, with Twilio's error code)."""
        inv = self.tables(tenant).Invitation
        status, code = params.get("MessageStatus", ""), params.get("ErrorCode", "")
        values: dict[Any, Any] = {inv.updated_at: self._clock()}
        if status in {"failed", "undelivered"}:
            values[inv.status] = InvitationStatus.FAILED.value
            values[inv.error_code] = int(code) if code.isdigit() else None
        elif status == "delivered":
            values[inv.status] = InvitationStatus.DELIVERED.value
        else:
            return False
        rows = (
            await inv.update(values)
            .where(inv.message_sid == params.get("MessageSid", ""))
            .returning(inv.id)
            .run()
        )
        return bool(rows)
