"""Alert texts: GSM-7 and at most two segments in both languages, the tenant's time zone."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from runtime.alerts.messages import (
    MAX_SEGMENTS,
    alert_body,
    alert_marker,
    consent_reply,
    missed_call_body,
    sms_segments,
    to_gsm7,
    translate_reasons,
)
from runtime.screening.explain import known_keys, reason

AT = datetime(2026, 12, 1, 17, 5, tzinfo=UTC)


@pytest.mark.parametrize("lang", ["fr-CA", "en-US"])
@pytest.mark.parametrize("how_many", [0, 1, 3, 100])
def test_alert_fits_two_gsm7_segments(lang: str, how_many: int) -> None:
    reasons = [reason(key, lang[:2]) for key in list(known_keys())[:how_many]]
    body = alert_body(
        lang=lang,
        caller="+14385550123",
        caller_name="SERVICE FRAUDE",
        at=AT,
        reasons=reasons,
        marker="#12345-abcdef",
        region="CA-QC",
    )
    encoding, segments = sms_segments(body)
    assert (encoding, segments <= MAX_SEGMENTS) == ("GSM-7", True), body
    assert "+14385550123" in body
    assert "#12345-abcdef" in body  # the reference the outbox looks for survives trimming
    assert "12:05" in body  # 17:05 UTC is 12:05 in Montreal in December
    if how_many:
        assert reasons[0] in body or to_gsm7(reasons[0]) in body


def test_time_zone_follows_the_tenant_region() -> None:
    body = alert_body(
        lang="en-US", caller="+1", caller_name=None, at=AT, reasons=[], marker="#1", region="BC"
    )
    assert "09:05" in body


def test_segment_counting() -> None:
    assert sms_segments("a" * 160) == ("GSM-7", 1)
    assert sms_segments("a" * 161) == ("GSM-7", 2)
    assert sms_segments("é" * 160) == ("GSM-7", 1)  # é is GSM-7
    assert sms_segments("€" * 80) == ("GSM-7", 1)  # an extended character takes two septets
    assert sms_segments("€" * 81) == ("GSM-7", 2)
    assert sms_segments("a" * 306) == ("GSM-7", 2)  # 153 septets a segment once split
    assert sms_segments("a" * 307) == ("GSM-7", 3)
    assert sms_segments("ç" * 134) == ("UCS-2", 2)  # 67 units a segment once split
    assert sms_segments("ç" * 135) == ("UCS-2", 3)
    assert sms_segments("ç" + "a" * 69) == ("UCS-2", 1)  # one ç: the whole text is UCS-2
    assert sms_segments("ç" + "a" * 70) == ("UCS-2", 2)
    assert to_gsm7("reçu à l\u2019hôpital \u2014 côté") == "recu à l'hopital - coté"


@pytest.mark.parametrize("lang", ["fr-CA", "en-US"])
def test_every_reason_fits_on_its_own(lang: str) -> None:
    """``known_keys()`` is a set: the test above draws a different first reason in each run."""
    for key in sorted(known_keys()):
        why = reason(key, lang[:2])
        body = alert_body(
            lang=lang,
            caller="+14385550123",
            caller_name="SERVICE FRAUDE",
            at=AT,
            reasons=[why],
            marker="#12345-abcdef",
            region="CA-QC",
        )
        assert sms_segments(body) in {("GSM-7", 1), ("GSM-7", 2)}, body
        assert to_gsm7(why) in body, key
        assert ("Répondez OK" if lang == "fr-CA" else "Reply OK") in body


def test_an_alert_reads_in_full_in_each_language() -> None:
    fr, en = (reason(key, lang) for key, lang in (("gift_cards", "fr"), ("gift_cards", "en")))
    common = partial(alert_body, caller="+14385550123", at=AT, marker="#7-abcdef", region="CA-QC")
    assert common(lang="fr-CA", caller_name=None, reasons=[fr]) == to_gsm7(
        "Ethiq ALERTE FRAUDE: votre proche a reçu un appel frauduleux probable de +14385550123 "
        f"le 01/12 à 12:05. Motifs: {fr}. Appelez votre proche: a-t-on donné argent, carte, "
        "code ou NIP? Répondez OK si vous appelez. Réf #7-abcdef"
    )
    # Reasons stored in French are given again in the contact's language.
    assert common(lang="en-US", caller_name="ACME", reasons=[fr], person_name="Marie") == (
        "Ethiq FRAUD ALERT: Marie got a likely scam call from ACME (+14385550123) on Dec 01 at "
        f"12:05. Why: {en}. Call Marie; check no money, card, code or PIN was given. Reply OK if "
        "you call. Ref #7-abcdef"
    )
    assert "Why: several fraud signals." in common(lang="en-US", caller_name=None, reasons=[])
    assert "Motifs: plusieurs signaux de fraude." in common(
        lang="fr-CA", caller_name=None, reasons=[]
    )
    unknown = alert_body(lang="en-US", caller="", caller_name=None, at=AT, reasons=[], marker="#1")
    assert "from ? on" in unknown
    assert "at 12:05" in unknown  # no region: Toronto's time, the platform's default
    naive = alert_body(
        lang="en-US", caller="+1", caller_name=None, at=AT.replace(tzinfo=None), reasons=[],
        marker="#1", region="NY",
    )  # fmt: skip
    assert "at 12:05" in naive  # a naive time is UTC


@pytest.fixture
def server_in_vancouver() -> Iterator[None]:
    """The process's own time zone is not UTC (a server configured with ``TZ``)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/Vancouver"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.usefixtures("server_in_vancouver")
def test_the_time_written_is_the_tenants_whatever_the_servers_zone() -> None:
    common = partial(alert_body, lang="en-US", caller="+1", caller_name=None, reasons=[])
    missed = partial(missed_call_body, lang="en-US", caller="+1", caller_name=None, verdict=None)
    in_vancouver = AT.astimezone(ZoneInfo("America/Vancouver"))  # 09:05 there
    for at in (AT, AT.replace(tzinfo=None), in_vancouver):  # a naive time is UTC
        assert "on Dec 01 at 12:05." in common(at=at, marker="#1", region="QC")
        assert "on Dec 01 at 12:05." in missed(at=at, marker="#1", region="QC")
        assert "on Dec 01 at 09:05." in common(at=at, marker="#1", region="BC")


def test_alerts_drop_the_last_reasons_first_when_too_long() -> None:
    whys = [reason(key, "en") for key in sorted(known_keys())]
    body = alert_body(
        lang="en-US", caller="+14385550123", caller_name=None, at=AT, reasons=whys, marker="#1"
    )
    kept = body.split("Why: ", 1)[1].split(". Call", 1)[0].split("; ")
    assert 1 <= len(kept) < len(whys)
    assert kept == whys[: len(kept)]
    longer = "; ".join(whys[: len(kept) + 1])
    assert sms_segments(body.replace("; ".join(kept), longer))[1] > MAX_SEGMENTS


@pytest.mark.parametrize("lang", ["fr-CA", "en-US"])
def test_an_alert_cuts_a_long_caller_name_and_drops_one_outside_gsm7(lang: str) -> None:
    """A caller name never costs the contact more than two segments: a long one is cut once
    the reasons are gone, one outside GSM-7 (which would turn the text UCS-2) is dropped."""
    common = partial(alert_body, lang=lang, caller="+14385550123", at=AT, reasons=[], marker="#1")
    foreign = common(caller_name="Łukasz Wiśniewski")
    assert sms_segments(foreign) == ("GSM-7", 2)
    assert "Łukasz" not in foreign
    assert "+14385550123" in foreign
    long_name = "Clinique Dentaire Familiale Saint-Hubert-de-la-Riviere-du-Nord Inc. " * 2
    cut = common(caller_name=long_name)
    assert sms_segments(cut)[0] == "GSM-7"
    assert sms_segments(cut)[1] <= MAX_SEGMENTS
    assert f"{long_name[:24]} (+14385550123)" in cut
    assert common(caller_name="ACME").count("ACME (+14385550123)") == 1


def test_translating_reasons_keeps_what_it_does_not_know() -> None:
    fr = reason("gift_cards", "fr")
    assert translate_reasons([fr, "autre chose"], "en") == [
        reason("gift_cards", "en"),
        "autre chose",
    ]
    assert translate_reasons([reason("gift_cards", "en")], "fr-CA") == [fr]


def test_a_missed_call_text_reads_in_full_in_each_language() -> None:
    common = partial(missed_call_body, caller="+14385550123", at=AT, marker="#n-1", region="CA-QC")
    assert common(lang="fr-CA", caller_name=None, verdict="scam") == to_gsm7(
        "Ethiq: appel manqué de +14385550123 le 01/12 à 12:05. Verdict: fraude probable, ne "
        "rappelez pas ce numéro. Un message vocal a été laissé. Réf #n-1"
    )
    assert common(lang="en-US", caller_name=" ACME ", verdict=None) == (
        "Ethiq: missed call from ACME (+14385550123) on Dec 01 at 12:05. Verdict: no sign of "
        "fraud detected. They left a voicemail. Ref #n-1"
    )
    assert "Verdict: suspicious, be careful calling back." in common(
        lang="en-US", caller_name=None, verdict="suspicious"
    )
    assert "Verdict: aucun signe de fraude détecté." in common(
        lang="fr-CA", caller_name=None, verdict="unknown"
    )
    assert "from ? on" in missed_call_body(
        lang="en-US", caller="", caller_name=None, at=AT, verdict=None, marker="#1"
    )


def test_a_long_caller_name_is_cut_to_fit_two_segments() -> None:
    name = "Z" * 300
    body = missed_call_body(
        lang="en-US", caller="+14385550123", caller_name=name, at=AT, verdict="scam", marker="#1"
    )
    assert sms_segments(body)[1] <= MAX_SEGMENTS
    assert f"from {'Z' * 24} (+14385550123) on" in body
    short = missed_call_body(
        lang="en-US", caller="+14385550123", caller_name="Z" * 60, at=AT, verdict="scam",
        marker="#1",
    )  # fmt: skip
    assert f"from {'Z' * 60} (+14385550123)" in short  # fits: kept whole
    # When even 24 characters do not fit, the name goes and the number stays.
    huge = missed_call_body(
        lang="en-US", caller="+14385550123", caller_name="ACME", at=AT, verdict=None,
        marker="#" + "9" * 300,
    )  # fmt: skip
    assert "missed call from +14385550123 on" in huge


@pytest.mark.parametrize(
    ("kind", "fr", "en"),
    [
        ("consent", "Merci, c'est confirmé", "Thank you, confirmed"),
        ("withdraw", "Vous ne recevrez plus", "You will no longer receive"),
        ("help", "Répondez OUI pour accepter", "Reply YES to accept"),
    ],
)
def test_consent_replies_follow_the_contacts_language(kind: str, fr: str, en: str) -> None:
    assert fr in consent_reply(kind, "fr-CA")
    assert fr in consent_reply(kind, "fr")
    assert en in consent_reply(kind, "en-US")
    assert alert_marker(42, "CA0123456789abcdef") == "#42-abcdef"


def test_consent_replies_name_the_protected_person() -> None:
    assert "si un appel frauduleux vise Lucie." in consent_reply("consent", "fr-CA", "Lucie")
    assert "fraud alerts for Lucie." in consent_reply("already", "en-US", "Lucie")
    assert "Ethiq alerts for your relative." in consent_reply("withdraw", "en-US")
