"""The alert outbox: retries, opt-outs, leases, lost answers, withdrawn consent, delivery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from runtime.alerts import SendError
from runtime.settings import Settings
from runtime.storage import bind_tables
from runtime.telephony import paths
from runtime.tenants import TenantRecord
from tests.runtime.helpers import SCAM_LINES_FR, Harness, harness, sid
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
            assert (first.sent, first.retried) == (0, 2)
            rows = await alerts(h, tenant)
            assert [r["status"] for r in rows] == ["pending", "pending"]
            assert all(r["next_attempt_at"] > now for r in rows)
            assert (await h.runtime.outbox.run_once(now)).sent == 0  # not due yet: backoff
            assert (await h.runtime.outbox.run_once(now + LATER)).sent == 2
            assert [r["status"] for r in await alerts(h, tenant)] == ["sent", "sent"]
            assert len(h.sender.sent) == 2
            metrics = (await h.client.get("/metrics")).text
            assert 'ethiq_alerts_total{outcome="sent"} 2.0' in metrics
            assert 'ethiq_alerts_total{outcome="retried"} 2.0' in metrics

    asyncio.run(scenario())


def test_opted_out_recipient_is_never_retried(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            h.sender.failures = [SendError("unsubscribed", status=400, code=21610)]
            result = await h.runtime.outbox.run_once()
            assert (result.opted_out, result.sent) == (1, 1)
            statuses = sorted((r["status"], r["error_code"]) for r in await alerts(h, tenant))
            assert statuses == [("opted_out", 21610), ("sent", None)]
            assert (await h.runtime.outbox.run_once(datetime.now(UTC) + LATER)).sent == 0

    asyncio.run(scenario())


def test_claimed_row_of_a_dead_process_is_reclaimed_after_the_lease(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            tables = bind_tables(h.runtime.storage.engine(tenant.slug))
            now = datetime.now(UTC)
            first, second = await alerts(h, tenant)
            # A process claims both rows, then dies before sending anything.
            assert await h.runtime.outbox.claim(tables, first["id"], now) is not None
            assert await h.runtime.outbox.claim(tables, second["id"], now) is not None
            assert await h.runtime.outbox.claim(tables, first["id"], now) is None  # held
            assert (await h.runtime.outbox.run_once(now)).sent == 0
            after_lease = now + timedelta(seconds=settings.alerts.lease_s + 1)
            assert (await h.runtime.outbox.run_once(after_lease)).sent == 2
            assert [r["attempts"] for r in await alerts(h, tenant)] == [2, 2]
            assert len(h.sender.sent) == 2

    asyncio.run(scenario())


def test_answer_lost_after_twilio_sent_is_not_sent_twice(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            h.sender.delivered_without_answer = 2  # Twilio sends, the answer never comes back
            now = datetime.now(UTC)
            assert (await h.runtime.outbox.run_once(now)).retried == 2
            assert len(h.sender.sent) == 2
            assert (await h.runtime.outbox.run_once(now + LATER)).sent == 2
            assert len(h.sender.sent) == 2  # found by reference, not sent again
            rows = await alerts(h, tenant)
            assert sorted(r["message_sid"] for r in rows) == sorted(m["sid"] for m in h.sender.sent)

    asyncio.run(scenario())


def test_consent_withdrawn_before_sending(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            stop = {
                "MessageSid": sid("SM"),
                "AccountSid": tenant.subaccount_sid,
                "From": tenant.contacts[0].number,
                "To": tenant.phone_number,
                "Body": "ARRÊT",
            }
            assert (await h.webhook(paths.SMS, stop, tenant.auth_token)).status_code == 200
            result = await h.runtime.outbox.run_once()
            assert (result.sent, result.opted_out) == (1, 1)
            assert [m["to"] for m in h.sender.sent] == [tenant.contacts[1].number]

    asyncio.run(scenario())


def test_sms_status_callbacks_record_delivery(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await scam_call(h)
            await h.runtime.outbox.run_once()
            delivered, lost = h.sender.sent
            query = f"tenant={tenant.slug}"
            for message, status, code in (
                (delivered, "delivered", ""),
                (lost, "undelivered", "30005"),
            ):
                params = {
                    "MessageSid": message["sid"],
                    "AccountSid": tenant.subaccount_sid,
                    "MessageStatus": status,
                    "To": message["to"],
                    "From": tenant.phone_number,
                    **({"ErrorCode": code} if code else {}),
                }
                response = await h.webhook(paths.SMS_STATUS, params, tenant.auth_token, query=query)
                assert response.status_code == 204
            by_sid = {r["message_sid"]: r for r in await alerts(h, tenant)}
            assert by_sid[delivered["sid"]]["status"] == "sent"
            assert (by_sid[lost["sid"]]["status"], by_sid[lost["sid"]]["error_code"]) == (
                "failed",
                30005,
            )
            unsigned = await h.webhook(
                paths.SMS_STATUS, {"MessageSid": lost["sid"]}, None, query=query
            )
            assert unsigned.status_code == 403

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
            assert (await h.runtime.outbox.run_once(now)).failed == len(rows)
            assert {r["status"] for r in await alerts(h, tenant)} == {"failed"}

    asyncio.run(scenario())
