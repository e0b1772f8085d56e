"""Alerts to emergency contacts: the SMS outbox, its sender, and contacts' consent."""

from __future__ import annotations

from runtime.alerts.consent import keyword_kind, record_reply
from runtime.alerts.outbox import Outbox, PassResult
from runtime.alerts.sender import SendError, SmsSender, TwilioSmsSender

__all__ = [
    "Outbox",
    "PassResult",
    "SendError",
    "SmsSender",
    "TwilioSmsSender",
    "keyword_kind",
    "record_reply",
]
