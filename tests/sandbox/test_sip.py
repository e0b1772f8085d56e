from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle

PASSWORD = "Str0ngEnoughPass"  # noqa: S105 - a test credential


def test_domain_credentials_and_both_mappings(tenant: Client, sandbox: SandboxHandle) -> None:
    domain = tenant.sip.domains.create(
        domain_name="alice-ethiq.sip.twilio.com",
        friendly_name="alice",
        voice_url="https://runtime.example/sip",
        voice_method="POST",
        sip_registration=True,
        secure=True,
    )
    assert domain.sid.startswith("SD")
    assert (domain.sip_registration, domain.secure) == (True, True)
    assert [d.sid for d in tenant.sip.domains.list()] == [domain.sid]

    creds = tenant.sip.credential_lists.create(friendly_name="alice-phones")
    assert creds.sid.startswith("CL")
    credential = tenant.sip.credential_lists(creds.sid).credentials.create(
        username="alice", password=PASSWORD
    )
    assert credential.sid.startswith("CR")
    assert credential.username == "alice"
    listed = tenant.sip.credential_lists(creds.sid).credentials.list()
    assert [c.username for c in listed] == ["alice"]

    calls = tenant.sip.domains(domain.sid).auth.calls.credential_list_mappings.create(
        credential_list_sid=creds.sid
    )
    registrations = tenant.sip.domains(
        domain.sid
    ).auth.registrations.credential_list_mappings.create(credential_list_sid=creds.sid)
    assert calls.sid == registrations.sid == creds.sid
    assert calls.friendly_name == "alice-phones"
    calls_list = tenant.sip.domains(domain.sid).auth.calls.credential_list_mappings.list()
    assert [m.sid for m in calls_list] == [creds.sid]
    assert tenant.sip.domains(domain.sid).fetch().auth_type == "CREDENTIAL_LIST"

    state = sandbox.control.state()
    assert {m["kind"] for m in state["credential_list_mappings"]} == {"calls", "registrations"}
    assert all("password" not in str(c).lower() for c in state["credentials"])
    assert PASSWORD not in str(state)
    assert PASSWORD not in str(sandbox.control.requests())  # redacted in the request log

    updated = tenant.sip.domains(domain.sid).update(voice_url="https://runtime.example/sip2")
    assert updated.voice_url.endswith("/sip2")
    tenant.sip.credential_lists(creds.sid).credentials(credential.sid).update(
        password="An0therGoodOne"  # noqa: S106 - a test credential
    )
    assert tenant.sip.domains(domain.sid).auth.calls.credential_list_mappings(creds.sid).delete()
    assert tenant.sip.domains(domain.sid).auth.calls.credential_list_mappings.list() == []
    assert tenant.sip.credential_lists(creds.sid).credentials(credential.sid).delete()
    assert tenant.sip.domains(domain.sid).delete()
    assert tenant.sip.domains.list() == []


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("alice", "short1A"),  # under 12 characters
        ("alice", "alllowercase123"),  # no upper case
        ("alice", "ALLUPPERCASE123"),  # no lower case
        ("alice", "NoDigitsAtAllHere"),  # no digit
        ("a" * 33, PASSWORD),  # username over 32 characters
    ],
)
def test_weak_credentials_are_refused(tenant: Client, username: str, password: str) -> None:
    creds = tenant.sip.credential_lists.create(friendly_name="phones")
    with pytest.raises(TwilioRestException) as caught:
        tenant.sip.credential_lists(creds.sid).credentials.create(
            username=username, password=password
        )
    assert caught.value.status == 400
    assert tenant.sip.credential_lists(creds.sid).credentials.list() == []


def test_domain_names_are_global_and_must_be_twilios(tenant: Client, parent: Client) -> None:
    tenant.sip.domains.create(domain_name="taken.sip.twilio.com")
    with pytest.raises(TwilioRestException) as caught:
        parent.sip.domains.create(domain_name="taken.sip.twilio.com")  # another account
    assert (caught.value.status, caught.value.code) == (400, 21232)
    with pytest.raises(TwilioRestException) as caught:
        tenant.sip.domains.create(domain_name="alice.example.com")
    assert caught.value.status == 400


def test_mapping_an_unknown_list_is_404(tenant: Client) -> None:
    domain = tenant.sip.domains.create(domain_name="bob-ethiq.sip.twilio.com")
    with pytest.raises(TwilioRestException) as caught:
        tenant.sip.domains(domain.sid).auth.registrations.credential_list_mappings.create(
            credential_list_sid="CL" + "0" * 32
        )
    assert (caught.value.status, caught.value.code) == (404, 20404)
