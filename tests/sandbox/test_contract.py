"""Twilio's contract: the sandbox's requests and responses are checked against the OpenAPI."""

from __future__ import annotations

import httpx
import pytest
from twilio.rest import Client

from ethiq.sandbox.contract import find_contract
from ethiq.sandbox.server import SandboxHandle


@pytest.fixture
def checked(sandbox: SandboxHandle) -> SandboxHandle:
    if not sandbox.control.contract_checks():
        pytest.skip(sandbox.control.health()["contract_notice"])
    return sandbox


def test_every_endpoint_with_the_sdk_has_zero_violations(
    checked: SandboxHandle, parent: Client, tenant: Client
) -> None:
    parent.api.v2010.accounts.list()
    parent.api.v2010.accounts(tenant.account_sid).fetch()
    parent.api.v2010.accounts(tenant.account_sid).update(friendly_name="renamed")
    found = tenant.available_phone_numbers("CA").local.list(
        near_lat_long="45.50,-73.57",
        distance=25,
        in_region="QC",
        voice_enabled=True,
        sms_enabled=True,
        exclude_all_address_required=True,
        limit=5,
    )
    number = tenant.incoming_phone_numbers.create(
        phone_number=found[0].phone_number,
        voice_url="https://r.example/v",
        voice_method="POST",
        voice_fallback_url="https://r.example/f",
        voice_fallback_method="POST",
        status_callback="https://r.example/s",
        status_callback_method="POST",
        sms_url="https://r.example/m",
        sms_method="POST",
        friendly_name="n",
    )
    tenant.incoming_phone_numbers.list(phone_number=number.phone_number, friendly_name="n")
    tenant.incoming_phone_numbers(number.sid).update(voice_url="https://r.example/v2")
    tenant.incoming_phone_numbers(number.sid).fetch()
    domain = tenant.sip.domains.create(
        domain_name="contract.sip.twilio.com",
        friendly_name="d",
        voice_url="https://r.example/sip",
        voice_method="POST",
        sip_registration=True,
        secure=True,
    )
    tenant.sip.domains.list()
    tenant.sip.domains(domain.sid).update(friendly_name="d2")
    creds = tenant.sip.credential_lists.create(friendly_name="c")
    tenant.sip.credential_lists.list()
    tenant.sip.credential_lists(creds.sid).update(friendly_name="c2")
    tenant.sip.credential_lists(creds.sid).fetch()
    cred = tenant.sip.credential_lists(creds.sid).credentials.create(
        username="u",
        password="Passw0rdIsLong",  # noqa: S106 - a test credential
    )
    tenant.sip.credential_lists(creds.sid).credentials.list()
    tenant.sip.credential_lists(creds.sid).credentials(cred.sid).fetch()
    auth = tenant.sip.domains(domain.sid).auth
    auth.calls.credential_list_mappings.create(credential_list_sid=creds.sid)
    auth.registrations.credential_list_mappings.create(credential_list_sid=creds.sid)
    auth.calls.credential_list_mappings.list()
    auth.registrations.credential_list_mappings.list()
    auth.calls.credential_list_mappings(creds.sid).fetch()
    auth.registrations.credential_list_mappings(creds.sid).fetch()
    message = tenant.messages.create(to="+15145550199", from_=number.phone_number, body="b")
    tenant.messages.list(to="+15145550199", from_=number.phone_number)
    tenant.messages(message.sid).fetch()
    call = checked.control.register_call(number.phone_number, "+18005550100")
    tenant.calls(call["sid"]).fetch()
    tenant.calls(call["sid"]).transcriptions.create(name="t", language_code="fr-CA")
    tenant.calls(call["sid"]).transcriptions("t").update(status="stopped")
    tenant.calls(call["sid"]).update(twiml="<Response/>")
    tenant.calls(call["sid"]).update(status="completed")
    tenant.usage.records.list(category="calls-inbound")
    auth.registrations.credential_list_mappings(creds.sid).delete()
    auth.calls.credential_list_mappings(creds.sid).delete()
    tenant.sip.credential_lists(creds.sid).credentials(cred.sid).delete()
    tenant.sip.credential_lists(creds.sid).delete()
    tenant.sip.domains(domain.sid).delete()
    tenant.incoming_phone_numbers(number.sid).delete()
    parent.api.v2010.accounts(tenant.account_sid).update(status="closed")

    log = checked.control.requests()
    assert len(log) >= 40
    assert all(e.status < 400 for e in log)
    assert checked.control.violations() == []


def test_an_unknown_parameter_is_a_violation(
    checked: SandboxHandle, expect_violations: None
) -> None:
    url = f"{checked.base_url}/2010-04-01/Accounts/{checked.account_sid}/IncomingPhoneNumbers.json"
    auth = (checked.account_sid, checked.auth_token)
    answer = httpx.post(url, data={"PhoneNumber": "+15145550100", "VoiceUrll": "x"}, auth=auth)
    httpx.get(url, params={"PageSize": "many"}, auth=auth)

    assert answer.status_code == 201  # Twilio ignores unknown parameters; the contract does not
    messages = [(v.where, v.operation, v.message) for v in checked.control.violations()]
    assert messages == [
        ("request", "CreateIncomingPhoneNumber", "unknown form parameter VoiceUrll"),
        (
            "request",
            "ListIncomingPhoneNumber",
            "query parameter PageSize: 'many' is not an integer",
        ),
    ]


def test_contract_rejects_a_response_outside_the_schema() -> None:
    contract, notice = find_contract()
    if contract is None:
        pytest.skip(notice)
    path = "/2010-04-01/Accounts/AC" + "a" * 32 + "/SIP/CredentialLists.json"
    _, problems = contract.check_response("POST", path, 201, b'{"sid": "XX", "password": "p"}')
    assert any("sid" in p for p in problems)
    assert any("password" in p for p in problems)  # no field outside Twilio's schema
    _, problems = contract.check_response("POST", path, 200, b"{}")
    assert problems == ["status 200 is not documented ([201])"]


def test_a_resource_field_named_like_a_keyword_is_still_checked() -> None:
    """A usage record has a ``description`` field: a property, not the schema's own text."""
    contract, notice = find_contract()
    if contract is None:
        pytest.skip(notice)
    path = "/2010-04-01/Accounts/AC" + "a" * 32 + "/Usage/Records.json"
    _, problems = contract.check_response("GET", path, 200, b'{"usage_records": [{}]}')
    assert any("'description' is a required property" in p for p in problems)
