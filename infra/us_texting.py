"""``ethiq:usTexting`` and ``ethiq:usTextingIdentity``: who registers a US tenant's texting.

US carriers take A2P texts from a long code only within a verified A2P 10DLC campaign, and from
a toll-free number only once its Toll-Free Verification is approved. The stack registers them
(:mod:`infra.providers.twilio_registration`) from two keys:

- ``ethiq:usTexting`` (plain): the business that sends (name, type, industry, website,
  compliance email) and its authorized representative (``contact``);
- ``ethiq:usTextingIdentity`` (a **secret**, ``pulumi config set --secret``): its EIN and
  address, JSON ``{"ein": "12-3456789", "address": {"street", "city", "region",
  "postalCode"}}``. Set in plain text it is refused: it would sit in git and the state.

What the campaign says (use case, flow, samples) is the platform's: Ethiq's alerts and
invitations are the same for every tenant (:func:`campaign_for`).
https://www.twilio.com/docs/messaging/compliance/a2p-10dlc/collect-business-info
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "BUSINESS_TYPES",
    "IDENTITY_KEY",
    "KEY",
    "UsTexting",
    "UsTextingError",
    "campaign_for",
    "parse_identity",
    "parse_us_texting",
]

KEY: Final = "usTexting"
IDENTITY_KEY: Final = "usTextingIdentity"
# TCR's business types (Trust Hub business information, ``business_type``).
BUSINESS_TYPES: Final = (
    "Sole Proprietorship",
    "Partnership",
    "Limited Liability Corporation",
    "Co-operative",
    "Non-profit Corporation",
    "Corporation",
)
_CONTACT: Final = ("firstName", "lastName", "email", "phone", "title")
_ADDRESS: Final = ("street", "city", "region", "postalCode")
_EIN = re.compile(r"^\d{2}-?\d{7}$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class UsTextingError(ValueError):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class UsTexting:
    business: dict[str, Any]  # as the providers take it (name, type, …, contact)

    def as_config(self) -> dict[str, Any]:
        return dict(self.business)


def _text(values: dict[str, Any], name: str, key: str) -> str:
    value = values.get(name)
    if not isinstance(value, str) or not value.strip():
        raise UsTextingError(key, f"{name} is required (text)")
    return value.strip()


def parse_us_texting(value: Any) -> UsTexting | None:
    """``ethiq:usTexting``: the sending business and its representative; absent: None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise UsTextingError(KEY, "must be a mapping") from None
    if not isinstance(value, dict):
        raise UsTextingError(KEY, "must be a mapping")
    business: dict[str, Any] = {
        name: _text(value, name, KEY) for name in ("name", "type", "industry", "website", "email")
    }
    if business["type"] not in BUSINESS_TYPES:
        raise UsTextingError(KEY, f"type must be one of {', '.join(BUSINESS_TYPES)}")
    if not business["website"].startswith("https://"):
        raise UsTextingError(KEY, "website must be an https:// URL (TCR checks it)")
    contact = value.get("contact")
    if not isinstance(contact, dict):
        raise UsTextingError(KEY, f"contact needs {', '.join(_CONTACT)}")
    business["contact"] = {name: _text(contact, name, f"{KEY}.contact") for name in _CONTACT}
    if not _E164.match(business["contact"]["phone"]):
        raise UsTextingError(f"{KEY}.contact", "phone must be +E.164")
    if value.get("companyType"):
        business["companyType"] = _text(value, "companyType", KEY)
    return UsTexting(business)


def parse_identity(raw: Any, *, secret: bool) -> dict[str, Any]:
    """``ethiq:usTextingIdentity``: the EIN and address, from the stack's **secret** config."""
    if not secret:
        raise UsTextingError(
            IDENTITY_KEY,
            'must be a secret: `pulumi config set --secret ethiq:usTextingIdentity \'{"ein": '
            '…, "address": {…}}\'` (never in plain text: git and the state would hold it)',
        )
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        raise UsTextingError(IDENTITY_KEY, "must be JSON: {ein, address}") from None
    if not isinstance(value, dict):
        raise UsTextingError(IDENTITY_KEY, "must be JSON: {ein, address}")
    ein = str(value.get("ein") or "")
    if not _EIN.match(ein):
        raise UsTextingError(IDENTITY_KEY, "ein is not an EIN (12-3456789)")
    address = value.get("address")
    if not isinstance(address, dict):
        raise UsTextingError(IDENTITY_KEY, f"address needs {', '.join(_ADDRESS)}")
    return {
        "ein": ein,
        "address": {n: _text(address, n, f"{IDENTITY_KEY}.address") for n in _ADDRESS},
    }


def campaign_for(website: str) -> dict[str, Any]:
    """What the campaign (and a toll-free verification) says of Ethiq's texts: fraud alerts
    to the contacts a person chose, who opted in by answering the invitation."""
    return {
        "usecase": "FRAUD_ALERT",
        "description": (
            "Fraud alerts: when a call to a protected person is screened as a likely phone "
            "scam, the emergency contacts they chose get a text saying who called and when."
        ),
        "messageFlow": (
            "The protected person names their emergency contacts; each gets one invitation text "
            "and receives alerts only after replying YES (or OUI). STOP ends them at any time, "
            "HELP answers. Msg&data rates may apply."
        ),
        "messageSamples": [
            "Ethiq: Jeanne may be talking to a scammer (call from +15145550123 at 14:05). "
            "Call her now. Reply OK once handled. STOP to end.",
            "Ethiq: Jeanne chose you as an emergency contact for scam alerts. Reply YES to "
            "agree, STOP to refuse. Msg&data rates may apply.",
        ],
        "hasEmbeddedLinks": False,
        "hasEmbeddedPhone": True,
        "optInImageUrl": f"{website.rstrip('/')}/opt-in",
    }
