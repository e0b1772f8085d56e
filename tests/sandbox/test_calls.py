from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


class _App:
    """The app's webhooks on loopback: fixed TwiML per path, and the order they were asked."""

    def __init__(self, documents: dict[str, str]) -> None:
        self.asked: list[str] = []
        self.documents = documents
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                path = self.path.split("?", 1)[0]
                app.asked.append(path)
                body = app.documents.get(path, "<Response/>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_a_placed_call_forwarded_back_runs_its_own_twiml_once_the_arrival_answers(
    tenant: Client, sandbox: SandboxHandle
) -> None:
    """On Twilio the placed call's ``Url`` is requested when the call connects, i.e. when the
    forwarded arrival is answered, and its words reach whoever the arrival dials: requested
    after the arrival's voice URL, before the arrival's ``<Dial>`` ends; heard in the app."""
    words = "This is the placed call speaking"
    app = _App({"/placed": f'<Response><Say>{words}</Say><Pause length="10"/><Hangup/></Response>'})
    app.documents["/arrival"] = (
        f'<Response><Dial action="{app.url}/dialled"><Sip>sip:app@example.org</Sip></Dial>'
        "</Response>"
    )
    try:
        number = tenant.incoming_phone_numbers.create(
            phone_number="+15145550105", voice_url=f"{app.url}/arrival"
        )
        own = "+15145550178"
        sandbox.control.handset(own, "unconditional", number.phone_number)
        call = tenant.calls.create(to=own, from_=number.phone_number, url=f"{app.url}/placed")
        deadline = time.monotonic() + 10.0
        while tenant.calls(call.sid).fetch().status in {"queued", "ringing", "in-progress"}:
            assert time.monotonic() < deadline, "the placed call never ended"
            time.sleep(0.02)
    finally:
        app.server.shutdown()
        app.server.server_close()
    assert tenant.calls(call.sid).fetch().status == "completed"
    assert app.asked == ["/arrival", "/placed", "/dialled"]
    calls = sandbox.control.state()["calls"]
    [arrival] = [c for c in calls if c["direction"] == "inbound" and c["to"] == number.phone_number]
    assert arrival["forwarded_from"] == own
    [app_leg] = [c for c in calls if c["to"] == "sip:app@example.org"]
    says = [e for e in arrival["events"] if e.endswith(f"caller says: {words}")]
    assert says, arrival["events"]
    hung_up = [e for e in app_leg["events"] if e.endswith("hung up")]
    assert says[0] < hung_up[0]  # said while the app was on the line (one clock stamps both)


def test_a_participant_nobody_answers_rings_until_a_call_enters_its_conference(
    tenant: Client, sandbox: SandboxHandle
) -> None:
    """Twilio answers the create at once and rings in the background; an unanswered leg is
    known only after ringing, by when the call that asked for it has entered the conference,
    so its outcome can never overtake that call's TwiML."""
    uri = "sip:user_ring@ring.sip.twilio.com"
    sandbox.control.sip_endpoint(uri, "no-answer", secure_only=False)
    room = tenant.conferences("ethiq-ringing").participants
    created = room.create(from_="+15145550100", to=uri, label="person", timeout=5)
    assert created.status == "queued"
    [conference] = tenant.conferences.list(friendly_name="ethiq-ringing")
    fetched = tenant.conferences(conference.sid).participants(created.call_sid).fetch()
    assert fetched.status == "ringing"  # not yet reported unanswered: nobody entered
    assert tenant.calls(created.call_sid).fetch().status == "ringing"
