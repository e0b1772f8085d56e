"""Messages: sending SMS (validated like Twilio does) and reading the message log."""

from __future__ import annotations

from typing import Any

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
from ethiq.sandbox.state import Message
from ethiq.sandbox.voice import EventLog

__all__ = ["ROUTES"]

ACCOUNT = f"/{API_VERSION}/Accounts/{{account_sid:str}}"
INVALID_TO = 21211
BODY_REQUIRED = 21602
FROM_REQUIRED = 21603
TO_REQUIRED = 21604
FROM_NOT_OURS = 21606
UNSUBSCRIBED = 21610


@post(f"{ACCOUNT}/Messages")
async def send_message(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    to, sender, body = params.get("To"), params.get("From"), params.get("Body")
    if not to:
        raise TwilioApiError(400, TO_REQUIRED, "A 'To' phone number is required.")
    if not is_e164(to):
        raise TwilioApiError(400, INVALID_TO, f"Invalid 'To' Phone Number: {to}")
    if not sender:
        raise TwilioApiError(400, FROM_REQUIRED, "A 'From' phone number is required.")
    if not body and "MediaUrl" not in params:
        raise TwilioApiError(400, BODY_REQUIRED, "Message body is required.")
    with sandbox.store.lock:
        owned = sandbox.store.number_by_phone(sender)
        if owned is None or owned.account_sid != account.sid or not owned.sms:
            raise TwilioApiError(
                400,
                FROM_NOT_OURS,
                f"The From phone number {sender} is not a valid, SMS-capable inbound phone "
                "number or short code for your account.",
            )
        if to in sandbox.store.opt_outs or (sender, to) in sandbox.store.blocked_pairs:
            raise TwilioApiError(400, UNSUBSCRIBED, "Attempt to send to unsubscribed recipient")
        message = Message(
            sid=new_sid("SM"),
            account_sid=account.sid,
            to=to,
            from_=sender,
            body=body or "",
            status_callback=params.get("StatusCallback"),
        )
        sandbox.store.messages[message.sid] = message
        outcome = sandbox.store.sms_outcomes.get(to, ("delivered", None))
        rendered = render.message(message)
    if message.status_callback:
        sandbox.voice.spawn(_deliver(sandbox, message, *outcome))
    return json_response(rendered, 201)


async def _deliver(sandbox: Sandbox, message: Message, status: str, code: int | None) -> None:
    """Twilio's status callbacks: ``sent``, then what the carrier said (``delivered``, or
    ``undelivered``/``failed`` with an ``ErrorCode``).
    https://www.twilio.com/docs/messaging/guides/track-outbound-message-status"""
    with sandbox.store.lock:
        account = sandbox.store.accounts[message.account_sid]
    leg = EventLog()
    for step in ("sent", status):
        message.status = step
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


# Twilio's own keyword handling on a number without a Messaging Service.
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


async def inbound_sms(sandbox: Sandbox, sender: str, to: str, body: str) -> dict[str, Any]:
    """A text from ``sender`` to our number ``to``: Twilio's keywords first (block, unblock,
    auto-reply, ``OptOutType``), then the number's SMS webhook, signed."""
    word = (body.strip().split() or [""])[0].upper().strip(".!")
    kind = "STOP" if word in OPT_OUT else "START" if word in OPT_IN else None
    kind = kind or ("HELP" if word in HELP else None)
    with sandbox.store.lock:
        number = sandbox.store.number_by_phone(to)
        if number is None:
            raise LookupError(f"{to} is not a number of any sandbox account")
        account = sandbox.store.accounts[number.account_sid]
        if kind == "STOP":
            sandbox.store.blocked_pairs.add((to, sender))
        elif kind == "START":
            sandbox.store.blocked_pairs.discard((to, sender))
        if kind is not None:
            reply = Message(
                sid=new_sid("SM"),
                account_sid=account.sid,
                to=sender,
                from_=to,
                body=AUTO_REPLIES[kind],
                status="delivered",
                direction="outbound-reply",
            )
            sandbox.store.messages[reply.sid] = reply
        sms_url = number.sms_url
    params = {
        "MessageSid": new_sid("SM"),
        "AccountSid": account.sid,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "ApiVersion": API_VERSION,
    }
    if kind is not None:
        params["OptOutType"] = kind
    answer = (
        await sandbox.voice.post(EventLog(), account, sms_url or "", params) if sms_url else None
    )
    return {
        "opt_out_type": kind,
        "twilio_reply": AUTO_REPLIES[kind] if kind else None,
        "status": answer.status_code if answer is not None else None,
        "reply_twiml": answer.text if answer is not None else "",
    }
