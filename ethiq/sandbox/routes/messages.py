"""Messages: sending SMS (validated like Twilio does) and reading the message log."""

from __future__ import annotations

from typing import Any

import phonenumbers
from litestar import Response, get, post

from ethiq.sandbox import render
from ethiq.sandbox.context import Sandbox
from ethiq.sandbox.errors import TwilioApiError, not_found
from ethiq.sandbox.formats import API_VERSION, is_e164, new_sid
from ethiq.sandbox.routes.common import (
    AnyRequest,
    authorized,
    json_response,
    page_response,
    paging,
    params_of,
    query_of,
)
from ethiq.sandbox.routes.messaging import service_for_send
from ethiq.sandbox.state import IncomingNumber, Message, MessagingService
from ethiq.sandbox.voice import EventLog

__all__ = ["ROUTES"]

ACCOUNT = f"/{API_VERSION}/Accounts/{{account_sid:str}}"
INVALID_TO = 21211
BODY_REQUIRED = 21602
FROM_REQUIRED = 21603
TO_REQUIRED = 21604
FROM_NOT_OURS = 21606
UNSUBSCRIBED = 21610
UNREGISTERED_10DLC = 30034
UNVERIFIED_TOLL_FREE = 30032
# "U.S.-bound" for A2P 10DLC: the US and its territories; Canada is not filtered.
# https://help.twilio.com/articles/14910496447771
_US_BOUND = frozenset({"US", "PR", "VI", "GU", "AS", "MP"})


@post(f"{ACCOUNT}/Messages")
async def send_message(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    to, sender, body = params.get("To"), params.get("From"), params.get("Body")
    service_sid = params.get("MessagingServiceSid")
    if not to:
        raise TwilioApiError(400, TO_REQUIRED, "A 'To' phone number is required.")
    if not is_e164(to):
        raise TwilioApiError(400, INVALID_TO, f"Invalid 'To' Phone Number: {to}")
    if not sender and not service_sid:
        raise TwilioApiError(400, FROM_REQUIRED, "A 'From' phone number is required.")
    if not body and "MediaUrl" not in params:
        raise TwilioApiError(400, BODY_REQUIRED, "Message body is required.")
    with sandbox.store.lock:
        service: MessagingService | None = None
        owned: IncomingNumber | None
        if service_sid and not sender:
            # Twilio picks the sender from the service's pool.
            # https://www.twilio.com/docs/messaging/services#sender-pool
            service, owned = service_for_send(sandbox, account, service_sid)
            sender = owned.phone_number
        else:
            owned = sandbox.store.number_by_phone(sender or "")
        if owned is None or owned.account_sid != account.sid or not owned.sms:
            raise TwilioApiError(
                400,
                FROM_NOT_OURS,
                f"The From phone number {sender} is not a valid, SMS-capable inbound phone "
                "number or short code for your account.",
            )
        scope = sandbox.store.opt_out_scope(owned)
        if to in sandbox.store.opt_outs or (scope, to) in sandbox.store.blocked_pairs:
            raise TwilioApiError(400, UNSUBSCRIBED, "Attempt to send to unsubscribed recipient")
        message = Message(
            sid=new_sid("SM"),
            account_sid=account.sid,
            to=to,
            from_=sender or "",
            body=body or "",
            # The message's own callback, else the service's.
            status_callback=params.get("StatusCallback")
            or (service.status_callback if service else None),
            messaging_service_sid=service.sid if service else None,
        )
        sandbox.store.messages[message.sid] = message
        outcome = sandbox.store.sms_outcomes.get(to, ("delivered", None))
        if _unregistered_10dlc(sandbox, owned, to):
            outcome = ("failed", UNREGISTERED_10DLC)
        elif _unverified_toll_free(owned, to):
            outcome = ("failed", UNVERIFIED_TOLL_FREE)
        rendered = render.message(message)
    sandbox.voice.spawn(_deliver(sandbox, message, *outcome))
    return json_response(rendered, 201)


def _unverified_toll_free(sender: IncomingNumber, to: str) -> bool:
    """Whether Twilio blocks the message of a toll-free number whose Toll-Free Verification is
    not approved, to a US or Canadian number: accepted, then failed with 30032.
    https://www.twilio.com/docs/api/errors/30032"""
    if not sender.toll_free:
        return False
    verification = sender.tollfree_verification
    if verification is not None and verification[1] == "TWILIO_APPROVED":
        return False
    return _region(to) in {*_US_BOUND, "CA"}


def _region(to: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(to))
    except phonenumbers.NumberParseException:
        return None


def _unregistered_10dlc(sandbox: Sandbox, sender: IncomingNumber, to: str) -> bool:
    """Whether Twilio blocks the message as unregistered A2P 10DLC traffic: a US local number
    that is not the sender of a Messaging Service with a verified campaign, texting a US-bound
    number. Twilio accepts the request (201) and the message then fails with 30034.
    https://www.twilio.com/docs/api/errors/30034"""
    if sender.iso_country != "US" or sender.toll_free or _region(to) not in _US_BOUND:
        return False
    service = sandbox.store.service_of(sender.sid)
    return service is None or service.a2p_campaign is None or service.a2p_campaign[1] != "VERIFIED"


async def _deliver(sandbox: Sandbox, message: Message, status: str, code: int | None) -> None:
    """Twilio's status callbacks: ``sent``, then what the carrier said (``delivered``, or
    ``undelivered``/``failed`` with an ``ErrorCode``).
    https://www.twilio.com/docs/messaging/guides/track-outbound-message-status"""
    with sandbox.store.lock:
        account = sandbox.store.accounts[message.account_sid]
    leg = EventLog()
    # "failed": Twilio never sent it (blocked, e.g. 30034), so no "sent" before it.
    for step in (status,) if status == "failed" else ("sent", status):
        message.status = step
        if step in {"undelivered", "failed"}:
            message.error_code = code
        if not message.status_callback:
            continue
        params = {
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "AccountSid": message.account_sid,
            "From": message.from_,
            "To": message.to,
            "MessageStatus": step,
            "SmsStatus": step,
            "ApiVersion": API_VERSION,
        }
        if step in {"undelivered", "failed"} and code is not None:
            params["ErrorCode"] = str(code)
        await sandbox.voice.post(leg, account, message.status_callback or "", params)


@get(f"{ACCOUNT}/Messages")
async def list_messages(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    query = query_of(request)
    pages = paging(query)
    to, sender = query.get("To"), query.get("From")
    with sandbox.store.lock:
        found = [
            m
            for m in reversed(sandbox.store.messages.values())  # Twilio lists newest first
            if m.account_sid == account.sid
            and (to is None or m.to == to)
            and (sender is None or m.from_ == sender)
        ]
        return page_response(
            "messages",
            found,
            render.message,
            path=f"/{API_VERSION}/Accounts/{account.sid}/Messages.json",
            pages=pages,
            filters={"To": to, "From": sender},
        )


@get(f"{ACCOUNT}/Messages/{{sid:str}}")
async def fetch_message(
    request: AnyRequest, account_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        message = sandbox.store.messages.get(sid)
        if message is None or message.account_sid != account.sid:
            raise not_found(f"/{API_VERSION}/Accounts/{account.sid}/Messages/{sid}.json")
        return json_response(render.message(message))


ROUTES = [send_message, list_messages, fetch_message]


# Twilio's own keyword handling on a number without a Messaging Service (or one whose Advanced
# Opt-Out is not configured): English keywords, first word, no ``OptOutType`` in the webhook.
# https://help.twilio.com/articles/223134027
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})
AUTO_REPLIES = {
    "STOP": "You have successfully been unsubscribed. You will not receive any more messages "
    "from this number. Reply START to resubscribe.",
    "START": "You have successfully been re-subscribed to messages from this number. "
    "Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
    "HELP": "Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
}


def _default_keyword(body: str) -> tuple[str | None, str | None]:
    word = (body.strip().split() or [""])[0].upper().strip(".!")
    kind = "STOP" if word in OPT_OUT else "START" if word in OPT_IN else None
    kind = kind or ("HELP" if word in HELP else None)
    return kind, AUTO_REPLIES[kind] if kind else None


def _advanced_keyword(service: MessagingService, body: str) -> tuple[str | None, str | None]:
    """Advanced Opt-Out: the whole body against the configured keywords, case ignored (accents
    are not: Twilio documents no accent folding), and the reply of the keyword's language.
    https://help.twilio.com/articles/31560110671259"""
    whole = body.strip().casefold()
    for language in service.advanced_opt_out:
        for kind, words in language.keywords.items():
            if whole in {w.casefold() for w in words}:
                return kind, language.replies.get(kind)
    return None, None


async def inbound_sms(sandbox: Sandbox, sender: str, to: str, body: str) -> dict[str, Any]:
    """A text from ``sender`` to our number ``to``, as Twilio handles it: keywords first (block,
    unblock, auto-reply), then the webhook, signed: the Messaging Service's inbound URL (with
    ``OptOutType`` when its Advanced Opt-Out handled a keyword), or the number's own when the
    service says ``use_inbound_webhook_on_number`` or the number is in no service."""
    with sandbox.store.lock:
        number = sandbox.store.number_by_phone(to)
        if number is None:
            raise LookupError(f"{to} is not a number of any sandbox account")
        account = sandbox.store.accounts[number.account_sid]
        service = sandbox.store.service_of(number.sid)
        advanced = service is not None and bool(service.advanced_opt_out)
        kind, twilio_reply = (
            _advanced_keyword(service, body) if service and advanced else _default_keyword(body)
        )
        scope = sandbox.store.opt_out_scope(number)
        if kind == "STOP":
            sandbox.store.blocked_pairs.add((scope, sender))
        elif kind == "START":
            sandbox.store.blocked_pairs.discard((scope, sender))
        if twilio_reply:
            reply = Message(
                sid=new_sid("SM"),
                account_sid=account.sid,
                to=sender,
                from_=to,
                body=twilio_reply,
                status="delivered",
                direction="outbound-reply",
                messaging_service_sid=service.sid if service else None,
            )
            sandbox.store.messages[reply.sid] = reply
        if service is None or service.use_inbound_webhook_on_number:
            webhook = number.sms_url
        else:
            webhook = service.inbound_request_url  # none: Twilio drops the message
    params = {
        "MessageSid": new_sid("SM"),
        "AccountSid": account.sid,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "ApiVersion": API_VERSION,
    }
    if service is not None:
        params["MessagingServiceSid"] = service.sid
    opt_out_type = kind if advanced else None
    if opt_out_type is not None:
        params["OptOutType"] = opt_out_type
    answer = (
        await sandbox.voice.post(EventLog(), account, webhook or "", params) if webhook else None
    )
    return {
        "keyword": kind,
        "opt_out_type": opt_out_type,
        "twilio_reply": twilio_reply,
        "webhook": webhook,
        "status": answer.status_code if answer is not None else None,
        "reply_twiml": answer.text if answer is not None else "",
    }
