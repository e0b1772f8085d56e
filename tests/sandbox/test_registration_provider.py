"""US texting registration providers against the sandbox, without the engine: the A2P 10DLC
brand (Trust Hub profiles, then the brand), its campaign once the brand is approved, the
Toll-Free Verification; vetting outcomes arrive later (the sandbox's control API plays TCR and
Twilio's reviewers), and texts are blocked (30034, 30032) until they are approved."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle
from infra.providers.retry import ProvisioningError
from infra.providers.twilio_messaging import MessagingServiceProvider
from infra.providers.twilio_number import PhoneNumberProvider
from infra.providers.twilio_registration import (
    PENDING,
    WAITING_FOR_BRAND,
    A2PBrandProvider,
    A2PCampaignProvider,
    TollfreeVerificationProvider,
    us_texting_status,
)
from infra.us_texting import campaign_for
from tests.sandbox.test_messages import final_status
from tests.sandbox.test_messaging_provider import OWNER

BUSINESS: dict[str, Any] = {
    "name": "Ethiq Inc.",
    "type": "Corporation",
    "industry": "TECHNOLOGY",
    "website": "https://ethiq.example",
    "email": "compliance@ethiq.example",
    "contact": {
        "firstName": "Ada",
        "lastName": "Tremblay",
        "email": "ada@ethiq.example",
        "phone": "+12125550100",
        "title": "CEO",
    },
}
IDENTITY: dict[str, Any] = {
    "ein": "12-3456789",
    "address": {"street": "1 Main St", "city": "Albany", "region": "NY", "postalCode": "12207"},
}


@pytest.fixture
def sub(sandbox: SandboxHandle, parent: Client, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in (
        ("TWILIO_ACCOUNT_SID", sandbox.account_sid),
        ("TWILIO_AUTH_TOKEN", sandbox.auth_token),
        ("TWILIO_API_BASE_URL", sandbox.base_url),
    ):
        monkeypatch.setenv(name, value)
    return parent.api.v2010.accounts.create(friendly_name="acme")


def _service(sub: Any) -> str:
    props = {
        "account_sid": sub.sid,
        "friendly_name": "ethiq-acme",
        "owner": OWNER,
        "inbound_request_url": "https://runtime.example/twilio/sms",
        "status_callback": "https://runtime.example/twilio/sms-status?tenant=acme",
        "use_inbound_webhook_on_number": False,
        "credentials": {},
    }
    return MessagingServiceProvider().create(props).id


def test_a2p_brand_then_campaign_until_verified(
    sub: Any, client_for: Any, sandbox: SandboxHandle
) -> None:
    own: Client = client_for(sub.sid, sub.auth_token)
    service = _service(sub)
    [local] = own.available_phone_numbers("US").local.list(limit=1)
    number = own.incoming_phone_numbers.create(phone_number=local.phone_number)
    own.messaging.v1.services(service).phone_numbers.create(phone_number_sid=number.sid)
    base = {"account_sid": sub.sid, "credentials": {}}
    brand_props = base | {"friendly_name": "ethiq-acme", "business": BUSINESS}
    brands = A2PBrandProvider()
    # A bad identity is refused before anything is made, saying what is wrong.
    with pytest.raises(ProvisioningError, match="ein is not an EIN"):
        brands.create(brand_props | {"identity": {**IDENTITY, "ein": "123"}})
    made = brands.create(brand_props | {"identity": IDENTITY})
    brand = {**brand_props, "identity": IDENTITY, **(made.outs or {})}
    assert (brand["status"], made.id[:2]) == ("PENDING", "BN")
    trust = own.trusthub.v1
    assert trust.customer_profiles(brand["customer_profile_sid"]).fetch().status == (
        "pending-review"
    )
    assert trust.trust_products(brand["trust_product_sid"]).fetch().status == "pending-review"
    # The campaign waits for the brand: nothing registered, US texts blocked (30034).
    campaigns = A2PCampaignProvider()
    campaign_props = base | {
        "service_sid": service,
        "brand_sid": made.id,
        "brand_status": brand["status"],
        "campaign": campaign_for(BUSINESS["website"]),
    }
    waiting = campaigns.create(campaign_props)
    campaign = {**campaign_props, **(waiting.outs or {})}
    assert campaign["status"] == WAITING_FOR_BRAND
    assert us_texting_status(brand["status"], campaign["status"]) == PENDING
    assert campaigns.diff(waiting.id, campaign, campaign_props).changes  # read again next up
    blocked = own.messages.create(to="+12125550188", messaging_service_sid=service, body="x")
    assert final_status(own, blocked.sid) == ("failed", 30034)
    # TCR approves the brand; the next up reads it, and the campaign is registered under it.
    sandbox.control.a2p_brand(made.id, "APPROVED")
    brand |= brands.update(made.id, brand, brand).outs or {}
    assert brand["status"] == "APPROVED"
    assert not brands.diff(made.id, brand, brand).changes  # settled: no more reads
    news = campaign_props | {"brand_status": "APPROVED"}
    # Twilio commits the campaign but the answer is lost: the retry is refused (one campaign
    # per service), and the provider adopts the campaign of its brand instead of failing.
    sandbox.control.drop_after_commit(method="POST", path="*/Compliance/Usa2p")
    campaign |= campaigns.update(waiting.id, campaign, news).outs or {}
    assert (campaign["status"], campaign["campaign_sid"][:2]) == ("IN_PROGRESS", "QE")
    registered = own.messaging.v1.services(service).us_app_to_person.list()
    assert [c.sid for c in registered] == [campaign["campaign_sid"]]
    posts = sandbox.control.requests(method="POST", path="*/Compliance/Usa2p")
    assert [r.status for r in posts][-1] == 400  # the refused retry
    # A second create is refused as Twilio does (no documented code: 20001); the provider's
    # create adopts it again (a state lost, a second up), never a second campaign.
    with pytest.raises(TwilioRestException) as refused:
        own.messaging.v1.services(service).us_app_to_person.create(
            brand_registration_sid=made.id,
            description=news["campaign"]["description"],
            message_flow=news["campaign"]["messageFlow"],
            message_samples=news["campaign"]["messageSamples"],
            us_app_to_person_usecase=news["campaign"]["usecase"],
            has_embedded_links=False,
            has_embedded_phone=False,
        )
    assert (refused.value.status, refused.value.code) == (400, 20001)
    assert campaigns.create(news).id == campaign["campaign_sid"]
    # A service already holding another brand's campaign: a clear error, nothing adopted.
    other = own.messaging.v1.services.create(friendly_name="registered in the Console")
    sandbox.control.a2p_campaign(other.sid, "VERIFIED")
    with pytest.raises(ProvisioningError, match="already has the A2P 10DLC campaign QE"):
        campaigns.create(news | {"service_sid": other.sid})
    assert us_texting_status(brand["status"], campaign["status"]) == PENDING
    # Vetting fails with a reason: a warning and the status say it; then it is verified.
    sandbox.control.a2p_campaign(service, "FAILED", "Message samples do not match the use case")
    failed = campaigns.update(waiting.id, campaign, news).outs or {}
    assert failed["status"] == "FAILED: Message samples do not match the use case"
    assert us_texting_status("APPROVED", failed["status"]).startswith("failed (FAILED: Message")
    sandbox.control.a2p_campaign(service, "VERIFIED")
    campaign |= campaigns.update(waiting.id, campaign, news).outs or {}
    assert us_texting_status(brand["status"], campaign["status"]) == "verified"
    assert not campaigns.diff(waiting.id, campaign, news).changes
    sent = own.messages.create(to="+12125550188", messaging_service_sid=service, body="x")
    assert final_status(own, sent.sid) == ("delivered", None)
    # New campaign texts replace it, the old one first (Twilio holds one per service).
    reworded = news | {"campaign": {**news["campaign"], "description": "Fraud alerts."}}
    replace = campaigns.diff(waiting.id, campaign, reworded)
    assert (replace.replaces, replace.delete_before_replace) == (["campaign"], True)
    # Delete: the campaign goes (Twilio then blocks again); no API deletes a brand (the
    # resource is retained on delete; a delete of an older state only says so).
    campaigns.delete(waiting.id, campaign)
    assert campaigns.read(waiting.id, campaign).id is None
    gone = httpx.delete(
        f"{sandbox.base_url}/messaging/v1/a2p/BrandRegistrations/{made.id}",
        auth=(sub.sid, sub.auth_token),
    )
    assert (gone.status_code, gone.json()["code"]) == (405, 20004)  # Method not allowed
    brands.delete(made.id, brand)
    assert brands.read(made.id, brand).id == made.id
    assert trust.customer_profiles(brand["customer_profile_sid"]).fetch().sid  # held: kept


def test_a_toll_free_verification_is_submitted_and_read_until_approved(
    sub: Any, client_for: Any, sandbox: SandboxHandle
) -> None:
    own: Client = client_for(sub.sid, sub.auth_token)
    [first, *_] = PhoneNumberProvider().candidates(own, {"country": "US", "toll_free": True})
    number = own.incoming_phone_numbers.create(phone_number=first)
    props = {
        "account_sid": sub.sid,
        "credentials": {},
        "phone_number_sid": number.sid,
        "business": BUSINESS,
        "campaign": campaign_for(BUSINESS["website"]),
        "identity": IDENTITY,
    }
    provider = TollfreeVerificationProvider()
    made = provider.create(props)
    state = {**props, **(made.outs or {})}
    assert (state["status"], made.id[:2]) == ("PENDING_REVIEW", "HH")
    live = own.messaging.v1.tollfree_verifications(made.id).fetch()
    assert live.tollfree_phone_number_sid == number.sid
    blocked = own.messages.create(to="+12125550188", from_=number.phone_number, body="x")
    assert final_status(own, blocked.sid) == ("failed", 30032)
    sandbox.control.tollfree_verification(number.phone_number, "TWILIO_REJECTED", "No opt-in")
    rejected = provider.update(made.id, state, props).outs or {}
    assert rejected["status"] == "TWILIO_REJECTED: No opt-in"
    sandbox.control.tollfree_verification(number.phone_number, "TWILIO_APPROVED")
    state |= provider.update(made.id, state, props).outs or {}
    assert us_texting_status(state["status"]) == "verified"
    assert not provider.diff(made.id, state, props).changes
    sent = own.messages.create(to="+12125550188", from_=number.phone_number, body="x")
    assert final_status(own, sent.sid) == ("delivered", None)
    provider.delete(made.id, state)
    assert provider.read(made.id, state).id is None
