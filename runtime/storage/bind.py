"""The tenant tables, bound to one tenant's engine, for the runtime's queries.

piccolo binds a table class to one engine (``db=``); a tenant's engine therefore needs its own
copies of the classes. They subclass :mod:`runtime.storage.tables` with the same table names, so
columns, choices and defaults are those of the declared tables::

    tables = bind_tables(store.engine("acme"))
    await tables.Call.insert(tables.Call(sid=sid, from_number=caller, to_number=called))
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar, cast

from piccolo.engine.base import Engine
from piccolo.table import Table, create_table_class

from runtime.storage import tables

__all__ = ["TenantTables", "bind_table", "bind_tables"]

T = TypeVar("T", bound=Table)


@dataclass(frozen=True, slots=True)
class TenantTables:
    """One tenant's tables (each a subclass of the declared table, bound to its engine)."""

    Alert: type[tables.Alert]
    Call: type[tables.Call]
    Consent: type[tables.Consent]
    Contact: type[tables.Contact]
    Segment: type[tables.Segment]
    VerdictEvent: type[tables.VerdictEvent]


@cache
def bind_tables(engine: Engine[Any]) -> TenantTables:
    """The tenant tables bound to ``engine``; cached, as piccolo never forgets a table class."""
    return TenantTables(
        Alert=bind_table(tables.Alert, engine),
        Call=bind_table(tables.Call, engine),
        Consent=bind_table(tables.Consent, engine),
        Contact=bind_table(tables.Contact, engine),
        Segment=bind_table(tables.Segment, engine),
        VerdictEvent=bind_table(tables.VerdictEvent, engine),
    )


def bind_table(table: type[T], engine: Engine[Any]) -> type[T]:
    """A subclass of ``table`` with the same table name, bound to ``engine``."""
    bound = create_table_class(
        class_name=table.__name__,
        bases=(table,),
        class_kwargs={"tablename": table._meta.tablename, "db": engine},
    )
    return cast("type[T]", bound)
