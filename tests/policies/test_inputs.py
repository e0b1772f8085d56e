"""How the pack reads its inputs: unknown values during preview, the stack's config."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pulumi_policy import policy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policies import stack_config
from policies.values import UNKNOWN, plain


def test_unknown_values_become_unknown_and_known_ones_stay() -> None:
    props = unknown_checking_proxy(
        {"domain_name": UNKNOWN_STRING_VALUE, "voice_url": "https://r/v", "l": [1, {"a": "b"}]}
    )
    expected = {"domain_name": UNKNOWN, "voice_url": "https://r/v", "l": [1, {"a": "b"}]}
    assert plain(props) == expected


def test_config_values_are_typed_like_pulumis_config_api() -> None:
    values = stack_config.ethiq_values(
        {
            "ethiq:region": "CA-QC",
            "ethiq:retainData": "false",
            "ethiq:contacts": '[{"number": "+15145550111", "consented": true}]',
            "ethiq:near": "45.5,-73.5",
            "ethiq:broken": "[not json",
            "aws:region": "ca-central-1",
        }
    )
    assert values == {
        "region": "CA-QC",
        "retainData": False,
        "contacts": [{"number": "+15145550111", "consented": True}],
        "near": "45.5,-73.5",
        "broken": "[not json",
    }


def test_the_engines_stack_config_is_kept_without_its_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    servicer: Any = policy._PolicyAnalyzerServicer
    calls: list[Any] = []
    monkeypatch.setattr(servicer, "ConfigureStack", lambda _self, request, _ctx: calls.append(1))
    stack_config.capture()
    stack_config.capture()  # idempotent: wraps once
    request = SimpleNamespace(
        config={"ethiq:region": "CA-QC", "ethiq:databaseUrl": "postgresql://secret"},
        config_secret_keys=["ethiq:databaseUrl"],
        tags={},
    )
    servicer.ConfigureStack(None, request, None)
    assert calls == [1]  # pulumi-policy still gets the call
    assert stack_config.stack_config() == {"ethiq:region": "CA-QC"}
    monkeypatch.setattr(stack_config, "_received", {})


def test_without_configure_stack_the_config_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stack_config, "_received", {})
    monkeypatch.setenv("PULUMI_CONFIG", '{"ethiq:region": "CA-ON"}')
    assert stack_config.stack_config() == {"ethiq:region": "CA-ON"}
    monkeypatch.setenv("PULUMI_CONFIG", "not json")
    assert stack_config.stack_config() == {}
