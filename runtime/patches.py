"""Every patch of a third-party library's internals, in one place: what, why, and the pinned
version it was checked against (:data:`CHECKED_AGAINST`; ``tests/test_patches.py`` fails when the
installed version differs, so an upgrade of these libraries starts with a review of this module).

1. **piccolo: the engine migrations run on** (:func:`route_piccolo_migrations`). piccolo's
   migrations find their engine through ``piccolo.conf.apps.Finder.get_engine`` (the ``DB`` of
   ``PICCOLO_CONF``: one database per process); each tenant has its own engine, so the method is
   wrapped to return the engine a ``ContextVar`` holds while
   :func:`runtime.storage.migrations.apply_migrations` runs, piccolo's own method everywhere
   else. It refuses to wrap a method that is not piccolo's.
2. **piccolo: cheap table copies per tenant** (:func:`skip_piccolo_table_setup`,
   :func:`piccolo_meta_on`). ``create_table_class`` costs milliseconds and registers every class
   forever; :mod:`runtime.storage.bind` makes one template per table whose
   ``__init_subclass__`` does nothing, and each tenant's copy carries a shallow copy of the
   template's ``TableMeta`` with ``_db`` set to the tenant's engine.
3. **pulumi-policy: the stack's config** (:func:`capture_policy_stack_config`). The engine sends
   every policy pack the stack's config (``ConfigureStack``), but pulumi-policy keeps only the
   tags; ``_PolicyAnalyzerServicer.ConfigureStack`` is wrapped to keep the config too
   (:mod:`policies.stack_config`).

Built on internals without patching them, reviewed with the same upgrades:
``runtime.storage.postgres._SchemaTransaction`` (piccolo's ``PostgresTransaction``: ``_parent``,
``_committed``, ``_rolled_back``, ``current_transaction``) and ``TableMeta.db`` read as
``table._meta.db`` for a tenant's transaction.

Imports are inside the functions: the policy pack imports this module without piccolo's cost,
the runtime without pulumi-policy's.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from piccolo.engine.base import Engine
    from piccolo.table import Table

__all__ = [
    "CHECKED_AGAINST",
    "PatchMismatch",
    "capture_policy_stack_config",
    "piccolo_meta_on",
    "route_piccolo_migrations",
    "skip_piccolo_table_setup",
]

# Distribution → the pinned version (pyproject.toml) every patch here was checked against.
CHECKED_AGAINST: Final = {"piccolo": "1.38.0", "pulumi-policy": "1.21.0"}


class PatchMismatch(RuntimeError):
    """The internal about to be patched is not the one this module was written against."""


def route_piccolo_migrations(bound: ContextVar[Engine[Any] | None]) -> None:
    """Make piccolo's migrations use ``bound``'s engine while it is set (idempotent)."""
    from piccolo.conf.apps import Finder  # noqa: PLC0415 - see the module docstring

    original = Finder.get_engine
    if getattr(original, "_ethiq_bound", None) is bound:
        return
    if (original.__module__, original.__qualname__) != ("piccolo.conf.apps", "Finder.get_engine"):
        raise PatchMismatch(
            "piccolo.conf.apps.Finder.get_engine is not piccolo's: review "
            "runtime.patches before running migrations with this piccolo"
        )

    def get_engine(self: Finder, module_name: str | None = None) -> Engine[Any] | None:
        engine = bound.get()
        if engine is not None and module_name is None:
            return engine
        result: Engine[Any] | None = original(self, module_name)
        return result

    get_engine._ethiq_bound = bound  # type: ignore[attr-defined]
    Finder.get_engine = get_engine  # type: ignore[method-assign]


def skip_piccolo_table_setup(template: type[Table]) -> None:
    """Subclasses of ``template`` skip piccolo's class setup (and its registry)."""

    def _skip_setup(cls: type[Table], /, **_: Any) -> None:
        """Copies get their ``_meta`` from :func:`piccolo_meta_on`; nothing to set up."""

    template.__init_subclass__ = classmethod(_skip_setup)  # type: ignore[assignment,method-assign]


def piccolo_meta_on(template: type[Table], engine: Engine[Any]) -> Any:
    """A shallow copy of ``template``'s ``TableMeta`` bound to ``engine``."""
    import copy  # noqa: PLC0415 - kept beside its only use

    meta = copy.copy(template._meta)
    meta._db = engine
    return meta


def capture_policy_stack_config(received: MutableMapping[str, str]) -> None:
    """Keep in ``received`` the stack config (secrets dropped) the engine sends the policy pack
    with ``ConfigureStack``; pulumi-policy's own handler still runs (idempotent)."""
    from pulumi_policy import policy as _policy  # noqa: PLC0415 - see the module docstring

    servicer: Any = _policy._PolicyAnalyzerServicer  # private: see the module docstring
    original = servicer.ConfigureStack
    if getattr(original, "_ethiq_capture", False):
        return

    def configure_stack(self: Any, request: Any, context: Any) -> Any:
        secret = set(request.config_secret_keys)
        received.clear()
        received.update({k: v for k, v in request.config.items() if k not in secret})
        return original(self, request, context)

    configure_stack._ethiq_capture = True  # type: ignore[attr-defined]
    servicer.ConfigureStack = configure_stack
