from __future__ import annotations

import time

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle
from tests.sandbox.twilio_client import sdk_client

NUMBERS = "*/IncomingPhoneNumbers.json"


def test_429_storm_then_success(tenant: Client, sandbox: SandboxHandle) -> None:
    sandbox.control.fail(429, method="POST", path=NUMBERS, times=3)

    for _ in range(3):
        with pytest.raises(TwilioRestException) as caught:
            tenant.incoming_phone_numbers.create(phone_number="+15145550100")
        assert (caught.value.status, caught.value.code) == (429, 20429)
    assert sandbox.control.state()["incoming_phone_numbers"] == []  # never processed

    bought = tenant.incoming_phone_numbers.create(phone_number="+15145550100")
    assert bought.phone_number == "+15145550100"
    writes = sandbox.control.writes(NUMBERS)
    assert [(w.status, w.code, w.fault) for w in writes] == [
        (429, 20429, "status"),
        (429, 20429, "status"),
        (429, 20429, "status"),
        (201, None, None),
    ]
    assert sandbox.control.faults() == []  # used up


def test_500_and_503_with_custom_code(tenant: Client, sandbox: SandboxHandle) -> None:
    sandbox.control.fail(500, path="*/SIP/Domains.json")
    sandbox.control.fail(503, code=20503, method="GET", path="*/Messages.json")
    with pytest.raises(TwilioRestException) as caught:
        tenant.sip.domains.create(domain_name="x-ethiq.sip.twilio.com")
    assert (caught.value.status, caught.value.code) == (500, 20500)
    with pytest.raises(TwilioException) as failed:  # the SDK's list() raises the base class
        tenant.messages.list()
    assert "20503" in str(failed.value)
    assert "503" in str(failed.value)
    assert tenant.sip.domains.list() == []


def test_fault_scoped_to_one_account(
    parent: Client, tenant: Client, sandbox: SandboxHandle
) -> None:
    sandbox.control.fail(500, account_sid=sandbox.account_sid, times=None)
    assert tenant.incoming_phone_numbers.list() == []  # another account: unaffected
    with pytest.raises(TwilioException):
        parent.incoming_phone_numbers.list()
    sandbox.control.clear_faults()
    assert parent.incoming_phone_numbers.list() == []


def test_drop_after_commit(tenant: Client, sandbox: SandboxHandle) -> None:
    sandbox.control.drop_after_commit(path=NUMBERS)

    with pytest.raises(requests.exceptions.RequestException):
        tenant.incoming_phone_numbers.create(phone_number="+15145550103", friendly_name="lost")

    # Twilio committed the purchase even though the client never saw the answer.
    (number,) = sandbox.control.state()["incoming_phone_numbers"]
    assert (number["phone_number"], number["friendly_name"]) == ("+15145550103", "lost")
    assert [n.phone_number for n in tenant.incoming_phone_numbers.list()] == ["+15145550103"]
    (write,) = sandbox.control.writes(NUMBERS)
    assert write.fault == "drop_after_commit"
    assert write.status == 201


def test_delay_then_client_timeout_after_write(tenant: Client, sandbox: SandboxHandle) -> None:
    sandbox.control.delay(1.0, method="POST", path=NUMBERS)
    impatient = sdk_client(sandbox.base_url, sandbox.account_sid, sandbox.auth_token)
    impatient.http_client.timeout = 0.3
    sub_sid = tenant.account_sid
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        impatient.api.v2010.accounts(sub_sid).incoming_phone_numbers.create(
            phone_number="+15145550104"
        )
    assert time.monotonic() - started < 1.0
    deadline = time.monotonic() + 5
    while not sandbox.control.state()["incoming_phone_numbers"] and time.monotonic() < deadline:
        time.sleep(0.05)  # the sandbox finishes the write after its delay
    assert [n["phone_number"] for n in sandbox.control.state()["incoming_phone_numbers"]] == [
        "+15145550104"
    ]


def test_empty_inventory(tenant: Client, sandbox: SandboxHandle) -> None:
    sandbox.control.empty_inventory("CA", "QC")

    assert tenant.available_phone_numbers("CA").local.list(in_region="QC") == []
    with pytest.raises(TwilioRestException) as caught:
        tenant.incoming_phone_numbers.create(area_code="514")
    assert (caught.value.status, caught.value.code) == (400, 21452)
    with pytest.raises(TwilioRestException) as caught:
        tenant.incoming_phone_numbers.create(phone_number="+15145550105")
    assert caught.value.code == 21422
    assert tenant.available_phone_numbers("CA").local.list(in_region="ON")  # others unaffected

    sandbox.control.clear_faults()
    assert tenant.available_phone_numbers("CA").local.list(in_region="QC")


def test_request_log_counts_writes_and_hides_secrets(
    tenant: Client, sandbox: SandboxHandle
) -> None:
    number = tenant.incoming_phone_numbers.create(
        phone_number="+15145550106", voice_url="https://runtime.example/voice"
    )
    tenant.incoming_phone_numbers(number.sid).fetch()
    creds = tenant.sip.credential_lists.create(friendly_name="p")
    tenant.sip.credential_lists(creds.sid).credentials.create(
        username="u",
        password="Secret0Password",  # noqa: S106 - a test credential
    )

    log = sandbox.control.requests()
    assert [(e.method, e.status) for e in log] == [
        ("POST", 201),  # the subaccount (tenant fixture)
        ("POST", 201),
        ("GET", 200),
        ("POST", 201),
        ("POST", 201),
    ]
    assert log[1].form == {
        "PhoneNumber": "+15145550106",
        "VoiceUrl": "https://runtime.example/voice",
    }
    assert log[1].account_sid == tenant.account_sid
    assert log[-1].form == {"Username": "u", "Password": "***"}
    assert len(sandbox.control.writes(NUMBERS)) == 1
    assert [e.seq for e in log] == sorted(e.seq for e in log)
