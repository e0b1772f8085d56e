"""The tenant's data (schema or file, with migrations) and its entry in the platform registry.

Both wrap the runtime's own data layer (``runtime.storage``, ``runtime.tenants``), so the stack
and the runtime can never disagree on where a tenant's data lives.

Ownership: the registry row names the tenant's subaccount, whose friendly name carries the
owning platform and stack (:mod:`infra.providers.ownership`). Both providers take the stack's
subaccount as an input: they refuse a tenant whose row names another subaccount, and never drop
or unregister what another subaccount owns. Both implement ``read`` (drift): a dropped schema, a
missing migration or a deleted or changed registry row shows in ``pulumi refresh`` and the next
``up`` repairs it. ``DATABASE_URL`` / ``ETHIQ_REGISTRY_KEY`` of the run win over the state's
copies, so a rotated password or key works for refresh and destroy too.

The data layer is imported inside the operations that use it, never at module level: the
program and the engine's diffs of an unchanged stack never touch the database, and importing
piccolo (with the code formatter it pulls in) and the registry would add about half a second to
every ``pulumi`` command (``tests/infra/test_program_imports.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import threading
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pulumi
from pulumi import dynamic
from pulumi.runtime import rpc

import runtime
from infra.providers import DRIFTED_SECRETS
from infra.providers.retry import ProvisioningError

if TYPE_CHECKING:
    from runtime.storage import TenantStore
    from runtime.tenants import Registry, TenantRecord

__all__ = ["Registration", "TenantSchema", "billing_activation"]

T = TypeVar("T")


_IMPORTING = threading.Lock()
_loaded = False


def _data_layer() -> None:
    """Import the data layer (piccolo underneath) once, one thread at a time.

    The Python provider host serves resources from a thread pool: the number's activation check
    and the schema importing piccolo for the first time at once saw it partially initialised
    (``ImportError: cannot import name 'JSON' from partially initialized module``)."""
    global _loaded  # noqa: PLW0603 (once per provider process)
    if _loaded:
        return
    with _IMPORTING:
        import runtime.billing.activation
        import runtime.screening.risk
        import runtime.storage
        import runtime.tenants  # noqa: F401

        _loaded = True


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to completion, keeping piccolo's progress prints off the provider's stdout
    (the engine reads the provider's stdout)."""
    _data_layer()
    with contextlib.redirect_stdout(io.StringIO()):
        return asyncio.run(work)


# Set from the apply's environment: a pull request preview holds neither, so they are unknown
# there (infra/program.py), and an unknown one is not a change (no stack file can change it).
_CREDENTIALS = ("database_url", "registry_key")


_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # noqa: S105  # Pulumi's secret marker key


def _unknown(value: Any) -> bool:
    """An unknown input as a dynamic provider's diff receives it (bare, or inside a secret)."""
    if isinstance(value, dict) and _SECRET_SIG in value:
        value = value.get("value")
    return value is None or value == rpc.UNKNOWN or isinstance(value, pulumi.output.Unknown)


def _changed(olds: dict[str, Any], news: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    return [
        f
        for f in fields
        if olds.get(f) != news.get(f) and not (f in _CREDENTIALS and _unknown(news.get(f)))
    ]


def _database_url(props: dict[str, Any]) -> str:
    return os.environ.get("DATABASE_URL") or str(props["database_url"])


def _store(props: dict[str, Any]) -> TenantStore:
    from runtime.storage import store_for_url

    return store_for_url(_database_url(props))


def _registry(props: dict[str, Any]) -> Registry:
    from runtime.tenants import Registry

    key = os.environ.get("ETHIQ_REGISTRY_KEY") or str(props["registry_key"])
    return Registry.for_url(_database_url(props), key)


def billing_activation(props: dict[str, Any]) -> Any:
    """The tenant's recorded KYC and terms (:func:`runtime.billing.activation.read_activation`),
    read when its stack is about to buy the number: unknown in a preview that holds no database
    URL (a pull request's), and a failed read stops the run (the gate fails closed)."""
    url = os.environ.get("DATABASE_URL") or props.get("database_url")
    if _unknown(url):
        return rpc.UNKNOWN
    if isinstance(url, dict):
        url = url.get("value")
    _data_layer()
    from runtime.billing.activation import read_activation

    try:
        return _run(read_activation(str(url), str(props["tenant"])))
    except Exception as error:  # any failure: the purchase waits
        raise ProvisioningError(
            f"could not read tenant {props['tenant']!r}'s billing account, which its number "
            f"purchase is gated on ({type(error).__name__}: {error}); run the update again "
            "once the platform database answers"
        ) from None


async def _registered_subaccount(props: dict[str, Any]) -> str | None:
    """The subaccount the registry names for this tenant (None: not registered)."""
    registry = _registry(props)
    try:
        await registry.migrate()
        record = await registry.get(props["slug"])
    finally:
        await registry.close()
    return None if record is None else record.subaccount_sid


def _refuse_foreign(
    slug: str, registered: str | None, ours: str, what: str, previous: str | None = None
) -> None:
    """Refuse a tenant registered to another subaccount than this stack's. ``previous`` is the
    subaccount this stack's state recorded: a row naming it is this stack's own (its subaccount
    was closed and made again, the row is repaired)."""
    if registered is not None and registered not in (ours, previous):
        raise ProvisioningError(
            f"tenant {slug!r} is registered to subaccount {registered}, not to this stack's "
            f"{ours}: its {what} belongs to another stack (another backend or platform). "
            "Run this stack from the backend that owns the tenant, or choose another name."
        )


async def _claim(store: TenantStore, slug: str, ours: str, previous: str | None) -> None:
    """Record ``ours`` as the subaccount whose data the schema holds, or refuse another's.

    A schema without an owner (made before owners were recorded) is claimed; one owned by
    ``previous`` (this stack's own subaccount, closed and made again) is handed to ``ours``.
    Anything else is a removed tenant's retained data: never given to a new tenant silently.
    """
    from runtime.storage import bind_table, tenant_namespace
    from runtime.tenants.schema_tables import Owner

    owner = bind_table(Owner, store.engine(slug))
    held = {str(r["subaccount_sid"]) for r in await owner.select(owner.subaccount_sid)}
    if ours in held:
        return
    if held - {previous}:
        raise ProvisioningError(
            f"schema {tenant_namespace(slug)} holds the data of subaccount "
            f"{', '.join(sorted(held))}, kept when that tenant was removed (retainData), not "
            f"this stack's {ours}. To give it to this tenant (the same person returning), adopt "
            "that tenant's resources with ethiq:adoptStackId, or have an operator hand the data "
            "over (docs/runbooks.md, 'Retained data'); otherwise choose another tenant name."
        )
    await owner.delete(force=True)
    await owner.insert(owner(subaccount_sid=ours, claimed_at=datetime.now(UTC)))


async def _owned_by_another(store: TenantStore, slug: str, ours: str) -> bool:
    from runtime.storage import bind_table
    from runtime.tenants.schema_tables import Owner

    owner = bind_table(Owner, store.engine(slug))
    held = {str(r["subaccount_sid"]) for r in await owner.select(owner.subaccount_sid)}
    return bool(held) and ours not in held


class TenantSchemaProvider(dynamic.ResourceProvider):
    """Creates ``tenant_<slug>`` and applies pending migrations; drops it on delete only when
    ``retain_data`` is false (the default keeps a removed tenant's data)."""

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        outs = self._ensure(props)
        return dynamic.CreateResult(id_=outs["schema"], outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        fields = ("slug", "migrations", "retain_data", "database_url", "subaccount_sid")
        changed = _changed(olds, news, fields)
        return dynamic.DiffResult(
            changes=bool(changed), replaces=["slug"] if "slug" in changed else []
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        return dynamic.UpdateResult(outs=self._ensure(news, olds.get("subaccount_sid")))

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        async def applied() -> list[str] | None:
            store = _store(props)
            try:
                if not await store.exists(props["slug"]):
                    return None
                return await store.applied_migrations(props["slug"])
            finally:
                await store.close()

        migrations = _run(applied())
        if migrations is None:
            return dynamic.ReadResult(None, {})  # dropped: `up` creates and migrates it again
        return dynamic.ReadResult(id_, {**props, "migrations": migrations})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("retain_data", True):
            return

        async def drop() -> None:
            if "subaccount_sid" in props:
                registered = await _registered_subaccount(props)
                if registered is not None and registered != props["subaccount_sid"]:
                    return  # another stack's tenant now: never drop its data
            store = _store(props)
            try:
                if "subaccount_sid" in props and await _owned_by_another(
                    store, props["slug"], props["subaccount_sid"]
                ):
                    return  # another tenant's data now: never drop it
                await store.drop(props["slug"])
            finally:
                await store.close()

        _run(drop())

    @staticmethod
    def _ensure(props: dict[str, Any], previous: str | None = None) -> dict[str, Any]:
        async def ensure() -> None:
            registered = await _registered_subaccount(props)
            _refuse_foreign(props["slug"], registered, props["subaccount_sid"], "schema", previous)
            store = _store(props)
            try:
                await store.ensure(props["slug"])
                await _claim(store, props["slug"], props["subaccount_sid"], previous)
            finally:
                await store.close()

        _data_layer()
        from runtime.storage import tenant_namespace

        _run(ensure())
        return {
            "slug": props["slug"],
            "schema": tenant_namespace(props["slug"]),
            "migrations": props["migrations"],
            "retain_data": props["retain_data"],
            "database_url": props["database_url"],
            "registry_key": props["registry_key"],
            "subaccount_sid": props["subaccount_sid"],
        }


_MIGRATIONS = Path(runtime.__file__).parent / "storage" / "piccolo_migrations"
_MIGRATION_ID = re.compile(r'^ID = "([^"]+)"$', re.MULTILINE)


def migration_ids() -> list[str]:
    """The tenant schema's migration ids (``runtime.storage.TENANT_MIGRATIONS.ids()``), read
    from the migration files rather than by importing them and piccolo."""
    found = (_MIGRATION_ID.search(f.read_text()) for f in sorted(_MIGRATIONS.glob("*.py")))
    return sorted(m.group(1) for m in found if m is not None)


class TenantSchema(dynamic.Resource, module="ethiq", name="TenantSchema"):
    schema: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        slug: str,
        subaccount_sid: pulumi.Input[str],
        database_url: pulumi.Input[str],
        registry_key: pulumi.Input[str],
        retain_data: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "slug": slug,
            "subaccount_sid": subaccount_sid,
            "database_url": database_url,
            "registry_key": registry_key,
            "retain_data": retain_data,
            # Adding a migration to the runtime changes this list, so `up` applies it.
            "migrations": migration_ids(),
            "schema": None,
        }
        secret = pulumi.ResourceOptions(additional_secret_outputs=["database_url", "registry_key"])
        super().__init__(
            TenantSchemaProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )


_SECRET_FIELDS = ("auth_token",)
_RECORD_FIELDS = (
    "phone_number",
    "sip_address",
    "sip_username",
    "subaccount_sid",
    "auth_token",
    "language",
    "region",
    "contacts",
    "sensitivity",
    "person_name",
    "call_countries",
    "monitored_numbers",
    "messaging_service_sid",
    "us_texting",
)


class RegistrationProvider(dynamic.ResourceProvider):
    """The row the runtime routes on (number → tenant); the auth token is encrypted at rest."""

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        self._upsert(props)
        return dynamic.CreateResult(id_=props["slug"], outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        # A state from before ``us_texting`` lacks it: "" then, no fleet-wide update for it.
        olds = {**olds, "us_texting": olds.get("us_texting") or ""}
        changed = _changed(olds, news, ("slug", "database_url", "registry_key", *_RECORD_FIELDS))
        return dynamic.DiffResult(
            changes=bool(changed), replaces=["slug"] if "slug" in changed else []
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        self._upsert(news, olds.get("subaccount_sid"))
        return dynamic.UpdateResult(outs=news)

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        async def get() -> TenantRecord | None:
            registry = _registry(props)
            try:
                return await registry.get(props["slug"])
            finally:
                await registry.close()

        record = _run(get())
        if record is None:
            return dynamic.ReadResult(None, {})  # unregistered: `up` registers it again
        live = {
            "phone_number": record.phone_number,
            "sip_address": record.sip_address,
            "sip_username": record.sip_username,
            "subaccount_sid": record.subaccount_sid,
            "auth_token": record.auth_token,
            "language": record.language,
            "region": record.region,
            # As the stack declares them: name and language only when set (the tenant's
            # language is no contact's own).
            "contacts": [
                {"number": c.number}
                | ({"name": c.name} if c.name else {})
                | ({"language": c.language} if c.language != record.language else {})
                for c in record.contacts
            ],
            "sensitivity": None if record.sensitivity is None else str(record.sensitivity),
            # Unset is None, as the program declares it: no drift on stacks that never set it.
            "person_name": record.person_name or None,
            "call_countries": list(record.call_countries) or None,
            # As the stack declares them (name and carrier only when set); none: None.
            "monitored_numbers": [
                {"number": m.number}
                | ({"name": m.name} if m.name else {})
                | ({"carrier": m.carrier} if m.carrier else {})
                for m in record.monitored_numbers
            ]
            or None,
            "messaging_service_sid": record.messaging_service_sid,
        }
        if record.us_texting or "us_texting" in props:  # a state from before it: no drift
            live["us_texting"] = record.us_texting
        outs = {k: v for k, v in props.items() if k != DRIFTED_SECRETS}
        # Secret values never reach a diff in clear: name the secret fields that drifted.
        secrets = [f for f in _SECRET_FIELDS if live[f] != props.get(f)]
        return dynamic.ReadResult(
            id_, {**outs, **live, **({DRIFTED_SECRETS: secrets} if secrets else {})}
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        async def remove() -> None:
            registry = _registry(props)
            try:
                record = await registry.get(props["slug"])
                if record is not None and record.subaccount_sid == props["subaccount_sid"]:
                    await registry.remove(props["slug"])  # never another stack's row
            finally:
                await registry.close()

        _run(remove())

    @staticmethod
    def _upsert(props: dict[str, Any], previous: str | None = None) -> None:
        _data_layer()
        from runtime.screening.risk import parse_sensitivity
        from runtime.tenants import MonitoredNumber, TenantContact, TenantRecord

        record = TenantRecord(
            slug=props["slug"],
            phone_number=props["phone_number"],
            sip_address=props["sip_address"],
            sip_username=props["sip_username"],
            subaccount_sid=props["subaccount_sid"],
            auth_token=props["auth_token"],
            language=props["language"],
            region=props["region"],
            contacts=tuple(
                TenantContact(
                    number=c["number"],
                    name=c.get("name", ""),
                    priority=i + 1,
                    language=c.get("language") or props["language"],
                )
                for i, c in enumerate(props["contacts"])
            ),
            # Text as the stack file has it (validated there); None: the platform default.
            sensitivity=None
            if props.get("sensitivity") is None
            else parse_sensitivity(str(props["sensitivity"])),
            person_name=props.get("person_name") or "",
            call_countries=tuple(props.get("call_countries") or ()),
            monitored_numbers=tuple(
                MonitoredNumber(m["number"], m.get("name", ""), m.get("carrier", ""))
                for m in props.get("monitored_numbers") or ()
            ),
            messaging_service_sid=props.get("messaging_service_sid") or "",
            us_texting=props.get("us_texting") or "",
        )

        async def apply() -> None:
            registry = _registry(props)
            try:
                await registry.migrate()
                existing = await registry.get(record.slug)
                registered = None if existing is None else existing.subaccount_sid
                _refuse_foreign(
                    record.slug, registered, record.subaccount_sid, "registration", previous
                )
                await registry.upsert(record)
            finally:
                await registry.close()

        _run(apply())


class Registration(dynamic.Resource, module="ethiq", name="TenantRegistration"):
    def __init__(
        self,
        name: str,
        *,
        slug: str,
        phone_number: pulumi.Input[str],
        sip_address: pulumi.Input[str],
        sip_username: pulumi.Input[str],
        subaccount_sid: pulumi.Input[str],
        auth_token: pulumi.Input[str],
        language: str,
        region: str,
        contacts: list[dict[str, str]],
        sensitivity: str | None,
        person_name: str | None,
        call_countries: list[str] | None,
        monitored_numbers: list[dict[str, str]] | None = None,
        messaging_service_sid: pulumi.Input[str] = "",
        us_texting: pulumi.Input[str] = "",
        database_url: pulumi.Input[str],
        registry_key: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "slug": slug,
            "phone_number": phone_number,
            "sip_address": sip_address,
            "sip_username": sip_username,
            "subaccount_sid": subaccount_sid,
            "auth_token": auth_token,
            "language": language,
            "region": region,
            "contacts": contacts,
            "sensitivity": sensitivity,
            "person_name": person_name,
            "call_countries": call_countries,
            "monitored_numbers": monitored_numbers,
            "messaging_service_sid": messaging_service_sid,
            "us_texting": us_texting,
            "database_url": database_url,
            "registry_key": registry_key,
        }
        secret = pulumi.ResourceOptions(
            additional_secret_outputs=["auth_token", "database_url", "registry_key"]
        )
        super().__init__(
            RegistrationProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )
