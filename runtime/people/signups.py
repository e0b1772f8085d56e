"""Requests for protection made on the sign-up page: a request, not a tenant.

A tenant is a stack (``stacks/Pulumi.<tenant>.yaml``), reviewed and applied by the GitOps flow,
and its number costs money: a web form must not create one. The page records who asks (name,
email, mobile number, language, region) as ``pending`` and writes back to say what comes next;
an operator lists the pending requests
(``GET /operator/people/signups``, each with the ``ethiq tenant add`` command that starts the
stack), contacts the person, writes the stack and marks the request done.
"""

from __future__ import annotations

import shlex
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from piccolo.engine.base import Engine

from runtime.people.tables import SignupRequest
from runtime.regions import LANGUAGES, REGIONS
from runtime.storage.bind import bind_table
from runtime.storage.widths import width
from runtime.tenants import validate_e164

__all__ = ["MAX_PENDING", "Signup", "SignupRequests", "valid_email"]

MAX_PENDING: Final = 500  # a form cannot fill the database


@dataclass(frozen=True, slots=True)
class Signup:
    id: int
    name: str
    email: str
    phone: str
    language: str
    region: str
    requested_at: datetime

    def command(self) -> str:
        """The ``ethiq tenant add`` that starts this person's stack (the operator chooses the
        tenant name, and adds the contacts the person gives)."""
        slug = _slug(self.name) or "TENANT"
        args = ["ethiq", "tenant", "add", slug, "--email", self.email, "--lang", self.language]
        args += ["--person-name", self.name, "--region", self.region or "REGION"]
        return shlex.join(args)


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_name.lower()).split()
    return "-".join(words)[:40].strip("-")


def valid_email(value: str) -> str:
    email = value.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or len(email) > 254 or " " in email:  # noqa: PLR2004
        raise ValueError(f"not an email address: {value!r}")
    return email


class SignupRequests:
    """The ``signup_request`` rows (platform database)."""

    def __init__(self, engine: Engine[Any]) -> None:
        self._row = bind_table(SignupRequest, engine)

    async def request(self, name: str, email: str, phone: str, language: str, region: str) -> bool:
        """Record a request (validated); ``False`` when this email already waits (one request
        per person: asking twice changes nothing)."""
        name = " ".join(name.split())
        if not name or len(name) > width(SignupRequest, "name"):
            raise ValueError(f"a name of 1 to {width(SignupRequest, 'name')} characters")
        email = valid_email(email)
        validate_e164(phone)
        if language not in LANGUAGES:
            raise ValueError(f"a language among {', '.join(LANGUAGES)}")
        if region not in REGIONS:
            raise ValueError(f"a region among {', '.join(REGIONS)}")
        r = self._row
        if await r.count().where((r.email == email) & (r.state == "pending")):
            return False
        if await r.count().where(r.state == "pending") >= MAX_PENDING:
            raise ValueError("too many requests are waiting")
        row = r(name=name, email=email, phone=phone, language=language, region=region)
        row.requested_at = datetime.now(UTC)
        await r.insert(row)
        return True

    async def pending(self) -> list[Signup]:
        r = self._row
        rows = await r.select().where(r.state == "pending").order_by(r._meta.primary_key)
        return [
            Signup(
                int(x["id"]),
                x["name"],
                x["email"],
                x["phone"],
                x["language"],
                x["region"],
                x["requested_at"],
            )
            for x in rows
        ]

    async def done(self, request_id: int) -> bool:
        """Mark a request handled (its stack written); ``False`` if none was pending."""
        r = self._row
        rows = (
            await r.update({r.state: "done", r.done_at: datetime.now(UTC)})
            .where((r._meta.primary_key == request_id) & (r.state == "pending"))
            .returning(r._meta.primary_key)
        )
        return bool(rows)
