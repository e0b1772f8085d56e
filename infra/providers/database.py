"""The tenant's data (schema or file, with migrations) and its entry in the platform registry.

Both wrap the runtime's own data layer (``runtime.storage``, ``runtime.tenants``), so the stack
and the runtime can never disagree on where a tenant's data lives.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Coroutine
from typing import Any, TypeVar

import pulumi
from pulumi import dynamic

from runtime.storage import TENANT_MIGRATIONS, store_for_url, tenant_namespace
from runtime.tenants import Registry, TenantContact, TenantRecord

__all__ = ["Registration", "TenantSchema"]

T = TypeVar("T")


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to completion, keeping piccolo's progress prints off the provider's stdout
    (the engine reads the provider's stdout)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return asyncio.run(work)


def _changed(olds: dict[str, Any], news: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    return [f for f in fields if olds.get(f) != news.get(f)]


class TenantSchemaProvider(dynamic.ResourceProvider):
    """Creates ``tenant_<slug>`` and applies pending migrations; drops it on delete only when
    ``retain_data`` is false (the default keeps a removed tenant's data)."""

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        outs = self._ensure(props)
        return dynamic.CreateResult(id_=outs["schema"], outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        changed = _changed(olds, news, ("slug", "migrations", "retain_data", "database_url"))
        return dynamic.DiffResult(
            changes=bool(changed), replaces=["slug"] if "slug" in changed else []
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        return dynamic.UpdateResult(outs=self._ensure(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("retain_data", True):
            return

        async def drop() -> None:
            store = store_for_url(props["database_url"])
            try:
                await store.drop(props["slug"])
            finally:
                await store.close()

        _run(drop())

    @staticmethod
    def _ensure(props: dict[str, Any]) -> dict[str, Any]:
        async def ensure() -> None:
            store = store_for_url(props["database_url"])
            try:
                await store.ensure(props["slug"])
            finally:
                await store.close()

        _run(ensure())
        return {
            "slug": props["slug"],
            "schema": tenant_namespace(props["slug"]),
            "migrations": props["migrations"],
            "retain_data": props["retain_data"],
            "database_url": props["database_url"],
        }


class TenantSchema(dynamic.Resource, module="ethiq", name="TenantSchema"):
    schema: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        slug: str,
        database_url: pulumi.Input[str],
        retain_data: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "slug": slug,
            "database_url": database_url,
            "retain_data": retain_data,
            # Adding a migration to the runtime changes this list, so `up` applies it.
            "migrations": TENANT_MIGRATIONS.ids(),
            "schema": None,
        }
        secret = pulumi.ResourceOptions(additional_secret_outputs=["database_url"])
        super().__init__(
            TenantSchemaProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )


_RECORD_FIELDS = (
    "phone_number",
    "sip_address",
    "sip_username",
    "subaccount_sid",
    "auth_token",
    "language",
    "region",
    "contacts",
)


class RegistrationProvider(dynamic.ResourceProvider):
    """The row the runtime routes on (number → tenant); the auth token is encrypted at rest."""

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        self._upsert(props)
        return dynamic.CreateResult(id_=props["slug"], outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        changed = _changed(olds, news, ("slug", "database_url", "registry_key", *_RECORD_FIELDS))
        return dynamic.DiffResult(
            changes=bool(changed), replaces=["slug"] if "slug" in changed else []
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        self._upsert(news)
        return dynamic.UpdateResult(outs=news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        async def remove() -> None:
            registry = Registry.for_url(props["database_url"], props["registry_key"])
            try:
                await registry.remove(props["slug"])
            finally:
                await registry.close()

        _run(remove())

    @staticmethod
    def _upsert(props: dict[str, Any]) -> None:
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
                    language=props["language"],
                )
                for i, c in enumerate(props["contacts"])
            ),
        )

        async def apply() -> None:
            registry = Registry.for_url(props["database_url"], props["registry_key"])
            try:
                await registry.migrate()
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
            "database_url": database_url,
            "registry_key": registry_key,
        }
        secret = pulumi.ResourceOptions(
            additional_secret_outputs=["auth_token", "database_url", "registry_key"]
        )
        super().__init__(
            RegistrationProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )
