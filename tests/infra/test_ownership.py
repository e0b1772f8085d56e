"""Owner tags in Twilio friendly names, and which parent credentials a provider uses."""

from __future__ import annotations

import pytest

from infra.providers.base import CREDENTIALS, parent_credentials
from infra.providers.ownership import Owner, parse_tag

OWNER = Owner("prod", "acme", "1a2b3c4d")


def test_a_tag_round_trips_and_fits_twilios_64_characters() -> None:
    name = "ethiq-" + "a" * 32
    tag = OWNER.tag(name, "9f0e")
    assert len(Owner("staging-eu", "x", "1a2b3c4d").tag(name, "9f0e")) <= 64
    parsed = parse_tag(tag)
    assert (parsed.name, parsed.platform, parsed.stack_id, parsed.generation) == (
        name, "prod", "1a2b3c4d", "9f0e"
    )  # fmt: skip
    assert OWNER.same(parsed)
    assert not Owner("prod", "acme", "ffffffff").same(parsed)
    legacy = parse_tag("ethiq-acme")
    assert (legacy.name, legacy.platform) == ("ethiq-acme", None)
    assert "no owner" in legacy.describe()


def test_the_runs_parent_credentials_win_over_the_ones_kept_in_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = {CREDENTIALS: {"account_sid": "ACold", "auth_token": "old-token", "base_url": ""}}
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    assert parent_credentials(kept).auth_token == "old-token"  # noqa: S105 (a test value)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "ACnew")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "rotated-token")
    monkeypatch.setenv("TWILIO_API_BASE_URL", "http://127.0.0.1:1")
    creds = parent_credentials(kept)
    assert (creds.account_sid, creds.auth_token, creds.base_url) == (
        "ACnew", "rotated-token", "http://127.0.0.1:1"
    )  # fmt: skip
