"""How the protected person is reached by text: their own mobile number and language, for the
missed-call notices of :mod:`runtime.alerts.notices` (which cannot read people's tables)."""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine

from runtime.alerts.notices import PersonLookup, Recipient
from runtime.people.tables import Person
from runtime.storage.bind import bind_table

__all__ = ["person_recipient"]


def person_recipient(engine: Engine[Any]) -> PersonLookup:
    """The lookup of a tenant's person, on the platform database's ``engine``: ``None`` when
    nobody is enrolled or they gave no own number."""
    person = bind_table(Person, engine)

    async def lookup(slug: str) -> Recipient | None:
        row = (
            await person.select(person.own_number, person.language)
            .where(person.slug == slug)
            .first()
            .run()
        )
        if row is None or not row["own_number"]:
            return None
        return Recipient(str(row["own_number"]), str(row["language"]))

    return lookup
