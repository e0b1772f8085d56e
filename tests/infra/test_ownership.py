"""Owner tags in Twilio friendly names, and which parent credentials a provider uses."""

from __future__ import annotations

import pytest

from infra.providers.base import CREDENTIALS, parent_credentials
from infra.providers.ownership import (
    PLATFORM_ENV,
    STACK_ID,
    Owner,
    Tag,
    _IdentityProvider,
    new_generation,
    parse_tag,
    platform_id,
)

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
    assert legacy.describe() == "no owner (made before resources carried their owner, or by hand)"


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


def test_the_platform_id_defaults_to_local_and_refuses_what_a_tag_cannot_carry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PLATFORM_ENV, raising=False)
    assert platform_id() == "local"
    monkeypatch.setenv(PLATFORM_ENV, "  ")
    assert platform_id() == "local"
    monkeypatch.setenv(PLATFORM_ENV, " staging-eu ")
    assert platform_id() == "staging-eu"
    for bad in ("Prod", "1prod", "a" * 11, "pr_od"):
        monkeypatch.setenv(PLATFORM_ENV, bad)
        with pytest.raises(ValueError, match=rf"^{PLATFORM_ENV}='{bad}': 1-10 characters"):
            platform_id()


def test_owners_read_from_state_and_describe_themselves() -> None:
    props = {"owner": {"platform": "prod", "stack": "acme", "stack_id": "1a2b3c4d"}}
    assert Owner.from_props(props) == OWNER
    assert OWNER.describe() == "platform 'prod', stack 'acme' (stack id 1a2b3c4d)"
    assert parse_tag(OWNER.tag("n", "0001")).describe() == "platform 'prod', stack id 1a2b3c4d"
    assert not Owner("staging", "acme", "1a2b3c4d").same(parse_tag(OWNER.tag("n", "0001")))
    assert parse_tag(None) == parse_tag("") == Tag("")
    assert parse_tag("n@prod#1a2b3c4d.00012").platform is None  # not a tag: a plain name
    assert len(new_generation()) == 4
    assert int(new_generation(), 16) >= 0


def test_the_stack_id_is_drawn_once_and_changed_only_by_an_adoption() -> None:
    provider = _IdentityProvider()
    props = {"platform": "prod", "stack": "acme", "stack_id": None}
    created = provider.create(props)
    assert STACK_ID.match(created.id)
    assert created.outs == {**props, "stack_id": created.id}
    adopted = provider.create({**props, "adopt": "0badcafe"})
    assert (adopted.id, adopted.outs) == (
        "0badcafe",
        {**props, "adopt": "0badcafe", "stack_id": "0badcafe"},
    )
    olds = created.outs
    assert provider.diff(created.id, olds, props).changes is False
    assert provider.diff(created.id, olds, {**props, "adopt": ""}).changes is False
    assert provider.diff(created.id, olds, {**props, "adopt": created.id}).changes is False
    assert provider.diff(created.id, olds, {**props, "adopt": "0badcafe"}).changes is True
    updated = provider.update(created.id, olds, {**props, "adopt": "0badcafe"})
    assert updated.outs == {**props, "adopt": "0badcafe", "stack_id": "0badcafe"}
    read = provider.read(created.id, olds)
    assert (read.id, read.outs) == (created.id, olds)
