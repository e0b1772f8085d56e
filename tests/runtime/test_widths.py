"""Every stored field is checked against its column at the door: a clear error, nothing half
written, on SQLite and PostgreSQL alike; replayed SMS change nothing twice."""

from __future__ import annotations

import asyncio

import pytest

from infra.tenant_config import CONTACT_NAME_MAX, ConfigError, validate_tenant
from runtime.alerts.tables import bind_tables
from runtime.settings import Settings
from runtime.storage import width
from runtime.telephony import paths
from runtime.tenants import InvalidTenant, TenantContact
from runtime.tenants.schema_tables import Contact
from tests.runtime.helpers import harness, make_tenant, sid, unique_caller


def test_the_config_limit_is_the_column_width() -> None:
    assert width(Contact, "name") == CONTACT_NAME_MAX


def test_a_contact_name_too_long_is_refused_by_the_config_and_the_registry() -> None:
    values = {
        "email": "a@example.org",
        "region": "CA-QC",
        "contacts": [{"number": "+15145550111", "name": "M" * 101}],
    }
    with pytest.raises(ConfigError, match=r"contacts\[0\]\.name.*101 characters.*at most 100"):
        validate_tenant("acme", values)
    with pytest.raises(InvalidTenant, match="101 characters long; at most 100"):
        TenantContact(unique_caller(), "M" * 101)


def test_an_oversized_webhook_value_is_a_clear_400_and_writes_nothing(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant()
            call_sid = sid("CA")
            params = {
                "CallSid": call_sid,
                "AccountSid": tenant.subaccount_sid,
                "From": unique_caller(),
                "To": tenant.phone_number,
                "CallStatus": "completed",
                "CallerName": "X" * 129,
            }
            response = await h.webhook(paths.CALL_STATUS, params, tenant.auth_token)
            assert response.status_code == 400
            assert response.json()["detail"] == (
                "CallerName is 129 characters long; at most 128 are accepted"
            )
            t = bind_tables(h.runtime.storage.engine(tenant.slug))
            assert await t.Call.count() == 0

            # The voice webhook still connects the call (a person never loses a call).
            _, voice = await h.call(tenant, CallerName="X" * 129)
            assert voice.status_code == 200
            assert "<Dial" in voice.text

    asyncio.run(scenario())


def test_a_replayed_sms_changes_nothing(settings: Settings) -> None:
    async def scenario() -> None:
        async with harness(settings) as h:
            tenant = await h.add_tenant(make_tenant())
            contact = tenant.contacts[0]

            async def text(message_sid: str, body: str) -> int:
                params = {
                    "MessageSid": message_sid,
                    "AccountSid": tenant.subaccount_sid,
                    "From": contact.number,
                    "To": tenant.phone_number,
                    "Body": body,
                }
                response = await h.webhook(paths.SMS, params, tenant.auth_token)
                return int(response.status_code)

            yes, no = sid("SM"), sid("SM")
            assert await text(yes, "OUI") == 200
            assert await text(no, "NON") == 200
            assert await text(yes, "OUI") == 200  # replayed: still answered, not recorded
            t = bind_tables(h.runtime.storage.engine(tenant.slug))
            kinds = [r["kind"] for r in await t.Consent.select().order_by(t.Consent.id)]
            assert kinds == ["consent", "withdraw"]

    asyncio.run(scenario())
