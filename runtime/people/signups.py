"""Requests for protection made on the sign-up page: a request, not a tenant.

A tenant is a stack (``stacks/Pulumi.<tenant>.yaml``), reviewed and applied by the GitOps flow,
and its number costs money: a web form must not create one. The page records who asks (name,
email, mobile number, language, region) as ``pending`` and writes back to say what comes next.
``ethiq people commit-changes`` turns each pending request into a new stack file, in the same
commit as the contact changes, on the branch a pull request reviews: merged, the reconcile
creates the tenant, and its stack buys a number only once the person's identity and terms are
recorded (the ``activation-gate`` policy); then the job of :mod:`.enrolment` enrols the person.
An operator also lists the pending requests
(``GET /operator/people/signups``, each with the ``ethiq tenant add`` command that starts the
stack by hand) and the refused ones (``GET /operator/people/signups/refused``, each with why and
when), and may mark one done.
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

__all__ = [
    "CLAIMED",
    "DONE",
    "GREET",
    "MAX_PENDING",
    "PENDING",
    "REFUSED",
    "STACKED",
    "RefusedSignup",
    "Signup",
    "SignupRequests",
    "valid_email",
]

MAX_PENDING: Final = 500  # a form cannot fill the database
# A request's states: ``pending`` (asked), ``stacked`` (its stack file committed, the tenant
# not registered yet), ``claimed`` (the tenant registered: its person being enrolled),
# ``greet`` (enrolled, the welcome email refused by the relay: due again), ``done`` (enrolled,
# or handled by an operator), ``refused`` (the enrolment was refused: an operator acts).
PENDING: Final = "pending"
STACKED: Final = "stacked"
CLAIMED: Final = "claimed"
GREET: Final = "greet"
DONE: Final = "done"
REFUSED: Final = "refused"
# An operator may still mark these done (a refused one: once they enrolled its person by hand).
OPEN: Final = [PENDING, STACKED, CLAIMED, GREET, REFUSED]


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


@dataclass(frozen=True, slots=True)
class RefusedSignup:
    """A request whose enrolment was refused: for an operator to act on."""

    signup: Signup
    tenant: str
    reason: str
    refused_at: datetime


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
        if await r.count().where((r.email == email) & (r.state == PENDING)):
            return False
        if await r.count().where(r.state == PENDING) >= MAX_PENDING:
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
        rows = await r.select().where(r.state == PENDING).order_by(r._meta.primary_key)
        return [_signup(x) for x in rows]

    async def refused(self) -> list[RefusedSignup]:
        """The requests whose enrolment was refused, oldest first."""
        r = self._row
        rows = await r.select().where(r.state == REFUSED).order_by(r._meta.primary_key)
        return [RefusedSignup(_signup(x), x["tenant"], x["reason"], x["done_at"]) for x in rows]

    async def refuse(self, request_id: int, before: str, reason: str) -> bool:
        """Move a request from ``before`` to ``refused``, recording why and when; ``False`` if
        it was not in ``before``."""
        r = self._row
        rows = (
            await r.update({r.state: REFUSED, r.reason: reason, r.done_at: datetime.now(UTC)})
            .where((r._meta.primary_key == request_id) & (r.state == before))
            .returning(r._meta.primary_key)
        )
        return bool(rows)

    async def done(self, request_id: int) -> bool:
        """Mark a request handled (its stack written, or its person enrolled by hand);
        ``False`` if none was pending, waiting for its stack, or refused."""
        r = self._row
        rows = (
            await r.update({r.state: DONE, r.done_at: datetime.now(UTC)})
            .where((r._meta.primary_key == request_id) & r.state.is_in(OPEN))
            .returning(r._meta.primary_key)
        )
        return bool(rows)

    async def committed(self, request_id: int, tenant: str, sha: str) -> None:
        """Record a request's stack ``tenant``, committed in ``sha``: it waits (``stacked``)
        for the reconcile to register the tenant, then :mod:`.enrolment` enrols the person.
        ``sha`` ``""``: a stack that already existed (its person is that stack's): done."""
        r = self._row
        state = STACKED if sha else DONE
        await r.update(
            {r.state: state, r.done_at: datetime.now(UTC), r.tenant: tenant, r.commit: sha}
        ).where((r._meta.primary_key == request_id) & (r.state == PENDING))

    async def stacked(self) -> list[tuple[Signup, str, str]]:
        """Requests whose stack is committed and whose person is not enrolled yet, with their
        tenant and state (``stacked``; ``claimed``: a run that stopped midway; ``greet``: a welcome
        to send again)."""
        r = self._row
        rows = (
            await r.select()
            .where(r.state.is_in([STACKED, CLAIMED, GREET]))
            .order_by(r._meta.primary_key)
        )
        return [(_signup(x), str(x["tenant"]), str(x["state"])) for x in rows]

    async def move(self, request_id: int, before: str, after: str) -> bool:
        """Move a request from state ``before`` to ``after`` (one statement: of two runs, only
        one moves it); ``False`` if it was not in ``before``."""
        r = self._row
        values: dict[Any, Any] = {r.state: after}
        if after == DONE:
            values[r.done_at] = datetime.now(UTC)
        rows = (
            await r.update(values)
            .where((r._meta.primary_key == request_id) & (r.state == before))
            .returning(r._meta.primary_key)
        )
        return bool(rows)


def _signup(x: dict[str, Any]) -> Signup:
    return Signup(
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
