"""Provider errors a person acts on are reported by their message, not a traceback (the dynamic
provider host's formatting, as a plain function; tests/infra/test_drift.py proves it through the
engine)."""

from __future__ import annotations

import importlib.machinery
import sys
import traceback
import types

import pytest

from infra.providers import errors
from infra.providers.retry import ProvisioningError


def test_an_actionable_error_is_its_message_and_a_bug_keeps_its_traceback() -> None:
    shim = errors._Traceback()
    try:
        raise ProvisioningError("creating the subaccount failed: Twilio error 20003. Check …")
    except ProvisioningError:
        assert shim.format_exc() == "creating the subaccount failed: Twilio error 20003. Check …"
    try:
        raise KeyError("sid")
    except KeyError:
        text = shim.format_exc()
    assert text.startswith("Traceback (most recent call last):")
    assert "KeyError: 'sid'" in text


def test_it_changes_nothing_outside_the_provider_host() -> None:
    assert errors.install() is False  # pytest is not pulumi.dynamic's host


def _host(monkeypatch: pytest.MonkeyPatch, *, name: str, abort: bool) -> types.ModuleType:
    """A stand-in for the dynamic provider host as ``__main__`` (its spec, its traceback)."""
    host = types.ModuleType("__main__")
    host.__spec__ = importlib.machinery.ModuleSpec(name, None)
    host.traceback = traceback  # type: ignore[attr-defined]
    if abort:
        host._abort_with_traceback = lambda *_a: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "__main__", host)
    return host


def test_in_the_provider_host_actionable_errors_lose_their_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = _host(monkeypatch, name="pulumi.dynamic.__main__", abort=True)
    assert errors.install() is True
    shim = host.traceback
    assert isinstance(shim, errors._Traceback)
    assert shim.format_exception_only is traceback.format_exception_only  # the rest unchanged
    try:
        raise ProvisioningError("buying a number failed: pick another region")
    except ProvisioningError:
        assert shim.format_exc() == "buying a number failed: pick another region"
    assert errors.install() is True  # a second install keeps the one shim
    assert host.traceback is shim


@pytest.mark.parametrize(
    ("name", "abort"),
    [("pulumi.dynamic.__main__", False), ("pulumi.dynamic", True), ("other", True)],
)
def test_another_host_or_sdk_version_is_left_alone(
    monkeypatch: pytest.MonkeyPatch, name: str, abort: bool
) -> None:
    host = _host(monkeypatch, name=name, abort=abort)
    assert errors.install() is False
    assert host.traceback is traceback


def test_only_provisioning_errors_are_shown_by_their_message() -> None:
    assert errors.provider_error_text(ProvisioningError("do this")) == "do this"
    assert errors.provider_error_text(RuntimeError("bug")) is None
    assert errors.provider_error_text(None) is None


def test_a_bug_is_formatted_as_the_host_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    shim = errors._Traceback()
    try:
        try:
            raise KeyError("sid")
        except KeyError as cause:
            raise RuntimeError("provider bug") from cause
    except RuntimeError:
        for limit, chain in ((0, True), (0, False), (None, False)):
            assert shim.format_exc(limit, chain) == traceback.format_exc(limit, chain)
        # As the host calls it: the whole chain, the cause included.
        assert shim.format_exc() == traceback.format_exc()
        assert "KeyError: 'sid'" in shim.format_exc()
    # A host module without a traceback of its own is still recognised, and left as it is.
    host = _host(monkeypatch, name="pulumi.dynamic.__main__", abort=True)
    del host.traceback
    assert errors.install() is True
    assert not hasattr(host, "traceback")
