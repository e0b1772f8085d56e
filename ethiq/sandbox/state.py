"""In-memory state of the sandbox: accounts and everything they own, behind one lock.

Records are plain mutable dataclasses; route handlers read and change them while holding
``Store.lock`` (a re-entrant lock, so the state is safe under threaded servers too). Rendering
to Twilio's JSON lives in :mod:`ethiq.sandbox.render`.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ethiq.sandbox.emergency import Address
from ethiq.sandbox.formats import new_sid, new_token, now
from ethiq.sandbox.inventory import Inventory
from ethiq.sandbox.serverless import ServerlessState
from ethiq.sandbox.settings import SandboxSettings

__all__ = [
    "Account",
    "Call",
    "Conference",
    "Credential",
    "CredentialList",
    "Handset",
    "IncomingNumber",
    "Mapping",
    "MappingKind",
    "Message",
    "MessagingService",
    "OptOutLanguage",
    "Participant",
    "SipDomain",
    "SipEndpoint",
    "Store",
    "Transcription",
]

MappingKind = Literal["calls", "registrations"]


@dataclass(slots=True)
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    owner_account_sid: str
    status: str = "active"
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
    secondary_auth_token: str | None = None  # authenticates too, until promoted or deleted


@dataclass(slots=True)
class IncomingNumber:
    sid: str
    account_sid: str
    phone_number: str
    friendly_name: str
    voice: bool
    sms: bool
    mms: bool
    address_requirements: str
    iso_country: str
    region: str
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    voice_caller_id_lookup: bool = False
    status_callback: str | None = None
    status_callback_method: str = "POST"
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_fallback_url: str | None = None
    sms_fallback_method: str = "POST"
    emergency_address_sid: str | None = None  # an emergency-enabled Address (emergency.py)
    toll_free: bool = False
    # A toll-free number's Toll-Free Verification (HH…), its status and rejection reason.
    tollfree_verification: tuple[str, str, str] | None = None
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class SipDomain:
    sid: str
    account_sid: str
    domain_name: str
    friendly_name: str | None = None
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    voice_status_callback_url: str | None = None
    voice_status_callback_method: str = "POST"
    sip_registration: bool = False
    secure: bool = False
    emergency_calling_enabled: bool = False
    byoc_trunk_sid: str | None = None
    emergency_caller_sid: str | None = None
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class CredentialList:
    sid: str
    account_sid: str
    friendly_name: str
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class Credential:
    sid: str
    account_sid: str
    credential_list_sid: str
    username: str
    password_sha256: str = field(repr=False)
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)

    @staticmethod
    def digest(password: str) -> str:
        return hashlib.sha256(password.encode()).hexdigest()


@dataclass(slots=True)
class Mapping:
    """A credential list mapped to a SIP domain for calls or registrations (sid: the list's)."""

    sid: str
    account_sid: str
    domain_sid: str
    kind: MappingKind
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class Message:
    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None = None
    messaging_service_sid: str | None = None
    status: str = "queued"
    direction: str = "outbound-api"
    error_code: int | None = None  # why it ended undelivered or failed
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class OptOutLanguage:
    """One language of a service's Advanced Opt-Out (set in Twilio's Console only): keywords by
    ``OptOutType`` (STOP, START, HELP) and the reply Twilio sends for each."""

    language: str
    keywords: dict[str, tuple[str, ...]]
    replies: dict[str, str]


@dataclass(slots=True)
class MessagingService:
    """A Messaging Service (messaging.twilio.com/v1/Services) and its sender pool."""

    sid: str
    account_sid: str
    friendly_name: str
    inbound_request_url: str | None = None
    inbound_method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    use_inbound_webhook_on_number: bool = False
    sticky_sender: bool = True
    area_code_geomatch: bool = True
    smart_encoding: bool = True
    usecase: str = "undeclared"
    senders: dict[str, datetime] = field(default_factory=dict)  # number sid → added at
    advanced_opt_out: tuple[OptOutLanguage, ...] = ()  # () : Twilio's default keywords
    # Its US A2P 10DLC campaign (UsAppToPerson, QE…) and the campaign's status: one per service.
    a2p_campaign: tuple[str, str] | None = None
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class Call:
    """A call leg: the caller's inbound call, or a leg Twilio dials (``<Dial>``, participants).

    ``said`` is what this leg's party heard from Twilio (``<Say>``, announcements, whispers),
    ``documents`` the TwiML this leg executed, in order; ``events`` its timeline.
    """

    sid: str
    account_sid: str
    to: str
    from_: str
    phone_number_sid: str | None
    status: str = "in-progress"
    direction: str = "inbound"
    forwarded_from: str | None = None
    caller_name: str | None = None
    parent_call_sid: str | None = None
    label: str | None = None  # "caller", or the participant label / dialed party
    twiml: list[str] = field(default_factory=list)  # documents set by REST updates
    urls: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    conference_sid: str | None = None
    redirect: str | None = None  # TwiML a REST update asked this live call to run next
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
    start_time: datetime = field(default_factory=now)
    end_time: datetime | None = None


@dataclass(slots=True)
class Participant:
    """A call leg in a conference (Twilio's Participant resource)."""

    call_sid: str
    account_sid: str
    conference_sid: str
    label: str | None
    status: str = "queued"  # queued, connecting, ringing, connected, complete, failed
    muted: bool = False
    hold: bool = False
    coaching: bool = False
    call_sid_to_coach: str | None = None
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    status_callback: str | None = None
    status_callback_events: tuple[str, ...] = ("completed",)
    announcements: list[str] = field(default_factory=list)
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass(slots=True)
class Conference:
    sid: str
    account_sid: str
    friendly_name: str
    status: str = "init"  # init, in-progress, completed
    participants: dict[str, Participant] = field(default_factory=dict)  # by call sid
    reason_ended: str | None = None
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
    # Set once a call enters through TwiML (``<Dial><Conference>``) or the conference ends:
    # what a participant leg still ringing waits for before it can be reported unanswered.
    entered: asyncio.Event = field(default_factory=asyncio.Event, repr=False)


@dataclass(slots=True)
class Handset:
    """A phone on the public network at a number we do not own (the protected person's own
    mobile), as its carrier treats a call to it (set through the control API).

    ``forwarding``: ``off``; ``unconditional`` (GSM ``**21*``: the network diverts every call
    at once, the phone never rings); ``no-answer`` (``**61*``/``**004*``: the phone rings
    ``ring_s`` seconds, then the network diverts it if nobody answered). ``answers``: someone
    picks up when it rings. ``passes_forwarded_from``: the forwarding carrier tells the target
    which number forwarded (Twilio's ``ForwardedFrom``); many do not.
    """

    forwarding: str = "off"
    forward_to: str | None = None
    answers: bool = False
    ring_s: int = 20
    passes_forwarded_from: bool = True


@dataclass(slots=True)
class SipEndpoint:
    """How the person's SIP app behaves when Twilio dials it (set through the control API).

    ``answer``: picks up; ``no-answer``: rings until the timeout; ``busy``: 486; ``offline``:
    not registered (a suspended mobile softphone: SIP registration has no push), 480.
    ``secure_only``: the app is set to "encryption mandatory" and refuses an INVITE without
    TLS+SRTP, i.e. a ``<Sip>`` URI without ``;secure=true`` (Twilio's Secure Media guide).
    """

    behaviour: str = "answer"
    secure_only: bool = True


@dataclass(slots=True)
class Transcription:
    sid: str
    account_sid: str
    call_sid: str
    name: str | None
    parameters: dict[str, str]  # as given: TwiML attributes, or the REST request's parameters
    status: str = "in-progress"
    date_updated: datetime = field(default_factory=now)
    events: int = 0  # status callback events posted (each event's SequenceId)


class Store:
    """Everything the sandbox knows; callers hold ``lock`` around reads and changes."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.lock = threading.RLock()
        self.settings = settings
        self.inventory = Inventory()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            parent = Account(
                sid=self.settings.account_sid,
                auth_token=self.settings.auth_token,
                friendly_name="Sandbox main account",
                owner_account_sid=self.settings.account_sid,
            )
            self.accounts: dict[str, Account] = {parent.sid: parent}
            self.numbers: dict[str, IncomingNumber] = {}
            self.domains: dict[str, SipDomain] = {}
            self.credential_lists: dict[str, CredentialList] = {}
            self.credentials: dict[str, Credential] = {}
            self.mappings: dict[tuple[str, MappingKind, str], Mapping] = {}
            self.messages: dict[str, Message] = {}
            self.messaging_services: dict[str, MessagingService] = {}
            self.calls: dict[str, Call] = {}
            self.transcriptions: dict[str, Transcription] = {}
            self.opt_outs: set[str] = set()
            self.conferences: dict[str, Conference] = {}
            self.sip_endpoints: dict[str, SipEndpoint] = {}  # by "user@domain"
            self.handsets: dict[str, Handset] = {}  # by E.164 number (numbers not ours)
            # How a recipient's carrier answers: (status, error code), default delivered.
            self.sms_outcomes: dict[str, tuple[str, int | None]] = {}
            # (our number or its Messaging Service sid, recipient) pairs Twilio blocks after an
            # opt-out keyword (21610), lifted by an opt-in keyword.
            self.blocked_pairs: set[tuple[str, str]] = set()
            self.serverless = ServerlessState()  # Functions & Assets (serverless.py)
            self.addresses: dict[str, Address] = {}  # emergency addresses (emergency.py)
            self.usage: Any = None  # Usage Triggers and usage (routes/usage.py)
            self.compliance: Any = None  # Trust Hub, A2P, toll-free (routes/compliance.py)

    @property
    def parent(self) -> Account:
        return self.accounts[self.settings.account_sid]

    def taken_numbers(self) -> set[str]:
        return {number.phone_number for number in self.numbers.values()}

    def number_by_phone(self, phone_number: str) -> IncomingNumber | None:
        return next((n for n in self.numbers.values() if n.phone_number == phone_number), None)

    def release_numbers(self, account_sid: str) -> None:
        for sid in [s for s, n in self.numbers.items() if n.account_sid == account_sid]:
            del self.numbers[sid]
            self.leave_services(sid)

    def service_of(self, number_sid: str) -> MessagingService | None:
        """The Messaging Service whose sender pool holds the number (at most one)."""
        return next((m for m in self.messaging_services.values() if number_sid in m.senders), None)

    def leave_services(self, number_sid: str) -> None:
        for service in self.messaging_services.values():
            service.senders.pop(number_sid, None)

    def opt_out_scope(self, number: IncomingNumber) -> str:
        """What an opt-out blocks: the whole Messaging Service of the number, else the number."""
        service = self.service_of(number.sid)
        return service.sid if service is not None else number.phone_number

    def new_account(self, friendly_name: str) -> Account:
        account = Account(
            sid=new_sid("AC"),
            auth_token=new_token(),
            friendly_name=friendly_name,
            owner_account_sid=self.parent.sid,
        )
        self.accounts[account.sid] = account
        return account
