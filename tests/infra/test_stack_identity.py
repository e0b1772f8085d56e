"""``StackIdentity`` under Pulumi's mocks: the resource it declares and the owner it gives.

The mocks stand in for the engine (https://www.pulumi.com/docs/iac/concepts/testing/unit/):
``new_resource`` answers with what the provider's ``create`` would, so the outputs are the ones
a first ``up`` records in the stack's state.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor

from infra.providers.ownership import PLATFORM_ENV, STACK_ID, StackIdentity, _IdentityProvider
from tests.pulumi_loops import own_loop

TYPE = "pulumi-python:dynamic/ethiq:StackIdentity"


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.created: list[tuple[str, str, dict[str, Any]]] = []  # (type, name, inputs)

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        inputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        self.created.append((args.typ, args.name, inputs))
        result = _IdentityProvider().create(inputs)
        return result.id, dict(result.outs or {})

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class _Monitor(MockMonitor):
    def RegisterResource(self, request: Any) -> Any:
        own_loop()
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


@pytest.fixture
def mocks(pulumi_loop: asyncio.AbstractEventLoop) -> Mocks:
    del pulumi_loop
    mocks = Mocks()
    pulumi.runtime.set_mocks(
        mocks, project="ethiq", stack="acme", preview=False, monitor=_Monitor(mocks)
    )
    return mocks


def _owner(identity: StackIdentity) -> dict[str, str]:
    seen: list[dict[str, str]] = []

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        return identity.owner.apply(seen.append)

    run()
    return seen[0]


def test_a_new_stack_draws_its_id_and_names_its_platform(
    mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PLATFORM_ENV, "staging")
    owner = _owner(StackIdentity("identity", stack="acme"))

    assert set(owner) == {"platform", "stack", "stack_id"}
    assert (owner["platform"], owner["stack"]) == ("staging", "acme")
    assert STACK_ID.match(owner["stack_id"])
    # Declared once, without "adopt": the state of a stack that never adopted stays as it was.
    assert mocks.created == [(TYPE, "identity", {"platform": "staging", "stack": "acme"})]


def test_each_stack_draws_its_own_id(mocks: Mocks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PLATFORM_ENV, raising=False)
    first = _owner(StackIdentity("first", stack="acme"))
    second = _owner(StackIdentity("second", stack="acme"))
    assert first["platform"] == second["platform"] == "local"
    assert first["stack_id"] != second["stack_id"]
    assert len(mocks.created) == 2


def test_an_adopted_id_is_declared_and_becomes_the_stacks(
    mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PLATFORM_ENV, "prod")
    owner = _owner(StackIdentity("identity", stack="acme", adopt="1a2b3c4d"))

    assert owner == {"platform": "prod", "stack": "acme", "stack_id": "1a2b3c4d"}
    assert mocks.created == [
        (TYPE, "identity", {"platform": "prod", "stack": "acme", "adopt": "1a2b3c4d"})
    ]


def test_an_invalid_platform_id_declares_nothing(
    mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PLATFORM_ENV, "Prod_EU")
    with pytest.raises(ValueError, match=PLATFORM_ENV):
        StackIdentity("identity", stack="acme")
    assert mocks.created == []
