"""The privacy rights' own tables: erasure requests and the audit, in the platform database,
and the record of an erasure's runs, in each tenant's store.

The first two are migrated with the people's piccolo app (``ethiq/piccolo/people.py``),
declared here so that reading them (:mod:`runtime.privacy.asked`, which the tenant program
runs before a number's release) needs nothing of the people's package. :class:`ErasureRun` is
a table of the tenant's data (piccolo app ``storage``, ``ethiq/piccolo/storage.py``).
"""

from __future__ import annotations

from piccolo.columns import JSON, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

__all__ = ["ErasureRequest", "ErasureRun", "PrivacyAudit"]


class ErasureRequest(Table, tablename="erasure_request"):
    """A person's request to erase their tenant's history (:mod:`runtime.privacy.erasure`):
    ``pending`` until a job ran it, ``waiting`` while the stack still declares contacts (their
    removal is a stack change; they are erased once it is applied), then ``done``. At most
    one open per tenant: a second request joins it."""

    slug = Varchar(length=63, index=True)
    state = Varchar(length=12, default="pending")
    requested_by = Varchar(length=64)  # who asked: "person", an operator's name; no address
    requested_at = Timestamptz()
    done_at = Timestamptz(null=True, default=None)
    erased = JSON(default={})  # table -> rows erased so far, over every run


class PrivacyAudit(Table, tablename="privacy_audit"):
    """What was done with a tenant's personal data, by whom and when: an export, an erasure's
    run, a retention purge. Counts only: never a name, number, address or transcript."""

    slug = Varchar(length=63, index=True)
    action = Varchar(length=16)  # export | erase_request | erase | retention
    actor = Varchar(length=64)  # person | worker | an operator's name
    at = Timestamptz(index=True)
    counts = JSON(default={})  # table -> rows (exported, erased, emptied)


class ErasureRun(Table, tablename="erasure_run"):
    """In the tenant's own store (its schema or file): what one run of an erasure request
    deleted there, written in the same transaction as the deletes. The platform's part of the
    erasure is a second transaction in another store; a crash between the two commits leaves
    the request pending with these rows already gone, and the retry, which finds nothing more
    to delete, reads the counts here instead of recounting (:meth:`Privacy.erase
    <runtime.privacy.service.Privacy.erase>`). Counts only, dropped with the tenant's data."""

    id = Serial(primary_key=True)
    request = Integer(index=True)  # the platform's erasure_request id
    at = Timestamptz()
    counts = JSON(default={})  # table -> rows this run deleted in the tenant's store
