"""Provider errors as one actionable line, the way Pulumi's own providers report them.

Pulumi's Python dynamic-provider host answers every exception of a provider method with the
formatted traceback (``pulumi.dynamic.__main__._abort_with_traceback``; pulumi/pulumi#10416), which
the engine prints under the resource and the reconciler copies into a PR comment. A native
provider answers with its message only. :func:`install` makes the host do the same for a
:class:`~infra.providers.retry.ProvisioningError` (Twilio refused the credentials, another stack
owns the resource, no number matches …: the message says what to do); any other exception is a bug
and keeps its traceback.

It runs on import of :mod:`infra.providers`, which the host does while it unpickles a provider,
and changes nothing in any other process (the program, the policy pack, tests).
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from infra.providers.retry import ProvisioningError

__all__ = ["install", "provider_error_text"]

_HOST = "pulumi.dynamic.__main__"


def provider_error_text(error: BaseException | None) -> str | None:
    """What the engine should show for ``error``: its message when it is one a person acts on,
    else None (the traceback)."""
    if isinstance(error, ProvisioningError):
        return str(error)
    return None


class _Traceback:
    """The ``traceback`` module as the host sees it, with ``format_exc`` reporting actionable
    errors by their message."""

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def format_exc(limit: int | None = None, chain: bool = True) -> str:
        text = provider_error_text(sys.exc_info()[1])
        return text if text is not None else traceback.format_exc(limit, chain)


def install() -> bool:
    """Report actionable errors without a traceback in this process, if it is Pulumi's dynamic
    provider host (of the SDK version whose wrapper this relies on). True when installed."""
    host = sys.modules.get("__main__")
    spec = getattr(host, "__spec__", None)
    if host is None or getattr(spec, "name", None) != _HOST:
        return False
    if not callable(getattr(host, "_abort_with_traceback", None)):
        return False
    if getattr(host, "traceback", None) is traceback:
        host.traceback = _Traceback()  # type: ignore[attr-defined]
    return True
