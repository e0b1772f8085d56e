"""Twilio's own count of a tenant's inbound minutes, reconciled with the call log's.

The metering counts screened minutes from the tenant's call log (``metering.py``); a call whose
status callback never arrived has no duration there, so the log can count less than Twilio
bills. Twilio's Usage Records say what the subaccount used per category over GMT dates
(https://www.twilio.com/docs/usage/api/usage-record; ``calls-inbound``: minutes, each call
rounded up to the minute as Twilio bills voice). The metering takes the larger of the two and
logs the gap: a minute is never under-counted, and a lagging Usage Record (Twilio updates them
with a delay) never lowers what the call log already counted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Final, Protocol

from runtime.billing.metering import Usage
from runtime.telephony.twilio_api import TwilioCredentials, make_client

__all__ = ["INBOUND", "InboundMinutes", "TwilioUsageRecords", "reconciled"]

logger = logging.getLogger(__name__)

INBOUND: Final = "calls-inbound"  # Twilio's usage category of inbound voice minutes


class InboundMinutes(Protocol):
    """Twilio's inbound minutes of a subaccount from ``start`` to ``end`` (GMT, inclusive);
    blocking (the SDK's): called in a thread."""

    def inbound_minutes(self, subaccount_sid: str, start: date, end: date) -> int: ...


@dataclass(frozen=True, slots=True)
class TwilioUsageRecords:
    """:class:`InboundMinutes` read from Twilio, as the parent account acting on the tenant's
    subaccount."""

    credentials: TwilioCredentials

    def inbound_minutes(self, subaccount_sid: str, start: date, end: date) -> int:
        client = make_client(self.credentials, account_sid=subaccount_sid)
        records = client.api.v2010.accounts(subaccount_sid).usage.records.list(
            category=INBOUND, start_date=start, end_date=end
        )
        total = sum((Decimal(str(r.usage or 0)) for r in records), Decimal(0))
        return int(total.to_integral_value(rounding=ROUND_CEILING))


def reconciled(slug: str, usage: Usage, twilio_minutes: int) -> Usage:
    """``usage`` with the larger of the call log's and Twilio's screened minutes."""
    if twilio_minutes == usage.screened_minutes:
        return usage
    logger.warning(
        "metering %s %s: Twilio counts %d inbound minutes, the call log %d (using %d)",
        slug,
        usage.period,
        twilio_minutes,
        usage.screened_minutes,
        max(twilio_minutes, usage.screened_minutes),
    )
    if twilio_minutes < usage.screened_minutes:
        return usage
    return replace(usage, screened_minutes=twilio_minutes)
