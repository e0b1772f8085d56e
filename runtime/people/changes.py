"""Changes to the emergency contacts asked for on the person's page: requests, not writes.

The tenant's stack file (``stacks/Pulumi.<tenant>.yaml``) is the desired state of its contacts;
the runtime's registry holds what the last reconcile applied. A page change is therefore only
recorded here (``pending``). ``ethiq people commit-changes`` applies the pending changes of each
tenant to its stack file, validates it with the stack's own rules, commits it on a branch of the
GitOps repository (``committed``, with the sha and the contacts' numbers in order after it) or
refuses a change those rules reject (``refused``, why). After review and merge, ``ethiq
reconcile`` applies the stack; the page shows a committed change as waiting until the registry's
contacts are what it expects (:meth:`ContactChanges.views`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from piccolo.engine.base import Engine

from runtime.people.tables import ContactChange
from runtime.regions import LANGUAGES
from runtime.storage.bind import bind_table
from runtime.storage.names import validate_slug
from runtime.storage.widths import width
from runtime.tenants import TenantContact, validate_e164

__all__ = [
    "MAX_PENDING",
    "Change",
    "ChangeView",
    "ContactChanges",
    "Op",
    "apply_changes",
]

MAX_PENDING: Final = 20  # per tenant: a page cannot queue an unbounded stack rewrite


class Op(StrEnum):
    ADD = "add"
    REMOVE = "remove"
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class ChangeView:
    id: int
    op: Op
    number: str
    name: str
    state: str  # pending | committed | applied | refused
    commit: str
    detail: str
    requested_at: datetime


Change = tuple[Op, str, str, str]  # (op, number, name, language)


def apply_changes(
    contacts: Sequence[Mapping[str, str]], changes: Sequence[Change]
) -> list[dict[str, str]]:
    """The stack's contact entries (``{"number", "name", "language"?}``) in priority order
    after ``(op, number, name, language)`` changes, in order; other keys are kept as they are.
    A language is written as asked (the stack's rules drop the tenant's own: one spelling).

    Idempotent where it can be: adding a listed number renames it (and sets its language),
    removing an absent one does nothing; moving past either end stays put."""
    result = [dict(c) for c in contacts]
    for op, number, name, language in changes:
        index = next((i for i, c in enumerate(result) if c.get("number") == number), None)
        if op is Op.ADD:
            entry = {"number": number, "name": name} if index is None else result[index]
            if name:
                entry["name"] = name
            if language:
                entry["language"] = language
            if index is None:
                result.append(entry)
        elif index is None:
            continue
        elif op is Op.REMOVE:
            del result[index]
        else:
            other = index - 1 if op is Op.UP else index + 1
            if 0 <= other < len(result):
                result[index], result[other] = result[other], result[index]
    return result


class ContactChanges:
    """The ``contact_change`` rows of every tenant (platform database)."""

    def __init__(self, engine: Engine[Any]) -> None:
        self._change = bind_table(ContactChange, engine)

    async def request(
        self, slug: str, op: Op, number: str, name: str = "", language: str = ""
    ) -> None:
        """Record a change asked for on the page (validated; never applied here); ``language``
        is a new contact's own ("" : the tenant's)."""
        validate_e164(number)
        if language and (op is not Op.ADD or language not in LANGUAGES):
            raise ValueError(f"a new contact's language is one of {', '.join(LANGUAGES)}")
        name = " ".join(name.split())
        if op is Op.ADD and not name:
            raise ValueError("a new contact needs a name")
        if len(name) > width(ContactChange, "name"):
            raise ValueError(f"a name fits in {width(ContactChange, 'name')} characters")
        c = self._change
        slug = validate_slug(slug)
        pending = await c.count().where((c.slug == slug) & (c.state == "pending"))
        if pending >= MAX_PENDING:
            raise ValueError(f"at most {MAX_PENDING} changes may wait at once")
        row = c(slug=slug, op=str(op), number=number, name=name, language=language)
        row.requested_at = datetime.now(UTC)
        await c.insert(row)

    async def pending(self) -> dict[str, list[tuple[int, Change]]]:
        """Pending changes by tenant, each in the order asked: ``(id, (op, number, name,
        language))``."""
        c = self._change
        rows = await c.select().where(c.state == "pending").order_by(c._meta.primary_key)
        out: dict[str, list[tuple[int, Change]]] = {}
        for r in rows:
            change = (Op(r["op"]), r["number"], r["name"], r["language"])
            out.setdefault(r["slug"], []).append((int(r["id"]), change))
        return out

    async def committed(self, ids: Sequence[int], commit: str, expect: Sequence[str]) -> None:
        c = self._change
        await c.update(
            {
                c.state: "committed",
                c.commit: commit,
                c.expect: ",".join(expect),
                c.done_at: datetime.now(UTC),
            }
        ).where(c._meta.primary_key.is_in(list(ids)) & (c.state == "pending"))

    async def refused(self, ids: Sequence[int], why: str) -> None:
        c = self._change
        await c.update({c.state: "refused", c.detail: why, c.done_at: datetime.now(UTC)}).where(
            c._meta.primary_key.is_in(list(ids)) & (c.state == "pending")
        )

    async def views(self, slug: str, applied: Sequence[TenantContact]) -> list[ChangeView]:
        """The tenant's changes, newest first; a committed change reads ``applied`` once the
        registry's contacts (``applied``, from the last reconcile) are what it, or a later
        committed change, expects."""
        c = self._change
        rows = (
            await c.select()
            .where(c.slug == validate_slug(slug))
            .order_by(c._meta.primary_key, ascending=False)
            .limit(50)
        )
        now = ",".join(t.number for t in sorted(applied, key=lambda t: t.priority))
        seen_applied = False
        views: list[ChangeView] = []
        for r in rows:
            state = str(r["state"])
            if state == "committed" and (seen_applied or r["expect"] == now):
                seen_applied = True
                state = "applied"
            views.append(
                ChangeView(
                    int(r["id"]),
                    Op(r["op"]),
                    r["number"],
                    r["name"],
                    state,
                    r["commit"],
                    r["detail"],
                    r["requested_at"],
                )
            )
        return views
