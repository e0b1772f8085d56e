"""Before a tenant exists: the operator emails the person Stripe's hosted links (identity, then
card and terms), for the tenant name its stack will have; steps already done get no link.
Against stripe-mock and a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from runtime.billing import Accounts
from runtime.people.onboarding import by_operator
from runtime.settings import BillingSettings, PeopleSettings, Settings
from tests.billing.test_quotas import _with_stripe
from tests.people.conftest import Inbox, parts
from tests.runtime.helpers import OPERATOR, harness, make_settings

AUTH = {"Authorization": f"Bearer {OPERATOR}"}
SLUG = "jeanne-tremblay"


def _settings(tmp_path: Path, port: int, stripe_mock: str | None) -> Settings:
    base = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    base = base.model_copy(update={"people": PeopleSettings(smtp_port=port)})
    if stripe_mock is None:
        return base.model_copy(update={"billing": BillingSettings()})
    return _with_stripe(base, stripe_mock)


def test_the_operator_sends_the_stripe_links_before_the_stack_buys_the_number(
    tmp_path: Path, stripe_mock: str, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    url = f"/operator/people/{SLUG}/billing"
    body = {"email": "Jeanne@Example.org", "language": "fr-CA", "plan": "family"}

    async def scenario() -> None:
        async with harness(_settings(tmp_path, port, stripe_mock)) as h:
            assert (await h.client.post(url, json=body)).status_code == 401
            for bad in ({**body, "plan": "premium"}, {**body, "email": "jeanne"}):
                refused = await h.client.post(url, json=bad, headers=AUTH)
                assert refused.status_code == 400, refused.text
            bad_name = await h.client.post(
                "/operator/people/Bad Name/billing", json=body, headers=AUTH
            )
            assert bad_name.status_code in {400, 404}
            accounts = Accounts(h.runtime.storage)
            assert await accounts.get(SLUG) is None  # a refused request opens nothing

            sent = await h.client.post(url, json=body, headers=AUTH)
            assert sent.status_code == 200, sent.text
            links = sent.json()
            assert links["emailed"] is True
            # Links an operator sent: the onboarding, once it starts, counts as a manual one.
            rows = await h.runtime.fleet.onboarding_rows()
            assert [by_operator(r["how"]) for r in rows if r["slug"] == SLUG] == [True]
            assert links["checkout_url"].startswith("https://")  # Stripe's page, not ours
            account = await accounts.get(SLUG)
            assert account is not None
            assert (account.plan, account.customer_id[:4]) == ("family", "cus_")
            assert account.verification_id.startswith("vs_")
            assert account.kyc_status == links["verification_status"]
            mail = inbox.wait("jeanne@example.org", "vérifiez votre identité")
            text, _ = parts(mail)
            assert links["checkout_url"] in text
            assert "Ethiq ne voit jamais votre carte ni vos documents" in text
            if links["verification_url"]:
                assert links["verification_url"] in text

            # Paid and verified (as the webhooks record): a new request gets no link.
            await accounts.apply_event(
                "evt_sub", "customer.subscription.updated", SLUG, subscription_status="active"
            )
            await accounts.record_verification(SLUG, "vs_done", "verified", datetime.now(UTC))
            again = (await h.client.post(url, json=body, headers=AUTH)).json()
            assert (again["checkout_url"], again["verification_url"]) == ("", "")
            done, _ = parts(inbox.wait("jeanne@example.org", "vérifiez votre identité", 2))
            assert "Tout est déjà fait de votre côté." in done

            # Both steps to do (stripe-mock's Identity sessions come back verified): each link
            # is a button of the HTML part, not only the first.
            identity = "https://verify.stripe.com/start/test_abc"
            checkout = "https://checkout.stripe.com/c/pay/cs_test_abc"
            await h.app.state.people.send_billing_links(
                "jeanne@example.org", "en-US", verification_url=identity, checkout_url=checkout
            )
            text, html = parts(inbox.wait("jeanne@example.org", "verify your identity"))
            for link in (identity, checkout):
                assert link in text
                assert f'<a href="{link}"' in html

        async with harness(_settings(tmp_path / "plain", port, None)) as h:
            unavailable = await h.client.post(url, json=body, headers=AUTH)
            assert unavailable.status_code == 503
            assert "STRIPE_API_KEY" in unavailable.text

    asyncio.run(scenario())
