"""The alert outbox: retries, opt-outs, leases, lost answers, withdrawn consent, delivery, and
the escalation chain (contacts in priority order: John 1, then Marie 2)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from runtime.alerts import SendError
from runtime.alerts.tables import bind_tables
from runtime.settings import Settings
from runtime.telephony import paths
from runtime.tenants import TenantContact, TenantRecord
from tests.runtime.helpers import (
    SCAM_LINES_FR,
    Harness,
    harness,
    make_tenant,
    sid,
    unique_caller,
)
from tests.runtime.test_transcription import consent_all

LATER = timedelta(hours=2)


async def scam_call(h: Harness) -> TenantRecord:
    tenant = await h.add_tenant()
    await consent_all(h, tenant)
    call_sid, _ = await h.call(tenant)
    for n, line in enumerate(SCAM_LINES_FR, 1):
        await h.say(tenant, call_sid, n, line)
    return tenant


async def alerts(h: Harness, tenant: TenantRecord) -> list[dict[str, Any]]:
    t = bind_tables(h.runtime.storage.engine(tenant.slug))
    return list(await t.Alert.select().order_by(t.Alert.id))


def test_throttled_then_sent_with_backoff(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            h.sender.failures = [
                SendError("busy", status=429, code=20429),
                SendError("oops", status=503),
            ]
            now = datetime.now(UTC)
            first = await h.runtime.outbox.run_once(now)
            assert (first.sent, first.retried) == (0, 1)
            [row] = await alerts(h, tenant)
            assert row["status"] == "pending"
            base = settings.alerts.backoff_base_s
            assert row["next_attempt_at"] == now + timedelta(seconds=base)
            assert (await h.runtime.outbox.run_once(now)).sent == 0  # not due yet: backoff
            later = now + timedelta(seconds=base)
            assert (await h.runtime.outbox.run_once(later)).retried == 1
            [row] = await alerts(h, tenant)
            assert row["next_attempt_at"] == later + timedelta(seconds=2 * base)  # doubled
            assert (await h.runtime.outbox.run_once(now + LATER)).sent == 1
            assert [r["status"] for r in await alerts(h, tenant)] == ["sent"]
            assert [m["to"] for m in h.sender.sent] == [tenant.contacts[1].number]  # John first
            metrics = (await h.client.get("/metrics")).text
            assert 'ethiq_alerts_total{outcome="sent"} 1.0' in metrics
            assert 'ethiq_alerts_total{outcome="retried"} 2.0' in metrics

    asyncio.run(scenario())


def test_opted_out_recipient_is_never_retried_and_the_next_contact_is_alerted(
    settings: Settings,
) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            h.sender.failures = [SendError("unsubscribed", status=400, code=21610)]
            result = await h.runtime.outbox.run_once()
            assert (result.opted_out, result.sent, result.passed_on) == (1, 0, 1)
            assert (await h.runtime.outbox.run_once()).sent == 1
            statuses = [(r["status"], r["error_code"]) for r in await alerts(h, tenant)]
            assert statuses == [("opted_out", 21610), ("sent", None)]
            assert [m["to"] for m in h.sender.sent] == [tenant.contacts[0].number]  # Marie
            assert (await h.runtime.outbox.run_once(datetime.now(UTC) + LATER)).sent == 0

    asyncio.run(scenario())


def test_claimed_row_of_a_dead_process_is_reclaimed_after_the_lease(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            tables = bind_tables(h.runtime.storage.engine(tenant.slug))
            now = datetime.now(UTC)
            [first] = await alerts(h, tenant)
            # A process claims the row, then dies before sending anything.
            assert await h.runtime.outbox.claim(tables, first["id"], now) is not None
            assert await h.runtime.outbox.claim(tables, first["id"], now) is None  # held
            assert (await h.runtime.outbox.run_once(now)).sent == 0
            after_lease = now + timedelta(seconds=settings.alerts.lease_s + 1)
            assert (await h.runtime.outbox.run_once(after_lease)).sent == 1
            assert [r["attempts"] for r in await alerts(h, tenant)] == [2]
            assert len(h.sender.sent) == 1

    asyncio.run(scenario())


def test_answer_lost_after_twilio_sent_is_not_sent_twice(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            h.sender.delivered_without_answer = 1  # Twilio sends, the answer never comes back
            now = datetime.now(UTC)
            assert (await h.runtime.outbox.run_once(now)).retried == 1
            assert len(h.sender.sent) == 1
            assert (await h.runtime.outbox.run_once(now + LATER)).sent == 1
            assert len(h.sender.sent) == 1  # found by reference, not sent again
            [row] = await alerts(h, tenant)
            assert row["message_sid"] == h.sender.sent[0]["sid"]

    asyncio.run(scenario())


def test_consent_withdrawn_before_sending_passes_the_call_on(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            john, marie = tenant.contacts[1], tenant.contacts[0]
            stop = {
                "MessageSid": sid("SM"),
                "AccountSid": tenant.subaccount_sid,
                "From": john.number,
                "To": tenant.phone_number,
                "Body": "STOP",
            }
            assert (await h.webhook(paths.SMS, stop, tenant.auth_token)).status_code == 200
            result = await h.runtime.outbox.run_once()
            assert (result.sent, result.opted_out, result.passed_on) == (0, 1, 1)
            assert (await h.runtime.outbox.run_once()).sent == 1
            assert [m["to"] for m in h.sender.sent] == [marie.number]

    asyncio.run(scenario())


async def status_callback(
    h: Harness, tenant: TenantRecord, message: dict[str, str], status: str, code: str = ""
) -> int:
    params = {
        "MessageSid": message["sid"],
        "AccountSid": tenant.subaccount_sid,
        "MessageStatus": status,
        "To": message["to"],
        "From": tenant.phone_number,
        **({"ErrorCode": code} if code else {}),
    }
    query = f"tenant={tenant.slug}"
    response = await h.webhook(paths.SMS_STATUS, params, tenant.auth_token, query=query)
    return int(response.status_code)


async def call_row(h: Harness, tenant: TenantRecord) -> dict[str, Any]:
    t = bind_tables(h.runtime.storage.engine(tenant.slug))
    [row] = await t.Call.select()
    return dict(row)


def test_sms_status_callbacks_record_delivery(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            await h.runtime.outbox.run_once()
            [delivered] = h.sender.sent
            assert await status_callback(h, tenant, delivered, "delivered") == 204
            [row] = await alerts(h, tenant)
            # Delivered is not read: the acknowledgement deadline still runs.
            assert row["status"] == "delivered"
            assert row["next_attempt_at"] is not None
            unsigned = await h.webhook(
                paths.SMS_STATUS,
                {"MessageSid": delivered["sid"]},
                None,
                query=f"tenant={tenant.slug}",
            )
            assert unsigned.status_code == 403

    asyncio.run(scenario())


def test_undelivered_alerts_go_down_the_chain_until_nobody_is_left(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """John's alert fails with 30034 (Twilio blocks a US long code in no approved A2P 10DLC
    campaign, texting a US number: https://www.twilio.com/docs/api/errors/30034): permanent, so
    Marie is alerted at once, and the operator is told the sender must be registered."""

    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            await h.runtime.outbox.run_once()
            [to_john] = h.sender.sent
            assert await status_callback(h, tenant, to_john, "failed", "30034") == 204
            assert (await call_row(h, tenant))["degraded"] == "alert-undelivered"
            assert (await h.runtime.outbox.run_once()).sent == 1
            _, to_marie = h.sender.sent
            assert to_marie["to"] == tenant.contacts[0].number
            assert await status_callback(h, tenant, to_marie, "failed", "30005") == 204
            statuses = [(r["status"], r["error_code"]) for r in await alerts(h, tenant)]
            assert statuses == [("failed", 30034), ("failed", 30005)]
            assert (await call_row(h, tenant))["degraded"] == "alert-undelivered,alert-unreached"
            # A repeated callback passes nothing on twice, nor counts twice.
            assert await status_callback(h, tenant, to_john, "failed", "30034") == 204
            assert len(await alerts(h, tenant)) == 2
            metrics = (await h.client.get("/metrics")).text
            assert 'ethiq_alerts_total{outcome="passed_on"} 1.0' in metrics
            assert 'ethiq_alerts_total{outcome="unreached"} 1.0' in metrics
            assert 'ethiq_alerts_total{outcome="undelivered"} 2.0' in metrics
            assert 'ethiq_sms_sender_blocked_total{code="30034"} 1.0' in metrics

    logger = logging.getLogger("runtime.alerts.outbox")  # the app's logging does not propagate
    logger.addHandler(caplog.handler)
    try:
        asyncio.run(scenario())
    finally:
        logger.removeHandler(caplog.handler)
    assert "not in an approved A2P 10DLC campaign" in caplog.text
    blocked = {id(r) for r in caplog.records if "Twilio blocked the sender" in r.getMessage()}
    assert len(blocked) == 1  # (a record may reach caplog twice: by propagation too)


def chain_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"alerts": settings.alerts.model_copy(update={"ack_s": 180.0})}
    )


def test_an_alert_not_acknowledged_in_time_alerts_the_next_contact_too(settings: Settings) -> None:
    settings = chain_settings(settings)

    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            now = datetime.now(UTC)
            assert (await h.runtime.outbox.run_once(now)).sent == 1
            [to_john] = h.sender.sent
            assert await status_callback(h, tenant, to_john, "delivered") == 204
            ack = timedelta(seconds=settings.alerts.ack_s)
            early = await h.runtime.outbox.run_once(now + ack - timedelta(seconds=1))
            assert early.passed_on == 0
            late = await h.runtime.outbox.run_once(now + ack)
            assert (late.passed_on, late.sent) == (1, 0)
            again = await h.runtime.outbox.run_once(now + ack)  # once only
            assert (again.passed_on, again.sent) == (0, 1)
            assert [m["to"] for m in h.sender.sent] == [
                tenant.contacts[1].number,
                tenant.contacts[0].number,
            ]
            statuses = [r["status"] for r in await alerts(h, tenant)]
            assert statuses == ["delivered", "sent"]  # John may still answer: nothing failed
            assert (await call_row(h, tenant))["degraded"] is None

    asyncio.run(scenario())


def test_a_reply_acknowledges_the_alert_and_stops_the_chain(settings: Settings) -> None:
    settings = chain_settings(settings)

    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            now = datetime.now(UTC)
            assert (await h.runtime.outbox.run_once(now)).sent == 1
            [to_john] = h.sender.sent
            assert "Reply OK" in to_john["body"]
            john = tenant.contacts[1]
            reply = {
                "MessageSid": sid("SM"),
                "AccountSid": tenant.subaccount_sid,
                "From": john.number,
                "To": tenant.phone_number,
                "Body": "ok calling her now",
            }
            answer = await h.webhook(paths.SMS, reply, tenant.auth_token)
            assert "we will not alert the next contact" in answer.text  # John's language
            [row] = await alerts(h, tenant)
            assert (row["status"], row["next_attempt_at"]) == ("acknowledged", None)
            # A late receipt does not undo it; the deadline passes without a second alert.
            assert await status_callback(h, tenant, to_john, "delivered") == 204
            ack = timedelta(seconds=settings.alerts.ack_s)
            later = await h.runtime.outbox.run_once(now + ack + LATER)
            assert (later.passed_on, later.sent) == (0, 0)
            assert [r["status"] for r in await alerts(h, tenant)] == ["acknowledged"]
            # The same reply replayed, or a reply with no alert waiting, acknowledges nothing.
            assert (await h.webhook(paths.SMS, reply, tenant.auth_token)).status_code == 200
            marie = tenant.contacts[0]
            other = {**reply, "MessageSid": sid("SM"), "From": marie.number, "Body": "merci"}
            answer = await h.webhook(paths.SMS, other, tenant.auth_token)
            assert "Répondez OUI" in answer.text  # not an acknowledgement: the usual help

    asyncio.run(scenario())


def test_contacts_sharing_a_priority_are_alerted_together(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            contacts = (
                TenantContact(unique_caller(), "Marie", priority=1, language="fr-CA"),
                TenantContact(unique_caller(), "John", priority=1, language="en-US"),
            )
            tenant = await h.add_tenant(make_tenant(contacts=contacts))
            await consent_all(h, tenant)
            call_sid, _ = await h.call(tenant)
            for n, line in enumerate(SCAM_LINES_FR, 1):
                await h.say(tenant, call_sid, n, line)
            assert (await h.runtime.outbox.run_once()).sent == 2

    asyncio.run(scenario())


def test_retries_follow_the_exponential_schedule_then_fail(settings: Settings) -> None:
    """Attempt n waits base * 2**(n-1), never more than an hour; the last attempt fails for good."""
    alert_settings = settings.alerts.model_copy(
        update={"backoff_base_s": 1000.0, "max_attempts": 5}
    )

    async def scenario() -> None:
        async with harness(settings.model_copy(update={"alerts": alert_settings})) as h:
            tenant = await scam_call(h)
            rows = await alerts(h, tenant)
            now = datetime.now(UTC).replace(microsecond=0)
            waits = []
            for _ in range(4):
                h.sender.failures = [SendError("busy", status=429, code=20429)] * len(rows)
                assert (await h.runtime.outbox.run_once(now)).retried == len(rows)
                rows = await alerts(h, tenant)
                due = {r["next_attempt_at"] for r in rows}
                assert len(due) == 1
                waits.append((due.pop() - now).total_seconds())
                assert (await h.runtime.outbox.run_once(now)).retried == 0  # not due yet
                now += timedelta(seconds=waits[-1])
            assert waits == [1000.0, 2000.0, 3600.0, 3600.0]
            h.sender.failures = [SendError("busy", status=429, code=20429)] * len(rows)
            last = await h.runtime.outbox.run_once(now)
            assert (last.failed, last.passed_on) == (1, 1)
            # John failed for good: the call goes on to Marie, the next by priority.
            assert [r["status"] for r in await alerts(h, tenant)] == ["failed", "pending"]

    asyncio.run(scenario())
