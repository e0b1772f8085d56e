"""Alert texts: GSM-7 and at most two segments in both languages, the tenant's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runtime.alerts.messages import MAX_SEGMENTS, alert_body, sms_segments, to_gsm7
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
