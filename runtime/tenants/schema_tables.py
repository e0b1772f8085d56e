"""The tenant's own tables in its schema or file (piccolo app ``storage``): its emergency
contacts and the subaccount the data belongs to. The registry (:mod:`runtime.tenants.tables`)
is in the platform database instead. The calls' and alerts' tables are
:mod:`runtime.calls.tables` and :mod:`runtime.alerts.tables`.
"""

from __future__ import annotations

from piccolo.columns import Serial, SmallInt, Timestamptz, Varchar
from piccolo.table import Table

from runtime.storage.widths import E164_LENGTH, SID_LENGTH

__all__ = ["Contact", "Owner"]


class Contact(Table, tablename="contact"):
    """An emergency contact of the protected person."""

    id = Serial(primary_key=True)
    number = Varchar(length=E164_LENGTH, unique=True)
    name = Varchar(length=100)
    language = Varchar(length=5, default="fr-CA")
    priority = SmallInt(default=0)


class Owner(Table, tablename="tenant_owner"):
    """The subaccount whose tenant this data belongs to, written by the stack that created the
    schema and checked by every later one: a removed tenant's retained data is never handed to
    a new tenant of the same name (``infra.providers.database.TenantSchemaProvider``)."""

    id = Serial(primary_key=True)
    subaccount_sid = Varchar(length=SID_LENGTH, unique=True)
    claimed_at = Timestamptz()
