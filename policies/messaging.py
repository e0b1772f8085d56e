"""Texting North American carriers accept: US A2P 10DLC registration, Canadian A2P filtering.

Ethiq buys a local number (a long code) in the tenant's region, and alerts are application-to-
person (A2P) traffic:

- **US**: carriers block A2P traffic from unregistered US long codes to US recipients; a brand and
  a campaign must be registered (A2P 10DLC) and the Messaging Service attached to the campaign.
  https://www.twilio.com/docs/messaging/compliance/a2p-10dlc
  https://help.twilio.com/articles/360038173654 (long code, toll-free, short code compared)
- **Canada**: 10DLC does not exist; Canadian carriers filter A2P traffic on long codes and do not
  lift it. Twilio recommends short codes, toll-free verified numbers being the best alternative.
  https://www.twilio.com/en-us/guidelines/ca/sms
  https://www.twilio.com/en-us/guidelines/ca/short-code
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import phonenumbers

from infra.tenant_config import (
    REGIONS,
    SENDER_TOLL_FREE,
    ConfigError,
    parse_a2p_campaign,
    parse_sender,
)

__all__ = ["canadian_a2p_filtering", "unregistered_us_a2p"]


def _recipient_countries(values: Mapping[str, Any]) -> list[tuple[int, str]]:
    """``(index, ISO country)`` of each emergency contact whose number parses."""
    contacts = values.get("contacts")
    found = []
    for index, contact in enumerate(contacts if isinstance(contacts, list) else []):
        number = contact.get("number") if isinstance(contact, Mapping) else contact
        text = str(number or "").partition(":")[0].strip()
        try:
            parsed = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            continue  # tenant-config reports it
        found.append((index, phonenumbers.region_code_for_number(parsed) or ""))
    return found


def _sender_country(values: Mapping[str, Any]) -> str | None:
    region = REGIONS.get(str(values.get("region")))
    return region.country if region else None


def _toll_free(values: Mapping[str, Any]) -> bool:
    """``ethiq:sender: toll-free``: no long code, the provider checks the Toll-Free
    Verification on Twilio instead (infra/providers/twilio_messaging.py)."""
    try:
        return parse_sender(values.get("sender")) == SENDER_TOLL_FREE
    except ConfigError:
        return False  # tenant-config names the bad value


def unregistered_us_a2p(stack: str, values: Mapping[str, Any]) -> list[str]:
    """A US long code texting US recipients needs a registered A2P 10DLC campaign (or the
    tenant texts from a verified toll-free number)."""
    if _sender_country(values) != "US" or _toll_free(values):
        return []
    us = [index for index, country in _recipient_countries(values) if country == "US"]
    if not us:
        return []
    try:
        campaign = parse_a2p_campaign(values.get("a2pCampaign"))
    except ConfigError:
        return []  # tenant-config names the bad value
    if campaign or values.get("usTexting"):
        # a QE… SID (the provider checks it on Twilio), pending (a reviewed choice), or the
        # business the stack registers the brand and campaign for (ethiq:usTexting)
        return []
    which = ", ".join(f"ethiq:contacts[{i}]" for i in us)
    return [
        f"the tenant's US long code would text US recipients ({which}) without A2P 10DLC "
        "registration: US carriers block that traffic. Declare the business the stack "
        "registers it for (ethiq:usTexting and the secret ethiq:usTextingIdentity; "
        "docs/runbooks.md, US A2P 10DLC), or register it yourself: a campaign is registered on the "
        "tenant's Messaging Service, which this stack creates: set ethiq:a2pCampaign: pending "
        f"in stacks/Pulumi.{stack}.yaml and apply, register the campaign on the service the "
        "stack outputs (messagingServiceSid; Messaging > Regulatory Compliance), then set "
        "ethiq:a2pCampaign: QE… (docs/runbooks.md, US A2P 10DLC)"
    ]


def canadian_a2p_filtering(values: Mapping[str, Any]) -> list[str]:
    """Canadian recipients of a long code: carriers filter A2P traffic; say what Twilio advises."""
    canadian = [index for index, country in _recipient_countries(values) if country == "CA"]
    if not canadian or _toll_free(values):
        return []
    which = ", ".join(f"ethiq:contacts[{i}]" for i in canadian)
    return [
        f"alerts to Canadian recipients ({which}) leave from a long code, whose A2P traffic "
        "Canadian carriers filter (no 10DLC registration exists in Canada): Twilio recommends "
        "a short code, or a verified toll-free number (ethiq:sender: toll-free)"
    ]
