from __future__ import annotations

import time

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle


def test_live_call_update_and_transcription(tenant: Client, sandbox: SandboxHandle) -> None:
    number = tenant.incoming_phone_numbers.create(phone_number="+15145550102")
    live = sandbox.control.register_call(number.phone_number, "+18005550100")
    call_sid = live["sid"]
    assert live["account_sid"] == number.account_sid

    started = tenant.calls(call_sid).transcriptions.create(
        name="screening", track="both_tracks", language_code="fr-CA", partial_results=True
    )
    assert started.sid.startswith("GT")
    assert started.status == "in-progress"
    stopped = tenant.calls(call_sid).transcriptions("screening").update(status="stopped")
    assert stopped.status == "stopped"

    twiml = "<Response><Say>Attention</Say></Response>"
    assert tenant.calls(call_sid).update(twiml=twiml).status == "in-progress"
    assert tenant.calls(call_sid).update(status="completed").status == "completed"
    with pytest.raises(TwilioRestException) as caught:
        tenant.calls(call_sid).update(twiml=twiml)
    assert (caught.value.status, caught.value.code) == (400, 21220)

    (call,) = sandbox.control.state()["calls"]
    assert call["twiml"] == [twiml]
    assert call["status"] == "completed"


def test_unknown_call_is_404(tenant: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        tenant.calls("CA" + "0" * 32).update(twiml="<Response/>")
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_placing_a_call_needs_a_caller_id_of_the_account_and_reaches_the_handset(
    tenant: Client, sandbox: SandboxHandle
) -> None:
    number = tenant.incoming_phone_numbers.create(phone_number="+15145550103")
    twiml = "<Response><Say>Test</Say><Hangup/></Response>"
    with pytest.raises(TwilioRestException) as caught:
        tenant.calls.create(to="+15145550177", from_="+15145550999", twiml=twiml)
    assert (caught.value.status, caught.value.code) == (400, 21210)
    with pytest.raises(TwilioRestException) as caught:
        tenant.calls.create(to="514", from_=number.phone_number, twiml=twiml)
    assert (caught.value.status, caught.value.code) == (400, 21211)
    # A phone that answers: the call's TwiML is what its owner hears.
    sandbox.control.handset("+15145550177", answers=True)
    call = tenant.calls.create(to="+15145550177", from_=number.phone_number, twiml=twiml)
    assert (call.direction, call.status) == ("outbound-api", "queued")
    deadline = time.monotonic() + 10.0
    while tenant.calls(call.sid).fetch().status != "completed":  # placed asynchronously
        assert time.monotonic() < deadline, "the placed call never ended"
        time.sleep(0.02)
    fetched = tenant.calls(call.sid).fetch()
    assert (fetched._from, fetched.to) == (number.phone_number, "+15145550177")
