"""No verdict or alert is lost to a transient error: a segment, its verdict and its alerts
commit together, so Twilio's retry of the event redoes the work."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from runtime.alerts.tables import bind_tables
from runtime.storage import tenant_namespace
from runtime.storage.names import quote_ident
from runtime.telephony import paths
from tests.runtime.helpers import SCAM_LINES_FR, harness, make_settings, sid
from tests.servers import Server


@pytest.mark.services
def test_an_escalation_that_fails_is_redone_by_twilios_retry(
    postgres: Server, redis: Server
) -> None:
    async def scenario() -> None:
        async with harness(make_settings(postgres.url, redis.url)) as h:
            tenant = await h.add_tenant()
            contact = tenant.contacts[0]
            consent = {
                "MessageSid": sid("SM"),
                "AccountSid": tenant.subaccount_sid,
                "From": contact.number,
                "To": tenant.phone_number,
                "Body": "OUI",
            }
            assert (await h.webhook(paths.SMS, consent, tenant.auth_token)).status_code == 200
            call_sid, _ = await h.call(tenant)
            for sequence, line in enumerate(SCAM_LINES_FR[:-1], start=1):
                assert (await h.say(tenant, call_sid, sequence, line)).status_code == 204
            last = len(SCAM_LINES_FR)

            # A real transient failure: another session holds the alert table, so writing the
            # alert (the last step of the escalation) times out and the event fails.
            blocker = await asyncpg.connect(postgres.url)
            try:
                alert_table = f"{quote_ident(tenant_namespace(tenant.slug))}.alert"
                transaction = blocker.transaction()
                await transaction.start()
                await blocker.execute(f"LOCK TABLE {alert_table} IN ACCESS EXCLUSIVE MODE")
                failed = await h.say(tenant, call_sid, last, SCAM_LINES_FR[-1])
                await transaction.rollback()
            finally:
                await blocker.close()
            assert failed.status_code == 503  # Twilio retries it

            t = bind_tables(h.runtime.storage.engine(tenant.slug))
            call: dict[str, Any] | None = (
                await t.Call.select().where(t.Call.sid == call_sid).first()
            )
            assert call is not None
            assert call["verdict"] != "scam"  # nothing of the failed event was kept
            stored = await t.Segment.count().where(t.Segment.sequence == last)
            assert stored == 0

            retry = await h.say(tenant, call_sid, last, SCAM_LINES_FR[-1])
            assert retry.status_code == 204
            call = await t.Call.select().where(t.Call.sid == call_sid).first()
            assert call is not None
            assert call["verdict"] == "scam"
            alerts = await t.Alert.select(t.Alert.contact)
            assert len(alerts) == 1
            assert (await h.runtime.outbox.run_once()).sent == 1
            assert [m["to"] for m in h.sender.sent] == [contact.number]

    asyncio.run(scenario())
