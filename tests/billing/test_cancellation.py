"""A cancellation offers the person their data: Stripe's signed ``customer.subscription.deleted``,
then the metering job emails the person, once, in their language, the link to their privacy page
and the date the number and data are kept until; the link leads, once signed in, to the export.
The operator is told too. Past the retention, nothing is offered (nothing is kept until then)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from runtime.billing import Accounts
from runtime.billing.quotas import CANCELED
from runtime.people.tables import Person
from runtime.settings import BillingSettings, Settings
from runtime.storage.bind import bind_table
from tests.billing.test_plan_pages import _sign_in
from tests.billing.test_quotas import FakeMailer
from tests.billing.test_webhooks import SECRET, _event, _signed
from tests.runtime.helpers import Harness, harness, make_settings, make_tenant, unique_caller

PUBLIC = "http://internal.test:8000"  # plain http: the test client keeps the session cookie


def _settings(tmp_path: Path) -> Settings:
    base = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    twilio = base.twilio.model_copy(update={"public_url": PUBLIC})
    return base.model_copy(
        update={"twilio": twilio, "billing": BillingSettings(stripe_webhook_secret=SECRET)}
    )


async def _cancel(h: Harness, slug: str, event_id: str) -> None:
    subscription = {
        "id": f"sub_{slug}",
        "object": "subscription",
        "status": "canceled",
        "metadata": {"tenant": slug},
    }
    body, headers = _signed(_event(event_id, "customer.subscription.deleted", subscription))
    response = await h.client.post("/stripe/webhook", content=body, headers=headers)
    assert response.json() == {"status": "applied"}


def test_a_cancellation_emails_the_person_their_export_link_once(tmp_path: Path) -> None:
    mailer = FakeMailer()
    settings = _settings(tmp_path)

    async def scenario() -> None:
        async with harness(settings, mailer=mailer) as h:
            tenant = await h.add_tenant(make_tenant(language="fr-CA"))
            await _sign_in(h, mailer, tenant.slug)  # the person's record, French, signed in
            people = bind_table(Person, h.runtime.storage.platform_engine())
            # An own number too: the offer still goes by email, where the link is kept.
            await people.update({people.own_number: unique_caller()}).where(
                people.slug == tenant.slug
            )
            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            before = len(mailer.sent)
            await _cancel(h, tenant.slug, "evt_cancel_1")

            await h.runtime.quotas.meter()
            await h.runtime.quotas.meter()  # the next run tells nobody twice
            [mail] = mailer.sent[before:]
            until = datetime.now(UTC) + timedelta(days=settings.billing.number_retention_days)
            until = until.astimezone(ZoneInfo("America/Toronto"))  # the tenant's (QC) day
            assert mail.to == f"{tenant.slug}@example.org"
            assert (mail.subject, mail.language) == ("Ethiq: abonnement annulé", "fr-CA")
            assert f"conservés jusqu'au {until.date().isoformat()}" in mail.text
            link = f"{PUBLIC}/people/{tenant.slug}/privacy"
            assert link in mail.text
            assert h.sender.sent == []  # no SMS
            [notice] = await h.runtime.quotas.notices(tenant.slug)
            assert (notice.metric, notice.channel, notice.status) == (CANCELED, "email", "sent")
            [incident] = [
                i for i in await h.runtime.fleet.incidents.recent() if tenant.slug in i.title
            ]
            assert incident.source == "billing"
            assert "offered their data's export" in incident.title

            # The link is the person's privacy page, whose download is their data.
            path = link.removeprefix(PUBLIC)
            page = await h.client.get(path)
            assert page.status_code == 200
            assert f'action="{path}/export"' in page.text
            csrf = str(h.client.cookies["csrftoken"])
            download = await h.client.post(f"{path}/export", data={"_csrf_token": csrf})
            assert download.status_code == 200
            assert tenant.phone_number in json.dumps(json.loads(download.content))

    asyncio.run(scenario())


def test_a_cancellation_found_past_its_retention_offers_nothing(tmp_path: Path) -> None:
    mailer = FakeMailer()
    settings = _settings(tmp_path)

    async def scenario() -> None:
        async with harness(settings, mailer=mailer) as h:
            tenant = await h.add_tenant(make_tenant(language="en-US"))
            await _sign_in(h, mailer, tenant.slug)
            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            await _cancel(h, tenant.slug, "evt_cancel_2")
            before = len(mailer.sent)
            late = datetime.now(UTC) + timedelta(days=settings.billing.number_retention_days + 1)
            await h.runtime.quotas.meter(late)
            assert not [m for m in mailer.sent[before:] if re.search("canceled", m.subject)]
            assert await h.runtime.quotas.notices(tenant.slug) == []

    asyncio.run(scenario())
