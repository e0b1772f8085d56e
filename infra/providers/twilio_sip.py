"""SIP for the person's app: a secure domain, a credential list, one credential, two mappings.

The domain is always secure (TLS + SRTP) with registration on; the credential's password is
generated here to Twilio's rules and leaves only as a Pulumi secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
from pulumi import dynamic
from twilio.base.exceptions import TwilioRestException

from infra.providers.base import CREDENTIALS, TwilioProvider
from infra.providers.ownership import parse_tag
from infra.providers.retry import call_twilio
from runtime.telephony.passwords import new_sip_password

if TYPE_CHECKING:  # the SDK's client loads requests: ~0.2 s per process, types only
    from twilio.rest import Client

__all__ = [
    "CredentialListMapping",
    "SipCredential",
    "SipCredentialList",
    "SipDomain",
]

_NOT_FOUND = 404


def _ignore_missing(action: Any) -> None:
    try:
        action()
    except TwilioRestException as error:
        if error.status != _NOT_FOUND:
            raise


class SipDomainProvider(TwilioProvider):
    kind = "SIP domain"
    update_fields = (
        "friendly_name",
        "voice_url",
        "secure",
        "sip_registration",
        "emergency_caller_sid",
    )
    replace_fields = ("account_sid", "domain_name")

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        domains = call_twilio(client.sip.domains.list, what="listing SIP domains")
        return [_domain(d) for d in domains if d.domain_name == props["domain_name"]]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        return call_twilio(
            lambda: _fetched(lambda: _domain(client.sip.domains(sid).fetch())),
            what="reading the SIP domain",
        )

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _domain(
                client.sip.domains.create(
                    domain_name=props["domain_name"], **_domain_settings(props)
                )
            ),
            what="creating the SIP domain",
            lookup=lambda: self.mine(client, props),
        )

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _domain(client.sip.domains(sid).update(**_domain_settings(props))),
            what="updating the SIP domain",
        )

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        call_twilio(
            lambda: _ignore_missing(client.sip.domains(sid).delete),
            what="deleting the SIP domain",
        )


def _domain(domain: Any) -> dict[str, Any]:
    """What Twilio holds, under the input names (drift shows as a diff)."""
    return {
        "sid": domain.sid,
        "twilio_name": domain.friendly_name,
        "voice_url": domain.voice_url,
        "secure": domain.secure,
        "sip_registration": domain.sip_registration,
        # Emergency calling is on exactly when the tenant's number (with the person's
        # emergency address) is the domain's emergency caller.
        "emergency_caller_sid": (domain.emergency_caller_sid or "")
        if domain.emergency_calling_enabled
        else "",
    }


def _fetched(get: Any) -> dict[str, Any] | None:
    """``get()``, or None when Twilio answers 404 (the resource is gone)."""
    try:
        result: dict[str, Any] | None = get()
    except TwilioRestException as error:
        if error.status == _NOT_FOUND:
            return None
        raise
    return result


def _domain_settings(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "friendly_name": props["twilio_name"],
        "voice_url": props["voice_url"],
        "voice_method": "POST",
        "sip_registration": True,
        "secure": True,
    } | _emergency_settings(props.get("emergency_caller_sid") or "")


def _emergency_settings(caller_sid: str) -> dict[str, Any]:
    """Emergency calling from the SIP app, with the number that carries the emergency address
    as the caller (https://www.twilio.com/docs/voice/sip/api/emergency-calling-api)."""
    if not caller_sid:
        return {"emergency_calling_enabled": False}
    return {"emergency_calling_enabled": True, "emergency_caller_sid": caller_sid}


def _named(item: Any) -> dict[str, Any]:
    return {"sid": item.sid, "twilio_name": item.friendly_name}


class CredentialListProvider(TwilioProvider):
    kind = "SIP credential list"
    update_fields = ("friendly_name",)
    replace_fields = ("account_sid",)

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        lists = call_twilio(client.sip.credential_lists.list, what="listing SIP credential lists")
        return [
            _named(item)
            for item in lists
            if parse_tag(item.friendly_name).name == props["friendly_name"]
        ]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        return call_twilio(
            lambda: _fetched(lambda: _named(client.sip.credential_lists(sid).fetch())),
            what="reading the SIP credential list",
        )

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _named(client.sip.credential_lists.create(friendly_name=props["twilio_name"])),
            what="creating the SIP credential list",
            lookup=lambda: self.mine(client, props),
        )

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: _named(
                client.sip.credential_lists(sid).update(friendly_name=props["twilio_name"])
            ),
            what="renaming the SIP credential list",
        )

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        call_twilio(
            lambda: _ignore_missing(client.sip.credential_lists(sid).delete),
            what="deleting the SIP credential list",
        )


class CredentialProvider(TwilioProvider):
    """A credential has no friendly name to carry a tag; its list (tagged) is the owner's.

    A credential found at create time (a crashed run, a rename) is deleted and made again: its
    password is unknown, and the fresh SID means the older resource's delete cannot remove it.
    """

    kind = "SIP credential"
    replace_fields = ("account_sid", "credential_list_sid", "username")
    tagged = False

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        credentials = call_twilio(
            client.sip.credential_lists(props["credential_list_sid"]).credentials.list,
            what="listing SIP credentials",
        )
        return [
            {"sid": c.sid, "username": c.username}
            for c in credentials
            if c.username == props["username"]
        ]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        credentials = client.sip.credential_lists(props["credential_list_sid"]).credentials
        return call_twilio(
            lambda: _fetched(lambda: {"sid": sid, "username": credentials(sid).fetch().username}),
            what="reading the SIP credential",
        )

    def adopt(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        self.remove(client, sid, props)
        return self.make(client, props)

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        # Twilio requires a password at creation; this one is known to nobody and kept nowhere.
        # The person's app gets its password from the runtime (runtime/people/sip.py: set
        # through Twilio's API, shown once), so the stack holds no SIP secret that a rotation
        # would make stale.
        password = new_sip_password()
        return call_twilio(
            lambda: {
                "sid": client.sip.credential_lists(props["credential_list_sid"])
                .credentials.create(username=props["username"], password=password)
                .sid,
            },
            what="creating the SIP credential",
            lookup=lambda: self.mine(client, props),
        )

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return {"sid": sid}  # nothing to update: every field replaces

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        call_twilio(
            lambda: _ignore_missing(
                client.sip.credential_lists(props["credential_list_sid"]).credentials(sid).delete
            ),
            what="deleting the SIP credential",
        )


class MappingProvider(TwilioProvider):
    """Maps the credential list to the domain for calls or for registrations (``kind``)."""

    kind = "SIP credential list mapping"
    replace_fields = ("account_sid", "domain_sid", "credential_list_sid", "mapping")
    tagged = False

    @staticmethod
    def _mappings(client: Client, props: dict[str, Any]) -> Any:
        auth = client.sip.domains(props["domain_sid"]).auth
        mappings = auth.calls if props["mapping"] == "calls" else auth.registrations
        return mappings.credential_list_mappings

    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        existing = call_twilio(self._mappings(client, props).list, what="listing SIP mappings")
        return [{"sid": m.sid} for m in existing if m.sid == props["credential_list_sid"]]

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        def get() -> dict[str, Any] | None:
            existing = self._mappings(client, props).list()
            return next(({"sid": m.sid} for m in existing if m.sid == sid), None)

        # A 404 (the domain itself is gone) means the mapping is gone too.
        return call_twilio(lambda: _fetched(get), what="reading the SIP mapping")

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        return call_twilio(
            lambda: {
                "sid": self._mappings(client, props)
                .create(credential_list_sid=props["credential_list_sid"])
                .sid
            },
            what=f"mapping the credential list for {props['mapping']}",
            lookup=lambda: self.mine(client, props),
        )

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        return {"sid": sid}  # nothing to update: every field replaces

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        call_twilio(
            lambda: _ignore_missing(self._mappings(client, props)(sid).delete),
            what=f"unmapping the credential list for {props['mapping']}",
        )


def _options(opts: pulumi.ResourceOptions | None, *secret: str) -> pulumi.ResourceOptions:
    extra = pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS, *secret])
    return pulumi.ResourceOptions.merge(opts, extra)


class SipDomain(dynamic.Resource, module="ethiq", name="TwilioSipDomain"):
    sid: pulumi.Output[str]
    domain_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        domain_name: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        owner: pulumi.Input[dict[str, str]],
        voice_url: pulumi.Input[str],
        credentials: pulumi.Input[dict[str, str]],
        emergency_caller_sid: pulumi.Input[str] = "",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "account_sid": account_sid,
            "emergency_caller_sid": emergency_caller_sid,
            "domain_name": domain_name,
            "friendly_name": friendly_name,
            "owner": owner,
            "voice_url": voice_url,
            "secure": True,
            "sip_registration": True,
            CREDENTIALS: credentials,
            "sid": None,
        }
        super().__init__(SipDomainProvider(), name, props, _options(opts))


class SipCredentialList(dynamic.Resource, module="ethiq", name="TwilioSipCredentialList"):
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        owner: pulumi.Input[dict[str, str]],
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "account_sid": account_sid,
            "friendly_name": friendly_name,
            "owner": owner,
            CREDENTIALS: credentials,
            "sid": None,
        }
        super().__init__(CredentialListProvider(), name, props, _options(opts))


class SipCredential(dynamic.Resource, module="ethiq", name="TwilioSipCredential"):
    """No ``password`` output: see :meth:`CredentialProvider.make`. Stacks made before kept one
    (the first password); it stays a secret output of their state until the credential is
    replaced, and the stack no longer exports it."""

    sid: pulumi.Output[str]
    username: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        credential_list_sid: pulumi.Input[str],
        username: pulumi.Input[str],
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "account_sid": account_sid,
            "credential_list_sid": credential_list_sid,
            "username": username,
            CREDENTIALS: credentials,
            "sid": None,
        }
        super().__init__(CredentialProvider(), name, props, _options(opts, "password"))


class CredentialListMapping(dynamic.Resource, module="ethiq", name="TwilioSipMapping"):
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_sid: pulumi.Input[str],
        domain_sid: pulumi.Input[str],
        credential_list_sid: pulumi.Input[str],
        mapping: str,
        credentials: pulumi.Input[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "account_sid": account_sid,
            "domain_sid": domain_sid,
            "credential_list_sid": credential_list_sid,
            "mapping": mapping,
            CREDENTIALS: credentials,
            "sid": None,
        }
        super().__init__(MappingProvider(), name, props, _options(opts))
