"""The Tenant component: everything one protected person needs, as children of one resource."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pulumi

from infra.providers.database import Registration, TenantSchema
from infra.providers.ownership import StackIdentity
from infra.providers.twilio_account import Subaccount
from infra.providers.twilio_address import EmergencyAddress
from infra.providers.twilio_messaging import CONSOLE_STEP, MessagingSender, MessagingService
from infra.providers.twilio_number import PhoneNumber
from infra.providers.twilio_registration import (
    A2PBrand,
    A2PCampaign,
    TollfreeVerification,
    registry_us_texting,
    us_texting_status,
)
from infra.providers.twilio_serverless import (
    FALLBACK_PATH,
    FallbackDeployment,
    HostedFallback,
    fallback_documents,
)
from infra.providers.twilio_sip import (
    CredentialListMapping,
    SipCredential,
    SipCredentialList,
    SipDomain,
)
from infra.providers.twilio_usage import UsageTrigger
from infra.tenant_config import SENDER_TOLL_FREE, TenantConfig
from infra.us_texting import campaign_for
from runtime.telephony.paths import SMS_STATUS, USAGE, webhook_urls
from runtime.telephony.signatures import public_url

__all__ = ["Tenant", "TenantArgs", "sip_domain_name"]


@dataclass(frozen=True)
class TenantArgs:
    config: TenantConfig
    runtime_url: str
    twilio: pulumi.Output[dict[str, str]]  # parent credentials (secret)
    database_url: pulumi.Output[str]  # secret
    registry_key: pulumi.Output[str]  # secret
    adopt_stack_id: str | None = None  # a removed stack's resources to adopt (ownership.py)
    # ethiq:usTextingIdentity (secret: EIN and address), with ethiq:usTexting only.
    us_texting_identity: pulumi.Output[dict[str, Any]] | None = None


def sip_domain_name(tenant: str, subaccount_sid: str) -> str:
    """``<tenant>-<short id>.sip.twilio.com``: SIP domain names are global across Twilio, the
    short id (stable: derived from the subaccount) keeps two platforms' tenants apart."""
    short = hashlib.sha256(f"{tenant}:{subaccount_sid}".encode()).hexdigest()[:6]
    return f"{tenant}-{short}.sip.twilio.com"


class Tenant(pulumi.ComponentResource):
    phone_number: pulumi.Output[str]
    sip_address: pulumi.Output[str]
    sip_username: pulumi.Output[str]
    subaccount_sid: pulumi.Output[str]
    schema: pulumi.Output[str]
    messaging_service_sid: pulumi.Output[str]
    advanced_opt_out: pulumi.Output[str]
    a2p_campaign_status: pulumi.Output[str]
    us_texting: pulumi.Output[str]

    def __init__(
        self, name: str, args: TenantArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ethiq:index:Tenant", name, None, opts)
        config, creds = args.config, args.twilio
        child = pulumi.ResourceOptions(parent=self)
        # People forward their calls to the number, and closing the subaccount releases it:
        # both stay protected (no destroy, no replacement) until the stack file says
        # ethiq:allowDestroy: true and an `up` has recorded it.
        kept = pulumi.ResourceOptions(parent=self, protect=not config.allow_destroy)
        label = f"ethiq-{name}"
        urls = webhook_urls(args.runtime_url)

        identity = StackIdentity(
            f"{name}-identity", stack=name, adopt=args.adopt_stack_id, opts=child
        )
        owner = identity.owner
        account = Subaccount(
            f"{name}-subaccount", friendly_name=label, owner=owner, credentials=creds, opts=kept
        )
        domain_name = account.sid.apply(lambda sid: sip_domain_name(name, sid))
        username = f"user_{name}"[:32]
        # The voice fallback lives on Twilio, not on the runtime: it rings the person's app
        # (unscreened) through a runtime, load balancer, DNS or certificate outage.
        fallback = HostedFallback(
            f"{name}-fallback",
            account_sid=account.sid,
            friendly_name=label,
            owner=owner,
            credentials=creds,
            opts=child,
        )
        FallbackDeployment(
            f"{name}-fallback-deployment",
            fallback=fallback,
            account_sid=account.sid,
            documents=domain_name.apply(
                lambda d: fallback_documents(f"sip:{username}@{d}", config.language)
            ),
            credentials=creds,
            opts=child,
        )
        # 911 from the SIP app reaches the dispatcher with the person's address; without one
        # the app may not call out at all (no "calls" mapping; the emergency-address policy).
        emergency = (
            EmergencyAddress(
                f"{name}-emergency-address",
                account_sid=account.sid,
                friendly_name=label,
                owner=owner,
                address=config.emergency_address.for_twilio(),
                credentials=creds,
                opts=child,
            )
            if config.emergency_address
            else None
        )
        number = PhoneNumber(
            f"{name}-number",
            account_sid=account.sid,
            friendly_name=label,
            owner=owner,
            country=config.served.country,
            in_region=config.served.subdivision,
            near=f"{config.near[0]},{config.near[1]}",
            webhooks=urls
            | {"voice_fallback_url": pulumi.Output.concat(fallback.origin, FALLBACK_PATH)},
            voice_fallback_method="GET",
            emergency_address_sid=emergency.sid if emergency else "",
            toll_free=config.sender == SENDER_TOLL_FREE,
            credentials=creds,
            tenant=name,
            database_url=args.database_url,
            opts=kept,
        )
        # Its opt-outs and the Console's Advanced Opt-Out settings live in the service: kept too.
        service = MessagingService(
            f"{name}-messaging",
            account_sid=account.sid,
            friendly_name=label,
            owner=owner,
            inbound_request_url=urls["sms_url"],
            status_callback=public_url(args.runtime_url, SMS_STATUS, f"tenant={name}"),
            credentials=creds,
            a2p_campaign=config.a2p_campaign,
            opts=kept,
        )
        us_texting, verification = self._us_texting(name, args, account.sid, service, number, label)
        sender = MessagingSender(
            f"{name}-messaging-sender",
            account_sid=account.sid,
            service_sid=service.sid,
            phone_number_sid=number.sid,
            credentials=creds,
            toll_free=config.sender == SENDER_TOLL_FREE,
            # A toll-free sender reads the verification the stack submits: after it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=verification),
        )
        domain = SipDomain(
            f"{name}-sip-domain",
            account_sid=account.sid,
            domain_name=domain_name,
            friendly_name=label,
            owner=owner,
            voice_url=urls["sip_voice_url"],
            emergency_caller_sid=number.sid if emergency else "",
            credentials=creds,
            opts=child,
        )
        credential_list = SipCredentialList(
            f"{name}-sip-credentials",
            account_sid=account.sid,
            friendly_name=label,
            owner=owner,
            credentials=creds,
            opts=child,
        )
        credential = SipCredential(
            f"{name}-sip-user",
            account_sid=account.sid,
            credential_list_sid=credential_list.sid,
            username=username,
            credentials=creds,
            opts=child,
        )
        for mapping in ("calls", "registrations") if emergency else ("registrations",):
            CredentialListMapping(
                f"{name}-sip-{mapping}",
                account_sid=account.sid,
                domain_sid=domain.sid,
                credential_list_sid=credential_list.sid,
                mapping=mapping,
                credentials=creds,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[credential]),
            )
        # Twilio's way to cap an end user's usage: Usage Triggers on their subaccount's monthly
        # spend, at 80 % (a notice) and 100 % (the limit); calls still connect over it.
        for percent in (80, 100):
            UsageTrigger(
                f"{name}-spend-{percent}",
                account_sid=account.sid,
                friendly_name=f"{label}-spend-{percent}",
                owner=owner,
                amount_usd=config.monthly_spend_limit * percent / 100,
                callback_url=public_url(
                    args.runtime_url, USAGE, f"tenant={name}&threshold={percent}"
                ),
                credentials=creds,
                opts=child,
            )
        sip_address = pulumi.Output.concat("sip:", credential.username, "@", domain.domain_name)
        schema = TenantSchema(
            f"{name}-schema",
            slug=name,
            subaccount_sid=account.sid,
            database_url=args.database_url,
            registry_key=args.registry_key,
            retain_data=config.retain_data,
            opts=child,
        )
        Registration(
            f"{name}-registration",
            slug=name,
            phone_number=number.phone_number,
            sip_address=sip_address,
            sip_username=credential.username,
            subaccount_sid=account.sid,
            auth_token=account.auth_token,
            language=config.language,
            region=config.region,
            contacts=[c.as_config() for c in config.contacts],
            sensitivity=config.sensitivity,
            person_name=config.person_name or None,
            call_countries=list(config.call_countries) or None,
            monitored_numbers=[m.as_config() for m in config.monitored_numbers] or None,
            messaging_service_sid=service.sid,
            # The person's page says whether texts to US contacts (from a toll-free sender:
            # to US and Canadian contacts) are still blocked.
            us_texting=pulumi.Output.all(
                us_texting,
                service.a2p_campaign_status,
                sender.toll_free_status if config.sender == SENDER_TOLL_FREE else "",
            ).apply(lambda s: registry_us_texting(*s)),
            database_url=args.database_url,
            registry_key=args.registry_key,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[schema]),
        )

        self.phone_number = number.phone_number
        self.sip_address = sip_address
        self.sip_username = credential.username
        self.subaccount_sid = account.sid
        self.schema = schema.schema
        self.messaging_service_sid = service.sid
        # What the stack cannot declare (no REST resource): the operator's Console step.
        self.advanced_opt_out = service.sid.apply(
            lambda sid: CONSOLE_STEP.format(sid=sid, tenant=name)
        )
        # "" (no campaign needed), "pending", or Twilio's campaign status (VERIFIED, …).
        self.a2p_campaign_status = service.a2p_campaign_status
        # "" (nothing declared), "pending registration", "verified" or "failed (reason)".
        self.us_texting = us_texting
        self.register_outputs(
            {
                "phoneNumber": self.phone_number,
                "sipAddress": self.sip_address,
                "sipUsername": self.sip_username,
                "subaccountSid": self.subaccount_sid,
                "schema": self.schema,
                "messagingServiceSid": self.messaging_service_sid,
                "advancedOptOut": self.advanced_opt_out,
                "a2pCampaignStatus": self.a2p_campaign_status,
                "usTexting": self.us_texting,
            }
        )

    def _us_texting(
        self,
        name: str,
        args: TenantArgs,
        account_sid: pulumi.Output[str],
        service: MessagingService,
        number: PhoneNumber,
        label: str,
    ) -> tuple[pulumi.Output[str], list[pulumi.Resource]]:
        """The US texting registration the stack makes (``ethiq:usTexting``): a Toll-Free
        Verification of a toll-free sender, else the A2P 10DLC brand and the service's
        campaign under it. Its one-line status: ``pending registration`` until approved."""
        config, creds = args.config, args.twilio
        if config.us_texting is None or args.us_texting_identity is None:
            return pulumi.Output.from_input(""), []
        business = config.us_texting.business
        campaign = campaign_for(business["website"])
        child = pulumi.ResourceOptions(parent=self)
        if config.sender == SENDER_TOLL_FREE:
            verification = TollfreeVerification(
                f"{name}-tollfree-verification",
                account_sid=account_sid,
                phone_number_sid=number.sid,
                business=business,
                campaign=campaign,
                identity=args.us_texting_identity,
                credentials=creds,
                opts=child,
            )
            return verification.status.apply(us_texting_status), [verification]
        brand = A2PBrand(
            f"{name}-a2p-brand",
            account_sid=account_sid,
            friendly_name=label,
            business=business,
            identity=args.us_texting_identity,
            credentials=creds,
            opts=child,
        )
        registered = A2PCampaign(
            f"{name}-a2p-campaign",
            account_sid=account_sid,
            service_sid=service.sid,
            brand_sid=brand.sid,
            brand_status=brand.status,
            campaign=campaign,
            credentials=creds,
            opts=child,
        )
        status = pulumi.Output.all(brand.status, registered.status)
        return status.apply(lambda s: us_texting_status(*s)), []
