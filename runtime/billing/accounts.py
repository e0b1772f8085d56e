"""Billing accounts: the platform's record of each tenant's customer, plan, KYC and terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from piccolo.columns import Column

from runtime.billing.tables import BillingAccount, KycSession, StripeEvent
from runtime.storage import TenantStore
from runtime.storage.bind import bind_table

__all__ = [
    "GOOD_STANDING",
    "PAST_DUE",
    "REDACTED",
    "UNKNOWN_ERROR",
    "VERIFICATION_STATUSES",
    "Account",
    "Accounts",
    "Replaced",
]

PAST_DUE: Final = frozenset({"past_due", "unpaid"})  # Stripe: an invoice is unpaid
GOOD_STANDING: Final = frozenset({"active", "trialing"})
REDACTED: Final = "identity.verification_session.redacted"
# A VerificationSession's ``status`` values (https://docs.stripe.com/api/identity/verification_sessions/object).
VERIFICATION_STATUSES: Final = frozenset({"requires_input", "processing", "verified", "canceled"})
# ``kyc_error`` of a session whose ``last_error`` has no code (Stripe's ``code`` is nullable).
UNKNOWN_ERROR: Final = "unknown"

# Stripe does not deliver events in the order it made them
# (https://docs.stripe.com/webhooks#event-ordering): each state an event sets is kept with the
# ``created`` time of the event that set it, and an older event leaves it alone. Simpler than
# refetching the object from Stripe on every event, and enough: each event carries the whole
# object as it was when the event was made.
_IDENTITY: Final = "identity.verification_session."
_ORDERED_BY: Final = {
    "customer.subscription.": "subscription_event_at",
    _IDENTITY: "kyc_event_at",
}


@dataclass(frozen=True, slots=True)
class Account:
    tenant: str
    customer_id: str
    plan: str
    subscription_id: str
    subscription_status: str
    verification_id: str
    kyc_status: str
    kyc_updated_at: datetime | None
    terms_version: str
    terms_accepted_at: datetime | None
    past_due_since: datetime | None = None
    canceled_at: datetime | None = None
    # The check's ``last_error.code`` ("" none, None: recorded before errors were kept).
    kyc_error: str | None = None

    @property
    def may_activate(self) -> bool:
        """What a number purchase is gated on: a verified identity and accepted terms."""
        return self.kyc_status == "verified" and bool(self.terms_version)

    @property
    def awaits_person(self) -> bool:
        """A session that waits for the person to start it: ``requires_input`` with no error
        (Stripe's status for a new session and for a failed check alike; the error tells them
        apart). Unknown (``None``, recorded before errors were kept) is not known to wait."""
        return self.kyc_status == "requires_input" and self.kyc_error == ""


@dataclass(frozen=True, slots=True)
class Replaced:
    """An identity session a newer one replaced, not yet redacted at Stripe (``kyc_session``)."""

    tenant: str
    verification_id: str
    replaced_at: datetime
    last_error: str = ""  # why its last redaction failed ("": not tried, or tried at once)


class Accounts:
    """Queries on ``billing_account``, the sessions replaced (``kyc_session``) and the
    idempotency record of Stripe events."""

    def __init__(self, store: TenantStore) -> None:
        engine = store.platform_engine()
        self._accounts = bind_table(BillingAccount, engine)
        self._sessions = bind_table(KycSession, engine)
        self._events = bind_table(StripeEvent, engine)

    async def open(self, tenant: str, customer_id: str, plan: str) -> Account:
        """The tenant's account, created with its Stripe customer if it has none."""
        t = self._accounts
        await t.insert(
            t(tenant=tenant, customer_id=customer_id, plan=plan, updated_at=datetime.now(UTC))
        ).on_conflict(target=t.tenant, action="DO NOTHING")
        account = await self.get(tenant)
        assert account is not None  # noqa: S101 (just written)
        return account

    async def exist(self) -> bool:
        """Whether the platform database has billing tables yet (made by its migrations)."""
        return bool(await self._accounts.table_exists())

    async def get(self, tenant: str) -> Account | None:
        row = await self._accounts.select().where(self._accounts.tenant == tenant).first()
        return _account(row) if row else None

    async def all(self) -> list[Account]:
        return [_account(r) for r in await self._accounts.select().order_by(self._accounts.tenant)]

    async def accept_terms(self, tenant: str, version: str, at: datetime) -> None:
        if not version.strip():
            raise ValueError("a terms version is required")
        await self._update(tenant, terms_version=version.strip(), terms_accepted_at=at)

    async def record_verification(
        self, tenant: str, verification_id: str, status: str, at: datetime, *, error: str = ""
    ) -> None:
        """Record an identity verification's outcome outside Stripe's webhooks (an operator's
        in-person check, a session just made, or the local demo's setup: ``verification_id``
        names how); ``error``: why a check did not succeed (Stripe's ``last_error.code``)."""
        await self._update(
            tenant,
            verification_id=verification_id,
            kyc_status=status,
            kyc_error=error,
            kyc_updated_at=at,
            kyc_event_at=at,  # a Stripe event older than this outcome leaves it alone
        )

    async def forget_verification(self, tenant: str, verification_id: str) -> None:
        """Drop the pointer to a verification whose data Stripe has redacted (the status and
        its date stay: they are the evidence the number was bought under)."""
        t = self._accounts
        await t.update({t.verification_id: "", t.updated_at: datetime.now(UTC)}).where(
            (t.tenant == tenant) & (t.verification_id == verification_id)
        )

    async def replacing(self, tenant: str, verification_id: str, at: datetime) -> None:
        """Keep ``verification_id`` as a session to redact, before a new session replaces it
        on the account: written first, so no crash between making the new session and
        recording it loses the earlier one (writing it twice keeps the first)."""
        s = self._sessions
        await s.insert(
            s(tenant=tenant, verification_id=verification_id, replaced_at=at)
        ).on_conflict(target=s.verification_id, action="DO NOTHING")

    async def replaced(self) -> list[Replaced]:
        """Every replaced session Stripe has not redacted yet, oldest first."""
        s = self._sessions
        rows = await s.select(s.tenant, s.verification_id, s.replaced_at, s.last_error).order_by(
            s.replaced_at, s.verification_id
        )
        return [Replaced(**row) for row in rows]

    async def replaced_redacted(self, verification_id: str) -> None:
        """Forget a replaced session once Stripe accepted its redaction."""
        s = self._sessions
        await s.delete().where(s.verification_id == verification_id)

    async def replaced_failed(self, verification_id: str, reason: str) -> None:
        """Why a replaced session's redaction failed; it stays, for the next purge."""
        s = self._sessions
        await s.update({s.last_error: reason[:255]}).where(s.verification_id == verification_id)

    async def is_replaced(self, verification_id: str) -> bool:
        s = self._sessions
        return bool(await s.exists().where(s.verification_id == verification_id))

    async def apply_event(
        self,
        event_id: str,
        event_type: str,
        tenant: str,
        *,
        created: datetime | None = None,
        **values: Any,
    ) -> bool:
        """Record Stripe event ``event_id`` and apply ``values`` to the tenant's account, in one
        transaction; ``False`` (and nothing changed) when the event was applied before.

        ``created`` (the event's): a subscription or verification event older than the last
        one applied to that state is recorded but changes nothing. ``REDACTED`` changes no
        status, it only forgets the session's id (``values["verification_id"]``) if it is the
        account's (Stripe's redaction keeps the session's status: the evidence stays), and
        drops it from the replaced sessions. An event about a session a newer one replaced is
        recorded but changes nothing: the person finishing an old link does not move the
        account off its latest session."""
        events = self._events
        async with events._meta.db.transaction():
            inserted = (
                await events.insert(
                    events(event_id=event_id, type=event_type, received_at=datetime.now(UTC))
                )
                .on_conflict(target=events.event_id, action="DO NOTHING")
                .returning(events.event_id)
            )
            if not inserted:
                return False
            session = str(values.get("verification_id", ""))
            if event_type == REDACTED:
                await self.forget_verification(tenant, session)
                await self.replaced_redacted(session)
                return True
            if event_type.startswith(_IDENTITY) and await self._superseded(tenant, session):
                return True  # a replaced session's news: the account follows its newer one
            guard = next((c for p, c in _ORDERED_BY.items() if event_type.startswith(p)), None)
            if values and guard and created is not None:
                if not await self._update_if_newer(tenant, guard, created, values):
                    return True  # an older event: received, its state already superseded
            elif values:
                await self._update(tenant, **values)
            status = values.get("subscription_status")
            if status:
                await self._lifecycle(tenant, str(status), datetime.now(UTC))
        return True

    async def _superseded(self, tenant: str, session: str) -> bool:
        """Whether ``session`` was replaced by a newer one the account now points at (a crash
        before the newer one was recorded leaves the account on it: it still speaks for it)."""
        if not session or not await self.is_replaced(session):
            return False
        account = await self.get(tenant)
        return account is not None and account.verification_id != session

    async def _update_if_newer(
        self, tenant: str, guard: str, created: datetime, values: dict[str, Any]
    ) -> bool:
        """Apply ``values`` and set ``guard`` to ``created`` unless a newer event set it; an
        event of the same second is applied (Stripe's ``created`` is in seconds)."""
        t = self._accounts
        at = t._meta.get_column_by_name(guard)
        columns: dict[Column | str, Any] = {
            t._meta.get_column_by_name(k): v for k, v in values.items()
        }
        columns |= {at: created, t.updated_at: datetime.now(UTC)}
        changed = (
            await t.update(columns)
            .where((t.tenant == tenant) & (at.is_null() | (at <= created)))
            .returning(t.tenant)
        )
        return bool(changed)

    async def _lifecycle(self, tenant: str, status: str, at: datetime) -> None:
        """The lifecycle's dates from Stripe's subscription status: the first ``past_due`` (or
        ``unpaid``) starts the grace period, ``active`` again ends it; ``canceled`` starts the
        number's retention. A repeated status keeps the first date."""
        t = self._accounts
        mine = t.tenant == tenant
        if status in PAST_DUE:
            await t.update({t.past_due_since: at}).where(mine & t.past_due_since.is_null())
        elif status in GOOD_STANDING:
            await t.update({t.past_due_since: None}).where(mine)
        if status == "canceled":
            await t.update({t.canceled_at: at}).where(mine & t.canceled_at.is_null())

    async def _update(self, tenant: str, **values: Any) -> None:
        t = self._accounts
        columns: dict[Column | str, Any] = {
            t._meta.get_column_by_name(k): v for k, v in values.items()
        }
        columns[t.updated_at] = datetime.now(UTC)
        await t.update(columns).where(t.tenant == tenant)


def _account(row: dict[str, Any]) -> Account:
    return Account(**{name: row[name] for name in Account.__slots__})
