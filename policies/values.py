"""Resource properties as plain Python values, whatever the engine sends.

During a preview some inputs are not known yet; pulumi-policy wraps properties in proxies that
raise on such values. Rules take plain mappings instead, where an unknown value is
:data:`UNKNOWN`, so one unknown output never hides the known properties next to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import UnknownValueError

__all__ = ["UNKNOWN", "plain"]


class _Unknown:
    def __repr__(self) -> str:
        return "<unknown during preview>"


UNKNOWN: Final = _Unknown()


def plain(value: Any) -> Any:
    """``value`` with every mapping a dict and every sequence a list; unknowns are UNKNOWN."""
    if isinstance(value, Mapping):
        return {str(key): _item(value, key) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_item(value, index) for index in range(len(value))]
    return value


def _item(container: Any, key: Any) -> Any:
    try:
        return plain(container[key])
    except UnknownValueError:
        return UNKNOWN
