"""Requests for protection made on the sign-up page: a request, not a tenant.

A tenant is a stack (``stacks/Pulumi.<tenant>.yaml``), reviewed and applied by the GitOps flow,
and its number costs money: a web form must not create one. The page records who asks (name,
email, mobile number, language, region) as ``pending`` and writes back to say what comes next.
``ethiq people commit-changes`` turns each pending request into a new stack file, in the same
commit as the contact changes, on the branch a pull request reviews: merged, the reconcile
creates the tenant, and its stack buys a number only once the person's identity and terms are
recorded (the ``activation-gate`` policy). An operator also lists the pending requests
(``GET /operator/people/signups``, each with the ``ethiq tenant add`` command that starts the
stack by hand) and may mark one done.
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
    contact_name: str = ""
    contact_number: str = ""

    def slug(self) -> str:
        """The tenant name a stack for this request takes (ASCII words of the name)."""
        return _slug(self.name)

    def command(self) -> str:
        """The ``ethiq tenant add`` that starts this person's stack (the operator chooses the
        tenant name, and adds the contacts the person gives)."""
        slug = _slug(self.name) or "TENANT"
        args = ["ethiq", "tenant", "add", slug, "--email", self.email, "--lang", self.language]
        args += ["--person-name", self.name, "--region", self.region or "REGION"]
        if self.contact_number:
            args += ["--contact", f"{self.contact_number}:{self.contact_name}"]
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

    async def request(
        self,
        name: str,
        email: str,
        phone: str,
        language: str,
        region: str,
        contact: tuple[str, str] = ("", ""),
    ) -> bool:
        """Record a request (validated); ``False`` when this email already waits (one request
        per person: asking twice changes nothing). ``contact``: the first emergency contact's
        name and number (a stack needs one)."""
        name = " ".join(name.split())
        if not name or len(name) > width(SignupRequest, "name"):
            raise ValueError(f"a name of 1 to {width(SignupRequest, 'name')} characters")
        contact_name, contact_number = " ".join(contact[0].split()), contact[1]
        if not contact_name or len(contact_name) > width(SignupRequest, "contact_name"):
            raise ValueError(f"a contact name of 1 to {width(SignupRequest, 'contact_name')}")
        email = valid_email(email)
        validate_e164(phone)
        validate_e164(contact_number)
        if language not in LANGUAGES:
            raise ValueError(f"a language among {', '.join(LANGUAGES)}")
        if region not in REGIONS:
            raise ValueError(f"a region among {', '.join(REGIONS)}")
        r = self._row
        if await r.count().where((r.email == email) & (r.state == "pending")):
            return False
        if await r.count().where(r.state == "pending") >= MAX_PENDING:
            raise ValueError("too many requests are waiting")
        row = r(
            name=name,
            email=email,
            phone=phone,
            language=language,
            region=region,
            contact_name=contact_name,
            contact_number=contact_number,
        )
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
                x["contact_name"],
                x["contact_number"],
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

    async def committed(self, request_id: int, tenant: str, sha: str) -> None:
        """Mark a request done: its stack is ``tenant``, committed in ``sha`` (``""``: a stack
        that already existed)."""
        r = self._row
        await r.update(
            {r.state: "done", r.done_at: datetime.now(UTC), r.tenant: tenant, r.commit: sha}
        ).where((r._meta.primary_key == request_id) & (r.state == "pending"))
