"""Provider errors a person acts on are reported by their message, not a traceback (the dynamic
provider host's formatting, as a plain function; tests/infra/test_drift.py proves it through the
engine)."""

from __future__ import annotations

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
