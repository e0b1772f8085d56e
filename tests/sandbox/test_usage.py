"""Usage Triggers in the sandbox, through the official SDK: created on a subaccount, fired once
per period when recorded usage crosses the value, signed with the subaccount's token; and the
runtime's ``/twilio/usage`` handler receiving them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle
from infra.providers.twilio_usage import SPEND, UsageTriggerProvider
from runtime.telephony import paths
from runtime.telephony.signatures import SIGNATURE_HEADER, public_url, sign
from tests.runtime.helpers import harness, make_settings, make_tenant


class Hooks:
    """A loopback receiver keeping each request's form and signature."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], str]] = []
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                signature = self.headers.get("X-Twilio-Signature") or ""
                hooks.received.append((self.path, dict(parse_qsl(body)), signature))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/usage"


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    receiver = Hooks()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def sub(parent: Client, client_for: Callable[..., Client]) -> tuple[Any, Client]:
    account = parent.api.v2010.accounts.create(friendly_name="acme")
    return account, client_for(account.sid, account.auth_token)


def test_a_monthly_spend_trigger_fires_once_per_month_signed(
    sandbox: SandboxHandle, sub: tuple[Any, Client], hooks: Hooks
) -> None:
    account, own = sub
    trigger = own.usage.triggers.create(
        callback_url=hooks.url,
        trigger_value="8",
        usage_category="totalprice",
        trigger_by="price",
        recurring="monthly",
        friendly_name="spend-100",
    )
    assert trigger.sid.startswith("UT")
    assert (trigger.trigger_value, trigger.recurring, trigger.callback_method) == (
        "8",
        "monthly",
        "POST",
    )
    control = sandbox.control
    assert control.record_usage(account.sid, "calls-inbound", usage=20, price=5, at=_at(3)) == []
    [fired] = control.record_usage(account.sid, "sms-outbound", price=4, at=_at(4))
    assert fired["status"] == 200
    # Same month, more spend: a trigger fires once per period.
    assert control.record_usage(account.sid, "sms-outbound", price=4, at=_at(5)) == []
    [(path, form, signature)] = hooks.received
    assert path == "/usage"
    assert form["UsageTriggerSid"] == trigger.sid
    assert form["AccountSid"] == account.sid
    assert (form["CurrentValue"], form["TriggerValue"], form["TriggerBy"]) == ("9", "8", "price")
    assert (form["Recurring"], form["UsageCategory"]) == ("monthly", "totalprice")
    assert form["IdempotencyToken"]
    # Signed with the subaccount's own token, as Twilio signs every webhook of an account.
    assert RequestValidator(account.auth_token).validate(hooks.url, form, signature)
    assert own.usage.triggers(trigger.sid).fetch().date_fired is not None
    # The next month starts from zero.
    assert control.record_usage(
        account.sid, "sms-outbound", price=9, at="2026-12-02T00:00:00+00:00"
    )
    assert len(hooks.received) == 2


def _at(day: int) -> str:
    return f"2026-11-{day:02d}T12:00:00+00:00"


def test_offsets_updates_filters_and_delete(
    sandbox: SandboxHandle, sub: tuple[Any, Client], hooks: Hooks, parent: Client
) -> None:
    account, own = sub
    sandbox.control.record_usage(account.sid, "calls-inbound", usage=30)
    minutes = own.usage.triggers.create(
        callback_url=hooks.url, trigger_value="+60", usage_category="calls-inbound"
    )
    assert minutes.trigger_by == "usage"  # Twilio's default
    assert minutes.trigger_value == "90"  # 60 above the usage at creation (alltime)
    assert minutes.current_value == "30"
    updated = own.usage.triggers(minutes.sid).update(
        callback_url="https://runtime.example/twilio/usage", friendly_name="minutes"
    )
    assert (updated.callback_url, updated.friendly_name) == (
        "https://runtime.example/twilio/usage",
        "minutes",
    )
    assert [t.sid for t in own.usage.triggers.list(usage_category="calls-inbound")] == [minutes.sid]
    assert own.usage.triggers.list(usage_category="sms") == []
    # Another account's trigger is not found, even by the parent's subaccount client.
    other = parent.api.v2010.accounts.create(friendly_name="other")
    with pytest.raises(TwilioRestException) as caught:
        parent.api.v2010.accounts(other.sid).usage.triggers(minutes.sid).fetch()
    assert caught.value.status == 404
    own.usage.triggers(minutes.sid).delete()
    assert own.usage.triggers.list() == []


def test_the_runtime_records_each_fired_spend_trigger_once_and_tells_the_operator(
    sandbox: SandboxHandle,
    sub: tuple[Any, Client],
    hooks: Hooks,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The stack's two spend triggers (the provider, as `pulumi up` runs it) fire in the sandbox
    as usage crosses them; the runtime, whose public URL is the loopback receiver's (it stands
    where the load balancer is), gets each request exactly as Twilio sent it."""
    account, _ = sub
    for name, value in (
        ("TWILIO_ACCOUNT_SID", sandbox.account_sid),
        ("TWILIO_AUTH_TOKEN", sandbox.auth_token),
        ("TWILIO_API_BASE_URL", sandbox.base_url),
    ):
        monkeypatch.setenv(name, value)
    base = hooks.url.removesuffix("/usage")
    settings = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    settings = settings.model_copy(
        update={"twilio": settings.twilio.model_copy(update={"public_url": base})}
    )
    tenant = make_tenant(subaccount_sid=account.sid, auth_token=account.auth_token)
    provider = UsageTriggerProvider()
    for percent in (80, 100):  # as infra/tenant.py declares them, for a 10 USD limit
        provider.create(
            {
                "account_sid": account.sid,
                "friendly_name": f"ethiq-{tenant.slug}-spend-{percent}",
                "owner": {"platform": "local", "stack": tenant.slug, "stack_id": "1a2b3c4d"},
                "callback_url": public_url(
                    base, paths.USAGE, f"tenant={tenant.slug}&threshold={percent}"
                ),
                "trigger_value": f"{10 * percent / 100:.2f}",
                **SPEND,
                "credentials": {},
            }
        )

    async def scenario() -> None:
        async with harness(settings) as h:
            await h.add_tenant(tenant)
            quotas = h.runtime.quotas

            async def relay(index: int, signature: str | None = None) -> int:
                path, form, signed = hooks.received[index]
                headers = {SIGNATURE_HEADER: signed if signature is None else signature}
                response = await h.client.post(path, data=form, headers=headers)
                return response.status_code

            control = sandbox.control
            [fired] = control.record_usage(account.sid, "calls-inbound", price=8.5, at=_at(10))
            assert fired["status"] == 200
            assert await relay(0) == 204
            [notice] = await quotas.notices(tenant.slug)
            assert (notice.metric, notice.threshold, notice.period) == ("spend", 80, "2026-11")
            assert (notice.used, notice.allowed, notice.source) == (850, 1000, "usage_trigger")
            assert notice.channel == "none"  # spend is Ethiq's cost: the operator hears of it
            assert notice.incident is not None
            incident = await h.runtime.fleet.incidents.get(notice.incident)
            assert incident.open
            assert incident.source == "quota"
            assert "80 % of its spend in 2026-11 (8.50 of 10.00 USD)" in incident.title
            # Twilio retries a callback it got no 2xx for: the repeat changes nothing.
            assert await relay(0) == 204
            assert len(await quotas.notices(tenant.slug)) == 1
            assert len(await h.runtime.fleet.incidents.recent()) == 1
            # Forged: another token's signature, or a payload naming another account.
            assert await relay(0, signature="bm90IGEgc2lnbmF0dXJl") == 403
            [fired] = control.record_usage(account.sid, "sms-outbound", price=2, at=_at(11))
            assert await relay(1) == 204
            spend = [(n.threshold, n.used) for n in await quotas.notices(tenant.slug)]
            assert spend == [(80, 850), (100, 1050)]
            _, form, _ = hooks.received[1]
            assert (form["CurrentValue"], form["TriggerValue"]) == ("10.5", "10")
            forged = {**form, "AccountSid": sandbox.account_sid}
            signature = sign(account.auth_token, public_url(base, *_split(hooks, 1)), forged)
            response = await h.client.post(
                hooks.received[1][0], data=forged, headers={SIGNATURE_HEADER: signature}
            )
            assert response.status_code == 403

    asyncio.run(scenario())


def _split(hooks: Hooks, index: int) -> tuple[str, str]:
    path, _, query = hooks.received[index][0].partition("?")
    return path, query
