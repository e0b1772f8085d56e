"""A new SIP password for the person's app, shown once with a QR code; never stored.

Why the runtime sets it, not the stack: the stack owns the credential's identity (username,
list, mappings). A stack-driven password would be written into Pulumi state (encrypted, but in
every checkpoint kept) and still need a channel to hand it to the person, and any copy the stack
kept would be stale after the first change. So the stack creates the credential with a password
nobody knows and keeps none (no input, no output); the runtime sets a fresh one through Twilio's
API (``credentials(sid).update(password=...)``) when the person (or an operator) asks, and
returns it in one page response (``Cache-Control: no-store``): Twilio keeps the only copy, which
its API never returns. ``pulumi up`` never diffs or resets it; replacing the credential (a new
username) makes a new unknown one, and the person creates a password again.
https://www.twilio.com/docs/voice/sip/api/sip-credential-resource
"""

from __future__ import annotations

import asyncio
from typing import Protocol
from urllib.parse import quote

import segno
from twilio.base.exceptions import TwilioException, TwilioRestException

from runtime.telephony.passwords import new_sip_password
from runtime.telephony.twilio_api import TwilioCredentials, make_client
from runtime.tenants import TenantRecord

__all__ = [
    "SipRotationError",
    "SipRotator",
    "TwilioSipRotator",
    "account_uri",
    "qr_svg",
    "sip_domain",
]


class SipRotationError(Exception):
    """Twilio refused or could not be reached: the old password still works."""


def sip_domain(tenant: TenantRecord) -> str:
    """``x.sip.twilio.com`` of the tenant's SIP address."""
    return tenant.sip_address.split("@", 1)[-1].split(";", 1)[0]


def account_uri(tenant: TenantRecord, password: str) -> str:
    """``sip:user:password@domain;transport=tls``: the account as a SIP URI (RFC 3261
    userinfo, percent-encoded), the form generic softphones import from a QR code; vendor
    formats (Acrobits ``csc:``, SessionTalk ``scloc:``) need the vendor's app code."""
    return (
        f"sip:{quote(tenant.sip_username, safe='')}:{quote(password, safe='')}"
        f"@{sip_domain(tenant)};transport=tls"
    )


def qr_svg(tenant: TenantRecord, password: str) -> str:
    """An inline SVG QR code of :func:`account_uri` (no image file, nothing stored)."""
    code = segno.make(account_uri(tenant, password), error="m")
    return str(code.svg_inline(scale=5, border=4, dark="#111"))


class SipRotator(Protocol):
    async def rotate(self, tenant: TenantRecord) -> str:
        """Give the tenant's SIP credential a new password; the password (never stored)."""
        ...


class TwilioSipRotator:
    """Parent credentials acting in the tenant's subaccount, like the stack's providers."""

    def __init__(self, credentials: TwilioCredentials, timeout_s: float = 10.0) -> None:
        self._credentials = credentials
        self._timeout_s = timeout_s

    async def rotate(self, tenant: TenantRecord) -> str:
        password = new_sip_password()
        domain_name = sip_domain(tenant)

        def run() -> None:
            client = make_client(
                self._credentials, account_sid=tenant.subaccount_sid, timeout=self._timeout_s
            )
            domains = [d for d in client.sip.domains.list() if d.domain_name == domain_name]
            if not domains:
                raise SipRotationError(f"no SIP domain {domain_name} in the tenant's account")
            # The lists the app registers with: the domain's registrations mappings.
            mappings = client.sip.domains(domains[0].sid).auth.registrations
            for mapping in mappings.credential_list_mappings.list():
                credentials = client.sip.credential_lists(mapping.sid).credentials
                for credential in credentials.list():
                    if credential.username == tenant.sip_username:
                        credentials(credential.sid).update(password=password)
                        return
            raise SipRotationError(f"no SIP credential {tenant.sip_username} on {domain_name}")

        try:
            await asyncio.wait_for(asyncio.to_thread(run), self._timeout_s * 4)
        except TwilioRestException as error:
            raise SipRotationError(f"Twilio refused: {error.code} {error.msg}") from error
        except (TwilioException, OSError, TimeoutError) as error:
            raise SipRotationError(f"Twilio unreachable: {error!r}") from error
        return password
