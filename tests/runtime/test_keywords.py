"""The SMS keywords Twilio handles itself, as the runtime reads them: which consent change Twilio
made for an inbound message, and whether it now blocks the sender (pure functions, no server)."""

from __future__ import annotations

import pytest

from runtime.alerts.keywords import (
    ADVANCED_OPT_OUT,
    DEFAULT_KEYWORDS,
    advanced_opt_out,
    fold,
    is_opt_out,
    twilio_keyword,
)
from runtime.alerts.messages import consent_reply
from runtime.alerts.tables import ConsentKind


def test_fold_drops_accents_and_case_only() -> None:
    assert fold("Arrêter") == "ARRETER"
    assert fold("désabonner") == "DESABONNER"
    assert fold("  oui  ") == "  OUI  "


@pytest.mark.parametrize(
    ("opt_out_type", "kind"),
    [
        ("STOP", ConsentKind.WITHDRAW),
        (" start ", ConsentKind.CONSENT),
        ("help", ConsentKind.HELP),
        ("UNKNOWN", None),
    ],
)
def test_twilios_opt_out_type_wins_over_the_body(
    opt_out_type: str, kind: ConsentKind | None
) -> None:
    # The body says nothing Twilio would match; OptOutType is Twilio's own word for what it did.
    assert twilio_keyword("bonjour", opt_out_type, messaging_service=True) is kind
    assert twilio_keyword("bonjour", opt_out_type, messaging_service=False) is kind


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("stop", ConsentKind.WITHDRAW),
        ("  Unsubscribe ", ConsentKind.WITHDRAW),
        ("yes", ConsentKind.CONSENT),
        ("INFO", ConsentKind.HELP),
        ("stop please", None),  # Twilio matches the whole body on a Messaging Service
        ("arret", None),  # the French keywords answer with OptOutType, never without
        ("", None),
    ],
)
def test_a_messaging_service_matches_the_whole_body_against_the_defaults(
    body: str, kind: ConsentKind | None
) -> None:
    assert twilio_keyword(body, None, messaging_service=True) is kind
    assert twilio_keyword(body, "", messaging_service=True) is kind


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("stop please", ConsentKind.WITHDRAW),
        ("Stop.", ConsentKind.WITHDRAW),
        ("yes!", ConsentKind.CONSENT),
        ("help me", ConsentKind.HELP),
        ("oui", None),
        ("please stop", None),  # the first word only
        ("", None),
    ],
)
def test_a_bare_number_matches_the_first_word_against_the_defaults(
    body: str, kind: ConsentKind | None
) -> None:
    assert twilio_keyword(body, None, messaging_service=False) is kind


@pytest.mark.parametrize(
    ("body", "service", "blocked"),
    [
        ("ARRÊT", True, True),  # French opt-out of the Advanced Opt-Out configuration
        (" désabonner ", True, True),
        ("stop", True, True),
        ("stop now", True, False),  # whole body only
        ("oui", True, False),  # an opt-in, not an opt-out
        ("aide", True, False),
        ("stop now", False, True),  # a bare number: first word, defaults only
        ("Quit.", False, True),
        ("arret", False, False),
        ("", False, False),
    ],
)
def test_whether_twilio_now_blocks_the_sender(body: str, service: bool, blocked: bool) -> None:
    assert is_opt_out(body, messaging_service=service) is blocked


def test_the_advanced_opt_out_configuration_keeps_twilios_defaults_and_replies_per_language() -> (
    None
):
    # Built afresh, as the Console step and the local sandbox ask for it.
    assert advanced_opt_out() == ADVANCED_OPT_OUT
    english, french = advanced_opt_out()
    assert (english.language, french.language) == ("English", "French")
    for kind, words in DEFAULT_KEYWORDS.items():
        assert english.keywords[kind] == tuple(sorted(words))
    assert french.keywords[ConsentKind.CONSENT] == ("OUI",)
    assert french.keywords[ConsentKind.HELP] == ("AIDE",)
    for kind in ConsentKind:
        assert english.replies[kind] == consent_reply(kind.value, "en-US")
        assert french.replies[kind] == consent_reply(kind.value, "fr-CA")
    assert english.replies[ConsentKind.HELP] != french.replies[ConsentKind.HELP]


def test_a_tenants_advanced_opt_out_replies_name_its_person_in_each_language() -> None:
    english, french = advanced_opt_out("Lucie")
    assert english.keywords == ADVANCED_OPT_OUT[0].keywords
    assert french.keywords == ADVANCED_OPT_OUT[1].keywords
    for kind in ConsentKind:
        assert english.replies[kind] == consent_reply(kind.value, "en-US", "Lucie")
        assert french.replies[kind] == consent_reply(kind.value, "fr-CA", "Lucie")
    assert "if a scam call targets Lucie." in english.replies[ConsentKind.CONSENT]
    assert "si un appel frauduleux vise Lucie." in french.replies[ConsentKind.CONSENT]
    assert french.replies[ConsentKind.WITHDRAW].startswith("Vous ne recevrez plus")
