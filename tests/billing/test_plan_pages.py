"""Quotas on the pages: the person's page shows this month's use against the plan's limits and
what a failed payment means ("alerts continue until DATE"); the operator page shows each
tenant's use as last metered and its standing."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from runtime.billing import Accounts
from runtime.settings import Settings
from tests.billing.test_quotas import FakeMailer
from tests.runtime.helpers import OPERATOR, Harness, harness, make_settings, make_tenant

AUTH = {"Authorization": f"Bearer {OPERATOR}"}
QUEBEC = ZoneInfo("America/Toronto")  # make_tenant's region, QC


def _settings(tmp_path: Path) -> Settings:
    base = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    twilio = base.twilio.model_copy(update={"public_url": "http://internal.test:8000"})
    return base.model_copy(update={"twilio": twilio})


def _text(page: str, section: str) -> str:
    part = page.split(f'id="{section}"', 1)[1].split("<h2", 1)[0]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", part).split()))


async def _sign_in(h: Harness, mailer: FakeMailer, slug: str) -> None:
    email = f"{slug}@example.org"
    body = {"slug": slug, "email": email}
    assert (await h.client.post("/operator/people/", json=body, headers=AUTH)).status_code == 201
    await h.client.get("/")
    csrf = str(h.client.cookies["csrftoken"])
    await h.client.post("/login", data={"email": email, "_csrf_token": csrf})
    [link] = [m for m in mailer.sent if m.to == email and "/login/" in m.text]
    path = re.search(r"https?://[^/]+(/login/\S+)", link.text).group(1)  # type: ignore[union-attr]
    assert (await h.client.post(path, data={"_csrf_token": csrf})).status_code in {200, 303}


def test_the_person_and_the_operator_see_the_plan_its_use_and_the_standing(
    tmp_path: Path,
) -> None:
    mailer = FakeMailer()

    async def scenario() -> None:
        async with harness(_settings(tmp_path), mailer=mailer) as h:
            tenant = await h.add_tenant(make_tenant(language="fr-CA"))
            await _sign_in(h, mailer, tenant.slug)
            page = (await h.client.get(f"/people/{tenant.slug}")).text
            assert 'id="plan"' not in page  # no billing account: no section

            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            failed = datetime.now(UTC) - timedelta(days=2)
            await accounts._lifecycle(tenant.slug, "past_due", failed)  # as the webhook records
            until = (failed + timedelta(days=14)).astimezone(QUEBEC).date().isoformat()

            page = (await h.client.get(f"/people/{tenant.slug}")).text
            shown = _text(page, "plan")
            assert (
                f"Paiement en retard : les alertes à vos proches continuent jusqu'au {until}"
                in shown
            )
            assert "Forfait Solo" in shown
            assert "Minutes d'appels filtrés : 0 sur 600 (0 %)" in shown
            assert "Alertes par texto à vos proches : 0 sur 30 (0 %)" in shown

            await h.runtime.quotas.meter()  # what the operator page reads
            csrf = str(h.client.cookies["csrftoken"])
            form = {"name": "dana", "token": OPERATOR, "_csrf_token": csrf}
            assert (await h.client.post("/ops/login", data=form)).status_code in {200, 303}
            ops = _text((await h.client.get("/ops")).text, "plans")
            assert f"{tenant.slug} solo (none) 0 / 600 (0 %) 0 / 30 (0 %)" in ops
            assert f"grace until {until}" in ops
            assert "not yet" not in ops  # metered

    asyncio.run(scenario())


def test_the_pages_name_the_standings_end_on_the_tenants_day_as_its_notices(
    tmp_path: Path,
) -> None:
    """The grace ends and the number is kept until 02:00 UTC: 21:00 or 22:00 the day before in
    Quebec, the day the notices name; the pages named the UTC day."""
    mailer = FakeMailer()

    async def scenario() -> None:
        async with harness(_settings(tmp_path), mailer=mailer) as h:
            tenant = await h.add_tenant(make_tenant(language="fr-CA", region="QC"))
            await _sign_in(h, mailer, tenant.slug)
            accounts = Accounts(h.runtime.storage)
            await accounts.open(tenant.slug, f"cus_{tenant.slug}", "solo")
            csrf = str(h.client.cookies["csrftoken"])
            form = {"name": "dana", "token": OPERATOR, "_csrf_token": csrf}
            assert (await h.client.post("/ops/login", data=form)).status_code in {200, 303}
            at_two = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
            failed = at_two - timedelta(days=2)
            await accounts._lifecycle(tenant.slug, "past_due", failed)
            ends = failed + timedelta(days=14)
            local, utc = ends.astimezone(QUEBEC).date().isoformat(), ends.date().isoformat()
            assert local != utc
            shown = _text((await h.client.get(f"/people/{tenant.slug}")).text, "plan")
            assert f"continuent jusqu'au {local}." in shown
            assert utc not in shown
            ops = _text((await h.client.get("/ops")).text, "plans")
            assert f"grace until {local} {ends.astimezone(QUEBEC):%H:%M %Z}" in ops
            assert utc not in ops

            canceled = at_two - timedelta(days=1)
            await accounts._lifecycle(tenant.slug, "canceled", canceled)
            kept = canceled + timedelta(days=30)
            local, utc = kept.astimezone(QUEBEC).date().isoformat(), kept.date().isoformat()
            shown = _text((await h.client.get(f"/people/{tenant.slug}")).text, "plan")
            assert f"votre numéro est gardé jusqu'au {local};" in shown
            assert utc not in shown
            ops = _text((await h.client.get("/ops")).text, "plans")
            assert f"retained until {local}" in ops
            assert utc not in ops

    asyncio.run(scenario())
