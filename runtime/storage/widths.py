"""Every stored text checked against its column's width before anything is written.

PostgreSQL refuses a value longer than its ``varchar(n)`` (and fails the whole transaction);
SQLite would store it. Checking first gives one clear error naming the field on both backends,
and no half-written rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from piccolo.columns import Varchar
from piccolo.table import Table

from runtime.storage.errors import StorageError

__all__ = ["E164_LENGTH", "SID_LENGTH", "FieldTooLong", "check_widths", "width"]

# Widths shared by the tables of several domains: E.164 is at most 15 digits after the "+";
# Twilio SIDs are two letters and 32 hex digits.
E164_LENGTH = 16
SID_LENGTH = 34


class FieldTooLong(StorageError, ValueError):
    """A value longer than its column allows."""

    def __init__(self, field: str, length: int, limit: int) -> None:
        super().__init__(f"{field} is {length} characters long; at most {limit} are accepted")
        self.field = field
        self.length = length
        self.limit = limit


def width(table: type[Table], column: str) -> int:
    """The width of ``table.column`` (a ``Varchar``)."""
    found = table._meta.get_column_by_name(column)
    if not isinstance(found, Varchar) or found.length is None:
        raise TypeError(f"{table._meta.tablename}.{column} is not a bounded varchar")
    return found.length


def check_widths(
    table: type[Table], values: Mapping[str, Any], labels: Mapping[str, str] | None = None
) -> None:
    """Raise :class:`FieldTooLong` for the first value longer than its column (named by
    ``labels``, e.g. the webhook parameter it came from, else ``table.column``)."""
    for column in table._meta.columns:
        name = column._meta.name
        value = values.get(name)
        limit = column.length if isinstance(column, Varchar) else None
        if limit is not None and isinstance(value, str) and len(value) > limit:
            label = (labels or {}).get(name, f"{table._meta.tablename}.{name}")
            raise FieldTooLong(label, len(value), limit)
