"""SIP: domains, credential lists and credentials, and the domains' credential-list mappings."""

from __future__ import annotations

import re
from typing import Any

from litestar import Response, delete, get, post

from ethiq.sandbox import render
from ethiq.sandbox.context import Sandbox
from ethiq.sandbox.errors import TwilioApiError, invalid_parameter, not_found
from ethiq.sandbox.formats import API_VERSION, new_sid, now
from ethiq.sandbox.routes.common import (
    AnyRequest,
    Params,
    authorized,
    json_response,
    page_response,
    paging,
    params_of,
    query_of,
)
from ethiq.sandbox.state import (
    Credential,
    CredentialList,
    Mapping,
    MappingKind,
    SipDomain,
)

__all__ = ["ROUTES"]

ACCOUNT = f"/{API_VERSION}/Accounts/{{account_sid:str}}"
SIP = f"{ACCOUNT}/SIP"
DOMAIN_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.sip\.twilio\.com$")
# 21232 for a domain name already in use anywhere in Twilio (names are global).
DOMAIN_TAKEN = 21232
MAX_USERNAME = 32
MIN_PASSWORD = 12
METHODS = frozenset({"GET", "POST"})
DOMAIN_FIELDS = {
    "FriendlyName": "friendly_name",
    "VoiceUrl": "voice_url",
    "VoiceFallbackUrl": "voice_fallback_url",
    "VoiceStatusCallbackUrl": "voice_status_callback_url",
    "EmergencyCallerSid": "emergency_caller_sid",
}
DOMAIN_METHODS = {
    "VoiceMethod": "voice_method",
    "VoiceFallbackMethod": "voice_fallback_method",
    "VoiceStatusCallbackMethod": "voice_status_callback_method",
}
DOMAIN_FLAGS = {
    "SipRegistration": "sip_registration",
    "Secure": "secure",
    "EmergencyCallingEnabled": "emergency_calling_enabled",
}


def _uri(account_sid: str, rest: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/SIP/{rest}.json"


def _page(
    request: AnyRequest, key: str, records: list[Any], render_one: Any, path: str
) -> Response[dict[str, Any]]:
    return page_response(key, records, render_one, path=path, pages=paging(query_of(request)))


# --- domains -------------------------------------------------------------------------------


def _set_domain_name(sandbox: Sandbox, domain: SipDomain, name: str) -> None:
    name = name.lower()
    if not DOMAIN_NAME.fullmatch(name):
        raise invalid_parameter(f"DomainName {name} is invalid: it must end with .sip.twilio.com")
    taken = any(
        d.domain_name == name and d.sid != domain.sid for d in sandbox.store.domains.values()
    )
    if taken:
        raise TwilioApiError(400, DOMAIN_TAKEN, f"The domain {name} is already in use.")
    domain.domain_name = name


def _apply_domain(domain: SipDomain, params: Params) -> None:
    for name, attribute in DOMAIN_FIELDS.items():
        if name in params:
            setattr(domain, attribute, params.get(name) or None)
    for name, attribute in DOMAIN_METHODS.items():
        value = params.get(name)
        if value is not None:
            if value.upper() not in METHODS:
                raise invalid_parameter(f"{name} must be GET or POST")
            setattr(domain, attribute, value.upper())
    for name, attribute in DOMAIN_FLAGS.items():
        flag = params.flag(name)
        if flag is not None:
            setattr(domain, attribute, flag)


def _domain(sandbox: Sandbox, account_sid: str, sid: str) -> SipDomain:
    domain = sandbox.store.domains.get(sid)
    if domain is None or domain.account_sid != account_sid:
        raise not_found(_uri(account_sid, f"Domains/{sid}"))
    return domain


@post(f"{SIP}/Domains")
async def create_domain(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    name = params.get("DomainName")
    if not name:
        raise invalid_parameter("DomainName is required")
    with sandbox.store.lock:
        domain = SipDomain(sid=new_sid("SD"), account_sid=account.sid, domain_name="")
        _set_domain_name(sandbox, domain, name)
        _apply_domain(domain, params)
        sandbox.store.domains[domain.sid] = domain
        return json_response(render.sip_domain(domain, sandbox.store), 201)


@get(f"{SIP}/Domains")
async def list_domains(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        found = [d for d in sandbox.store.domains.values() if d.account_sid == account.sid]
        return _page(
            request,
            "domains",
            found,
            lambda d: render.sip_domain(d, sandbox.store),
            _uri(account.sid, "Domains"),
        )


@get(f"{SIP}/Domains/{{sid:str}}")
async def fetch_domain(request: AnyRequest, account_sid: str, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        return json_response(render.sip_domain(_domain(sandbox, account.sid, sid), sandbox.store))


@post(f"{SIP}/Domains/{{sid:str}}")
async def update_domain(
    request: AnyRequest, account_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    with sandbox.store.lock:
        domain = _domain(sandbox, account.sid, sid)
        if params.get("DomainName"):
            _set_domain_name(sandbox, domain, params.get("DomainName") or "")
        _apply_domain(domain, params)
        domain.date_updated = now()
        return json_response(render.sip_domain(domain, sandbox.store))


@delete(f"{SIP}/Domains/{{sid:str}}", status_code=204)
async def delete_domain(request: AnyRequest, account_sid: str, sid: str) -> None:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        _domain(sandbox, account.sid, sid)
        del sandbox.store.domains[sid]
        for key in [k for k in sandbox.store.mappings if k[0] == sid]:
            del sandbox.store.mappings[key]


# --- credential lists and credentials ------------------------------------------------------


def _credential_list(sandbox: Sandbox, account_sid: str, sid: str) -> CredentialList:
    listed = sandbox.store.credential_lists.get(sid)
    if listed is None or listed.account_sid != account_sid:
        raise not_found(_uri(account_sid, f"CredentialLists/{sid}"))
    return listed


@post(f"{SIP}/CredentialLists")
async def create_list(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    name = params.get("FriendlyName")
    if not name:
        raise invalid_parameter("FriendlyName is required")
    with sandbox.store.lock:
        listed = CredentialList(sid=new_sid("CL"), account_sid=account.sid, friendly_name=name)
        sandbox.store.credential_lists[listed.sid] = listed
        return json_response(render.credential_list(listed), 201)


@get(f"{SIP}/CredentialLists")
async def list_lists(request: AnyRequest, account_sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        found = [c for c in sandbox.store.credential_lists.values() if c.account_sid == account.sid]
        return _page(
            request,
            "credential_lists",
            found,
            render.credential_list,
            _uri(account.sid, "CredentialLists"),
        )


@get(f"{SIP}/CredentialLists/{{sid:str}}")
async def fetch_list(request: AnyRequest, account_sid: str, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        return json_response(render.credential_list(_credential_list(sandbox, account.sid, sid)))


@post(f"{SIP}/CredentialLists/{{sid:str}}")
async def update_list(request: AnyRequest, account_sid: str, sid: str) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    with sandbox.store.lock:
        listed = _credential_list(sandbox, account.sid, sid)
        if not params.get("FriendlyName"):
            raise invalid_parameter("FriendlyName is required")
        listed.friendly_name = params.get("FriendlyName") or listed.friendly_name
        listed.date_updated = now()
        return json_response(render.credential_list(listed))


@delete(f"{SIP}/CredentialLists/{{sid:str}}", status_code=204)
async def delete_list(request: AnyRequest, account_sid: str, sid: str) -> None:
    sandbox, account = authorized(request, account_sid)
    store = sandbox.store
    with store.lock:
        _credential_list(sandbox, account.sid, sid)
        del store.credential_lists[sid]
        for cred in [c for c in store.credentials.values() if c.credential_list_sid == sid]:
            del store.credentials[cred.sid]
        for key in [k for k in store.mappings if k[2] == sid]:
            del store.mappings[key]


def _check_password(password: str) -> None:
    strong = (
        len(password) >= MIN_PASSWORD
        and any(c.isupper() for c in password)
        and any(c.islower() for c in password)
        and any(c.isdigit() for c in password)
    )
    if not strong:
        raise invalid_parameter(
            "Password must be at least 12 characters long, contain at least one digit, "
            "and have mixed case."
        )


def _credential(sandbox: Sandbox, account_sid: str, list_sid: str, sid: str) -> Credential:
    found = sandbox.store.credentials.get(sid)
    if found is None or found.account_sid != account_sid or found.credential_list_sid != list_sid:
        raise not_found(_uri(account_sid, f"CredentialLists/{list_sid}/Credentials/{sid}"))
    return found


@post(f"{SIP}/CredentialLists/{{list_sid:str}}/Credentials")
async def create_credential(
    request: AnyRequest, account_sid: str, list_sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    username, password = params.get("Username") or "", params.get("Password") or ""
    with sandbox.store.lock:
        _credential_list(sandbox, account.sid, list_sid)
        if not username or len(username) > MAX_USERNAME:
            raise invalid_parameter("Username is required and can be up to 32 characters long.")
        _check_password(password)
        if any(
            c.credential_list_sid == list_sid and c.username == username
            for c in sandbox.store.credentials.values()
        ):
            raise invalid_parameter(f"Username {username} already exists in this list.")
        credential = Credential(
            sid=new_sid("CR"),
            account_sid=account.sid,
            credential_list_sid=list_sid,
            username=username,
            password_sha256=Credential.digest(password),
        )
        sandbox.store.credentials[credential.sid] = credential
        return json_response(render.credential(credential), 201)


@get(f"{SIP}/CredentialLists/{{list_sid:str}}/Credentials")
async def list_credentials(
    request: AnyRequest, account_sid: str, list_sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        _credential_list(sandbox, account.sid, list_sid)
        found = [c for c in sandbox.store.credentials.values() if c.credential_list_sid == list_sid]
        return _page(
            request,
            "credentials",
            found,
            render.credential,
            _uri(account.sid, f"CredentialLists/{list_sid}/Credentials"),
        )


@get(f"{SIP}/CredentialLists/{{list_sid:str}}/Credentials/{{sid:str}}")
async def fetch_credential(
    request: AnyRequest, account_sid: str, list_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        return json_response(render.credential(_credential(sandbox, account.sid, list_sid, sid)))


@post(f"{SIP}/CredentialLists/{{list_sid:str}}/Credentials/{{sid:str}}")
async def update_credential(
    request: AnyRequest, account_sid: str, list_sid: str, sid: str
) -> Response[dict[str, Any]]:
    sandbox, account = authorized(request, account_sid)
    params = await params_of(request)
    with sandbox.store.lock:
        credential = _credential(sandbox, account.sid, list_sid, sid)
        password = params.get("Password")
        if password is not None:
            _check_password(password)
            credential.password_sha256 = Credential.digest(password)
        credential.date_updated = now()
        return json_response(render.credential(credential))


@delete(f"{SIP}/CredentialLists/{{list_sid:str}}/Credentials/{{sid:str}}", status_code=204)
async def delete_credential(request: AnyRequest, account_sid: str, list_sid: str, sid: str) -> None:
    sandbox, account = authorized(request, account_sid)
    with sandbox.store.lock:
        _credential(sandbox, account.sid, list_sid, sid)
        del sandbox.store.credentials[sid]


# --- credential list mappings (calls and registrations) ------------------------------------

_KEYS: dict[MappingKind, str] = {"calls": "Calls", "registrations": "Registrations"}


def _mapping_routes(kind: MappingKind) -> list[Any]:
    segment = _KEYS[kind]
    base = f"{SIP}/Domains/{{domain_sid:str}}/Auth/{segment}/CredentialListMappings"

    def uri(account_sid: str, domain_sid: str, rest: str = "") -> str:
        return _uri(
            account_sid, f"Domains/{domain_sid}/Auth/{segment}/CredentialListMappings{rest}"
        )

    def owned(sandbox: Sandbox, account_sid: str, domain_sid: str, sid: str) -> Mapping:
        found = sandbox.store.mappings.get((domain_sid, kind, sid))
        if found is None or found.account_sid != account_sid:
            raise not_found(uri(account_sid, domain_sid, f"/{sid}"))
        return found

    @post(base, name=f"create_{kind}_mapping")
    async def create(
        request: AnyRequest, account_sid: str, domain_sid: str
    ) -> Response[dict[str, Any]]:
        sandbox, account = authorized(request, account_sid)
        params = await params_of(request)
        list_sid = params.get("CredentialListSid") or ""
        with sandbox.store.lock:
            _domain(sandbox, account.sid, domain_sid)
            _credential_list(sandbox, account.sid, list_sid)
            key = (domain_sid, kind, list_sid)
            if key in sandbox.store.mappings:
                raise invalid_parameter(f"{list_sid} is already mapped to this domain.")
            mapping = Mapping(
                sid=list_sid, account_sid=account.sid, domain_sid=domain_sid, kind=kind
            )
            sandbox.store.mappings[key] = mapping
            return json_response(render.mapping(mapping, sandbox.store), 201)

    @get(base, name=f"list_{kind}_mappings")
    async def list_all(
        request: AnyRequest, account_sid: str, domain_sid: str
    ) -> Response[dict[str, Any]]:
        sandbox, account = authorized(request, account_sid)
        with sandbox.store.lock:
            _domain(sandbox, account.sid, domain_sid)
            found = [
                m
                for (domain, k, _), m in sandbox.store.mappings.items()
                if domain == domain_sid and k == kind
            ]
            return _page(
                request,
                "contents",
                found,
                lambda m: render.mapping(m, sandbox.store),
                uri(account.sid, domain_sid),
            )

    @get(f"{base}/{{sid:str}}", name=f"fetch_{kind}_mapping")
    async def fetch(
        request: AnyRequest, account_sid: str, domain_sid: str, sid: str
    ) -> Response[dict[str, Any]]:
        sandbox, account = authorized(request, account_sid)
        with sandbox.store.lock:
            found = owned(sandbox, account.sid, domain_sid, sid)
            return json_response(render.mapping(found, sandbox.store))

    @delete(f"{base}/{{sid:str}}", status_code=204, name=f"delete_{kind}_mapping")
    async def remove(request: AnyRequest, account_sid: str, domain_sid: str, sid: str) -> None:
        sandbox, account = authorized(request, account_sid)
        with sandbox.store.lock:
            owned(sandbox, account.sid, domain_sid, sid)
            del sandbox.store.mappings[(domain_sid, kind, sid)]

    return [create, list_all, fetch, remove]


ROUTES = [
    create_domain,
    list_domains,
    fetch_domain,
    update_domain,
    delete_domain,
    create_list,
    list_lists,
    fetch_list,
    update_list,
    delete_list,
    create_credential,
    list_credentials,
    fetch_credential,
    update_credential,
    delete_credential,
    *_mapping_routes("calls"),
    *_mapping_routes("registrations"),
]
