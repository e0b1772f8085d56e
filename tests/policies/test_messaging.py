"""us-a2p-registration and canadian-a2p-filtering as plain functions."""

from __future__ import annotations

from typing import Any

import pytest

from infra.tenant_config import ConfigError, validate_tenant
from policies.rules import canadian_a2p_filtering, unregistered_us_a2p
from tests.sandbox.test_registration_provider import BUSINESS

CAMPAIGN = "QE" + "0123456789abcdef" * 2
US: dict[str, Any] = {
    "email": "famille@example.org",
    "region": "US-NY",
    "contacts": [{"number": "+15145550111", "name": "Marie"}, {"number": "+12125550123"}],
}


def test_a_us_long_code_texting_us_recipients_needs_a_campaign() -> None:
    [message] = unregistered_us_a2p("acme", US)
    assert "A2P 10DLC" in message
    assert "ethiq:contacts[1]" in message
    assert "ethiq:contacts[0]" not in message
    assert "ethiq:a2pCampaign" in message
    assert "stacks/Pulumi.acme.yaml" in message
    assert "ethiq:a2pCampaign: pending" in message  # the campaign needs the stack's service
    assert unregistered_us_a2p("acme", {**US, "a2pCampaign": CAMPAIGN}) == []
    assert unregistered_us_a2p("acme", {**US, "a2pCampaign": "pending"}) == []


@pytest.mark.parametrize(
    "values",
    [
        {**US, "region": "CA-QC"},  # a Canadian long code: 10DLC does not apply
        {**US, "contacts": [{"number": "+15145550111"}]},  # no US recipient
        {**US, "a2pCampaign": "nope"},  # a bad value: tenant-config names it
    ],
)
def test_no_campaign_is_asked_for_otherwise(values: dict[str, Any]) -> None:
    assert unregistered_us_a2p("acme", values) == []


def test_the_campaign_key_is_validated_by_name() -> None:
    assert validate_tenant("acme", {**US, "a2pCampaign": CAMPAIGN}).a2p_campaign == CAMPAIGN
    assert validate_tenant("acme", {**US, "a2pCampaign": " Pending"}).a2p_campaign == "pending"
    with pytest.raises(ConfigError) as refused:
        validate_tenant("acme", {**US, "a2pCampaign": "CA123"})
    assert refused.value.key == "a2pCampaign"
    assert "QE and 32 hex digits" in refused.value.reason


def test_canadian_recipients_are_told_what_twilio_recommends() -> None:
    [message] = canadian_a2p_filtering(US)
    assert "ethiq:contacts[0]" in message
    assert "ethiq:contacts[1]" not in message
    assert "short code" in message
    assert "toll-free" in message
    assert canadian_a2p_filtering({**US, "contacts": ["+12125550123:John"]}) == []


def test_a_toll_free_sender_is_the_alternative_for_both_countries() -> None:
    """``ethiq:sender: toll-free``: neither 10DLC nor Canadian long-code filtering applies (the
    provider checks the number's Toll-Free Verification on Twilio instead)."""
    toll_free = {**US, "sender": "Toll-Free"}
    assert unregistered_us_a2p("acme", toll_free) == []
    assert canadian_a2p_filtering(toll_free) == []
    config = validate_tenant("acme", toll_free)
    assert config.sender == "toll-free"
    assert config.as_stack_config()["ethiq:sender"] == "toll-free"
    assert "ethiq:sender" not in validate_tenant("acme", US).as_stack_config()
    with pytest.raises(ConfigError) as refused:
        validate_tenant("acme", {**US, "sender": "short-code"})
    assert refused.value.key == "sender"


def test_a_us_tenant_declaring_its_business_passes_and_needs_no_campaign_sid() -> None:
    """``ethiq:usTexting``: the stack registers the brand and campaign itself."""
    business = BUSINESS
    assert unregistered_us_a2p("acme", {**US, "usTexting": business}) == []
    assert "ethiq:usTexting" in unregistered_us_a2p("acme", US)[0]
    config = validate_tenant("acme", {**US, "usTexting": business})
    assert config.us_texting is not None
    assert config.as_stack_config()["ethiq:usTexting"]["name"] == "Ethiq Inc."
    with pytest.raises(ConfigError) as both:
        validate_tenant("acme", {**US, "usTexting": business, "a2pCampaign": "pending"})
    assert both.value.key == "a2pCampaign"
    with pytest.raises(ConfigError) as bad:
        validate_tenant("acme", {**US, "usTexting": {**business, "website": "http://x"}})
    assert "https://" in bad.value.reason
    canadian = {**US, "region": "CA-QC", "contacts": ["+15145550111"]}
    with pytest.raises(ConfigError) as nothing:
        validate_tenant("acme", {**canadian, "usTexting": business})
    assert "toll-free" in nothing.value.reason
    assert validate_tenant("acme", {**canadian, "usTexting": business, "sender": "toll-free"})
