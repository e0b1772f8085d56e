"""A tenant's tables, bound to one tenant's engine, for the runtime's queries.

piccolo binds a table class to one engine (``_meta.db``); a tenant's engine therefore needs its
own copies of the classes::

    call = bind_table(Call, store.engine("acme"))
    await call.insert(call(sid=sid, from_number=caller, to_number=called))

(``runtime.alerts.tables.bind_tables`` binds a tenant's whole set at once.)

A copy must be cheap: thousands of tenants reach one process. piccolo's own way
(``create_table_class``) costs milliseconds and ~20 KB per class and registers every class
forever in ``piccolo.table.TABLE_REGISTRY``. So each declared table gets ONE piccolo subclass
(:func:`_template`, made once) whose ``__init_subclass__`` is disabled, and a tenant's copy is a
plain subclass of it carrying a shallow copy of its ``TableMeta`` with the tenant's engine:
same columns, names, choices and defaults, microseconds to make, collected when no longer used.
The copies of the most recent engines are cached. Both touch piccolo's internals: the patches
are in :mod:`runtime.patches`.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar, cast

from piccolo.engine.base import Engine
from piccolo.table import Table, create_table_class

from runtime.patches import piccolo_meta_on, skip_piccolo_table_setup

__all__ = ["bind_table"]

T = TypeVar("T", bound=Table)


class _EngineType:
    """The template's stand-in engine: columns ask it only for ``engine_type`` (how to compile
    SQL); it has nothing to run a query on, so a query on a template itself fails."""

    def __init__(self, engine_type: str) -> None:
        self.engine_type = engine_type


@cache
def _template(table: type[Table], engine_type: str) -> type[Table]:
    """One piccolo subclass of ``table`` (same name) per engine type, whose own subclasses
    skip piccolo's setup. Its columns are the ones every copy uses."""
    template = create_table_class(
        class_name=table.__name__,
        bases=(table,),
        class_kwargs={"tablename": table._meta.tablename, "db": _EngineType(engine_type)},
    )
    skip_piccolo_table_setup(template)
    return template


def bind_table(table: type[T], engine: Engine[Any]) -> type[T]:
    """A subclass of ``table`` with the same table name, bound to ``engine``."""
    template = _template(table, engine.engine_type)
    meta = piccolo_meta_on(template, engine)
    bound = type(table.__name__, (template,), {"_meta": meta, "__module__": table.__module__})
    return cast("type[T]", bound)
