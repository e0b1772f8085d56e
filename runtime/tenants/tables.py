"""The platform registry: every tenant the runtime routes on, by slug and by called number.

No ``schema=``/``db=`` here either: the registry's engine puts it in the ``platform`` schema
(PostgreSQL, via ``search_path``) or in the platform SQLite file.
"""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Text, Timestamptz, Varchar
from piccolo.table import Table

__all__ = ["Tenant"]


class Tenant(Table, tablename="tenant"):
    """One tenant. ``auth_token`` holds a Fernet token, never the subaccount's auth token."""

    slug = Varchar(length=63, unique=True)
    # The slug as a database identifier (hyphens become underscores): unique, so that two slugs
    # such as ``a-b`` and ``a_b`` can never share one tenant's data.
    data_key = Varchar(length=63, unique=True)
    phone_number = Varchar(length=16, unique=True)
    sip_address = Varchar(length=255)
    sip_username = Varchar(length=32)
    subaccount_sid = Varchar(length=34, unique=True)
    auth_token = Text()
    language = Varchar(length=5)
    region = Varchar(length=64, default="")
    contacts = JSON(default=[])
    # Screening sensitivity as text (low, normal, high or 0..1); null: the platform default.
    sensitivity = Varchar(length=16, null=True, default=None)
    person_name = Varchar(length=40, default="")  # ethiq:personName, named in alerts
    call_countries = JSON(default=[])  # ethiq:callCountries: ISO codes the SIP app may call
    # ethiq:monitoredNumbers: the household's other phones forwarding to the Ethiq number.
    monitored_numbers = JSON(default=[])
    messaging_service_sid = Varchar(length=34, default="")  # MG…, "" before the tenant had one
    us_texting = Varchar(length=8, default="")  # "", "pending" or "approved" (records.UsTexting)
    # The Console step of Advanced Opt-Out as an operator last recorded it (records.OptOutEntered):
    # never written by a registration, so a changed personName leaves the old fingerprint here.
    opt_out_entered = Varchar(length=64, default="")  # SHA-256 (hex) of the entries; "": never
    opt_out_service = Varchar(length=34, default="")  # the Messaging Service they were entered on
    opt_out_entered_at = Timestamptz(null=True, default=None)
    opt_out_entered_by = Varchar(length=64, default="")
    # The registry generation this row's last registration made (0: written before the column),
    # so a process that saw generation N reads only the rows written since
    # (Registry.contact_numbers).
    written_generation = BigInt(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()
