"""Usage Records in the sandbox, through the official SDK and checked against Twilio's contract;
and the metering reading them: Twilio's inbound minutes reconciled with the call log's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle
from runtime.billing import Accounts
from runtime.billing.usage_records import INBOUND, TwilioUsageRecords
from runtime.telephony.twilio_api import TwilioCredentials
from tests.billing.test_quotas import FakeMailer, _screened
from tests.runtime.helpers import harness, make_settings, make_tenant

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def _at(day: int, month: int = 11) -> str:
    return f"2026-{month:02d}-{day:02d}T12:00:00+00:00"


def test_usage_records_sum_a_category_over_the_dates_asked(
    sandbox: SandboxHandle, parent: Client, client_for: Callable[..., Client]
) -> None:
    control = sandbox.control
    account = parent.api.v2010.accounts.create(friendly_name="acme")
    other = parent.api.v2010.accounts.create(friendly_name="other")
    control.record_usage(account.sid, INBOUND, usage=30, price=0.26, at=_at(3))
    control.record_usage(account.sid, INBOUND, usage=12, price=0.1, at=_at(20))
    control.record_usage(account.sid, INBOUND, usage=99, at=_at(28, month=10))  # October
    control.record_usage(account.sid, "sms-outbound", usage=1, price=0.01, at=_at(4))
    control.record_usage(other.sid, INBOUND, usage=500, at=_at(5))  # not the account's

    own = client_for(account.sid)
    start, end = NOVEMBER
    [inbound] = own.api.v2010.accounts(account.sid).usage.records.list(
        category=INBOUND, start_date=start, end_date=end
    )
    assert (inbound.category, inbound.usage, inbound.usage_unit, inbound.count) == (
        INBOUND,
        "42",
        "minutes",
        "2",
    )
    assert (inbound.start_date, inbound.end_date) == (start, end)
    every = own.api.v2010.accounts(account.sid).usage.records.list(start_date=start, end_date=end)
    assert sorted(r.category for r in every) == [INBOUND, "sms-outbound"]
    [total] = own.api.v2010.accounts(account.sid).usage.records.list(
        category="totalprice", start_date=start, end_date=end
    )
    assert float(total.price) == 0.37  # every category's price in the dates
    reader = TwilioUsageRecords(
        TwilioCredentials(sandbox.account_sid, sandbox.auth_token, sandbox.base_url)
    )
    assert reader.inbound_minutes(account.sid, start, end) == 42
    assert reader.inbound_minutes(other.sid, start, end) == 500


def test_metering_counts_the_minutes_twilio_billed_that_the_call_log_missed(
    sandbox: SandboxHandle, parent: Client, tmp_path: Path
) -> None:
    """500 minutes in the call log, 610 in Twilio's records (a call whose status callback
    never came): the Solo plan's 600 are crossed, both notices told; 400 in Twilio's records
    (not updated yet) never lower the call log's 500."""
    base = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    twilio = base.twilio.model_copy(
        update={
            "account_sid": sandbox.account_sid,
            "auth_token": sandbox.auth_token,
            "api_base_url": sandbox.base_url,
        }
    )
    settings = base.model_copy(update={"twilio": twilio})
    behind, ahead = (parent.api.v2010.accounts.create(friendly_name=n) for n in ("b", "a"))
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

    async def scenario() -> dict[str, Any]:
        async with harness(settings, mailer=FakeMailer()) as h:
            quotas = h.runtime.quotas
            quotas.usage_records = TwilioUsageRecords(
                TwilioCredentials(sandbox.account_sid, sandbox.auth_token, sandbox.base_url)
            )
            found = {}
            for account, minutes in ((ahead, 610), (behind, 400)):
                tenant = await h.add_tenant(make_tenant(subaccount_sid=account.sid))
                await h.add_person(tenant, language="en-US", own_number="")
                await Accounts(h.runtime.storage).open(tenant.slug, f"cus_{tenant.slug}", "solo")
                await _screened(h, tenant, 500, now - timedelta(days=5))
                sandbox.control.record_usage(account.sid, INBOUND, usage=minutes, at=_at(15))
                await quotas.meter(now)
                notices = await quotas.notices(tenant.slug)
                periods = await quotas.periods(tenant.slug)
                [period] = [p for p in periods if p["period"] == "2026-11"]
                found[account.sid] = (
                    [(n.metric, n.threshold, n.used) for n in notices],
                    period["screened_minutes"],
                )
            return found

    found = asyncio.run(scenario())
    assert found[ahead.sid] == (
        [("screened_minutes", 80, 610), ("screened_minutes", 100, 610)],
        610,
    )
    assert found[behind.sid] == ([("screened_minutes", 80, 500)], 500)
