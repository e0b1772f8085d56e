"""Alerts to emergency contacts: the SMS outbox, its sender, and contacts' consent.

Exceptions::

    SendError       Twilio refused a message (status, code) or did not answer (both None);
                    ``transient`` tells the outbox whether to retry
"""

from __future__ import annotations

from runtime.alerts.consent import keyword_kind, record_consent_change, record_reply
from runtime.alerts.outbox import Outbox, PassResult
from runtime.alerts.sender import SendError, SmsSender, TwilioSmsSender

__all__ = [
    "Outbox",
    "PassResult",
    "SendError",
    "SmsSender",
    "TwilioSmsSender",
    "keyword_kind",
    "record_consent_change",
    "record_reply",
]
