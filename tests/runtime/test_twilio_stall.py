"""A stalled Twilio (the sandbox's processes SIGSTOP'd: connections open, nothing answers):
each alert waits at most ``ETHIQ_TWILIO_TIMEOUT_S``, however many are in flight, and fails as
transient (the outbox retries it); once Twilio answers again, the next alert goes out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from ethiq.sandbox.server import SandboxHandle, running_sandbox
from runtime.alerts import SendError, TwilioSmsSender
from runtime.settings import Settings
from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.tenants import TenantRecord
from tests.runtime.helpers import make_tenant, unique_caller
from tests.servers import Server, frozen

TIMEOUT_S = 1.0
MARGIN_S = 1.5  # scheduling on a loaded machine; far below the 10 s a send could take before
IN_FLIGHT = 12  # one tenant's alerts at once: more than the default thread pool's 6 threads


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    """A sandbox of this module's own: freezing it must not stall other tests."""
    with running_sandbox() as handle:
        yield handle


def _tenant(sandbox: SandboxHandle, credentials: TwilioCredentials, name: str) -> TenantRecord:
    """A subaccount with a number of its own, as a tenant stack leaves it."""
    sub = make_client(credentials).api.v2010.accounts.create(friendly_name=name)
    client = make_client(credentials, account_sid=sub.sid)
    [offered] = client.available_phone_numbers("CA").local.list(sms_enabled=True, limit=1)
    number = client.incoming_phone_numbers.create(phone_number=offered.phone_number)
    return make_tenant(
        slug=name,
        phone_number=str(number.phone_number),
        subaccount_sid=str(sub.sid),
        auth_token=str(sub.auth_token),
    )


def test_a_stalled_twilio_costs_each_alert_at_most_the_timeout(sandbox: SandboxHandle) -> None:
    credentials = TwilioCredentials(sandbox.account_sid, sandbox.auth_token, sandbox.base_url)
    busy, other = (_tenant(sandbox, credentials, name) for name in ("stall-a", "stall-b"))
    contact = unique_caller()
    timeout_s = Settings.from_env({"ETHIQ_TWILIO_TIMEOUT_S": str(TIMEOUT_S)}).twilio.timeout_s
    twilio = Server(sandbox.base_url, int(urlsplit(sandbox.base_url).port or 0), pid=sandbox.pid)

    async def run() -> tuple[list[BaseException | str], float, str]:
        sender = TwilioSmsSender(credentials, timeout_s)
        try:
            for tenant in (busy, other):  # connections open and kept alive
                await sender.send(tenant, contact, f"before {tenant.slug}", "")
            with frozen(twilio):
                started = time.monotonic()
                stalled = await asyncio.gather(
                    *(sender.send(busy, contact, f"stalled {n}", "") for n in range(IN_FLIGHT)),
                    sender.send(other, contact, "stalled other", ""),
                    return_exceptions=True,
                )
                elapsed = time.monotonic() - started
            after = await sender.send(other, contact, "after the stall", "")
            return stalled, elapsed, after
        finally:
            await sender.close()

    stalled, elapsed, after = asyncio.run(run())
    assert all(isinstance(r, SendError) and r.transient for r in stalled), stalled
    assert elapsed < TIMEOUT_S + MARGIN_S, f"{len(stalled)} alerts took {elapsed:.1f}s"
    sent = {m["sid"]: m for m in sandbox.control.messages()}
    assert sent[after]["body"] == "after the stall"
    assert sent[after]["account_sid"] == other.subaccount_sid
