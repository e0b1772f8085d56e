"""Messaging Services as Twilio documents them: the service and its sender pool (signed by the
subaccount itself), sending by service SID, Advanced Opt-Out keywords whose state Twilio
enforces (OptOutType, its replies, 21610 for the whole service), and which webhook is called."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ethiq.local import advanced_opt_out
from ethiq.sandbox.server import SandboxHandle

CONTACT = "+15145550199"
NUMBER = "+15145550100"


@pytest.fixture
def own(parent: Client, client_for: Callable[..., Client]) -> Client:
    """A fresh subaccount driven with its own credentials (messaging.twilio.com URLs name no
    account: the signer's is the one acted on)."""
    sub = parent.api.v2010.accounts.create(friendly_name="tenant")
    return client_for(sub.sid, sub.auth_token)


@pytest.fixture
def service(own: Client) -> Any:
    number = own.incoming_phone_numbers.create(phone_number=NUMBER, sms_url="http://127.0.0.1:9/n")
    created = own.messaging.v1.services.create(
        friendly_name="ethiq-acme", inbound_request_url="http://127.0.0.1:9/s"
    )
    own.messaging.v1.services(created.sid).phone_numbers.create(phone_number_sid=number.sid)
    return created


def test_a_service_with_its_pool_is_the_signers_own(
    own: Client, parent: Client, service: Any
) -> None:
    assert service.sid.startswith("MG")
    assert service.use_inbound_webhook_on_number is False
    [pooled] = own.messaging.v1.services(service.sid).phone_numbers.list()
    assert pooled.phone_number == NUMBER
    assert [s.sid for s in own.messaging.v1.services.list()] == [service.sid]
    assert parent.messaging.v1.services.list() == []  # the parent's credentials act on the parent
    other = own.messaging.v1.services.create(friendly_name="other")
    with pytest.raises(TwilioRestException) as caught:
        own.messaging.v1.services(other.sid).phone_numbers.create(phone_number_sid=pooled.sid)
    assert caught.value.code == 21712  # one Messaging Service per number
    updated = own.messaging.v1.services(service.sid).update(status_callback="http://127.0.0.1:9/t")
    assert updated.status_callback == "http://127.0.0.1:9/t"
    own.messaging.v1.services(other.sid).delete()
    with pytest.raises(TwilioRestException) as gone:
        own.messaging.v1.services(other.sid).fetch()
    assert gone.value.status == 404


def test_sending_by_service_sid_picks_the_pools_number(own: Client, service: Any) -> None:
    message = own.messages.create(to=CONTACT, messaging_service_sid=service.sid, body="Alerte")
    assert (message.from_, message.messaging_service_sid) == (NUMBER, service.sid)
    with pytest.raises(TwilioRestException) as caught:
        own.messages.create(to=CONTACT, messaging_service_sid="MG" + "0" * 32, body="x")
    assert caught.value.code == 21705
    empty = own.messaging.v1.services.create(friendly_name="empty")
    with pytest.raises(TwilioRestException) as none:
        own.messages.create(to=CONTACT, messaging_service_sid=empty.sid, body="x")
    assert none.value.code == 21704


def test_advanced_opt_out_keywords_are_enforced_for_the_service(
    own: Client, service: Any, sandbox: SandboxHandle
) -> None:
    control = sandbox.control
    # Before the Console step: Twilio's default keywords, no OptOutType.
    default = control.inbound_sms(CONTACT, NUMBER, "ARRÊT")
    assert (default["keyword"], default["opt_out_type"]) == (None, None)
    advanced_opt_out(sandbox, service.sid)
    stop = control.inbound_sms(CONTACT, NUMBER, "arrêt")  # case ignored
    assert stop["opt_out_type"] == "STOP"
    assert "ne recevrez plus" in stop["twilio_reply"]  # the French reply, sent by Twilio
    assert stop["webhook"] == "http://127.0.0.1:9/s"  # the service's URL, not the number's
    with pytest.raises(TwilioRestException) as blocked:
        own.messages.create(to=CONTACT, messaging_service_sid=service.sid, body="Alerte")
    assert blocked.value.code == 21610
    assert control.inbound_sms(CONTACT, NUMBER, "Oui merci")["opt_out_type"] is None  # whole body
    start = control.inbound_sms(CONTACT, NUMBER, " OUI ")
    assert start["opt_out_type"] == "START"
    assert "Merci" in start["twilio_reply"]
    assert own.messages.create(to=CONTACT, messaging_service_sid=service.sid, body="A").sid
    assert control.inbound_sms(CONTACT, NUMBER, "HELP")["opt_out_type"] == "HELP"  # kept always
    own.messaging.v1.services(service.sid).update(use_inbound_webhook_on_number=True)
    assert control.inbound_sms(CONTACT, NUMBER, "bonjour")["webhook"] == "http://127.0.0.1:9/n"


def test_twilios_replies_to_a_contacts_answer_name_the_protected_person(
    service: Any, sandbox: SandboxHandle
) -> None:
    """The Console step of a tenant whose person is Lucie: the reply Twilio sends to OUI/YES
    (the contact's confirmation, https://www.twilio.com/docs/messaging/tutorials/advanced-opt-
    out) names her, as the invitation "Lucie vous a choisi…" did, in the keyword's language."""
    control = sandbox.control
    advanced_opt_out(sandbox, service.sid, "Lucie")
    assert control.inbound_sms(CONTACT, NUMBER, "OUI")["twilio_reply"] == (
        "Ethiq: Merci, c'est confirmé. Vous recevrez une alerte de fraude par texto seulement "
        "si un appel frauduleux vise Lucie. Frais de messagerie possibles. Répondez ARRET pour "
        "ne plus en recevoir, AIDE pour de l'aide."
    )
    assert control.inbound_sms(CONTACT, NUMBER, "ARRET")["twilio_reply"] == (
        "Vous ne recevrez plus d'alertes Ethiq pour Lucie. Répondez OUI pour les recevoir de "
        "nouveau."
    )
    assert control.inbound_sms(CONTACT, NUMBER, "YES")["twilio_reply"] == (
        "Ethiq: Thank you, confirmed. You will get a fraud alert text only if a scam call "
        "targets Lucie. Msg&data rates may apply. Reply STOP to stop, HELP for help."
    )
    assert control.inbound_sms(CONTACT, NUMBER, "AIDE")["twilio_reply"].startswith(
        "Ethiq protège Lucie contre la fraude"
    )
