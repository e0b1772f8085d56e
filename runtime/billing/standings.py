"""The subscription standing as the alert outbox reads it: cached, and failing open.

The outbox asks once per tenant pass that has alerts due (never per alert, never on a pass with
nothing to send) whether the tenant's contacts may be texted. The answer is cached for
``ETHIQ_STANDING_CACHE_S`` (and never past the phase's own end: a grace period ends on time), so
a fleet of tenants costs at most one platform query per tenant and period. A Stripe webhook
applied in this process forgets the tenant's entry at once (:meth:`Standings.forget`); other
processes see the change within the period.

Failing open: a standing that cannot be read (the platform database down, no billing tables
yet) lets the alert go. Suspending alerts is a billing measure; never a safety one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from runtime.billing.lifecycle import PersonText, Standing, texts_person

__all__ = ["StandingOf", "Standings"]

logger = logging.getLogger(__name__)

StandingOf = Callable[[str, datetime], Awaitable[Standing | None]]


@dataclass(frozen=True, slots=True)
class _Entry:
    standing: Standing | None
    read_at: datetime
    expires: datetime


class Standings:
    """A per-tenant cache in front of :meth:`runtime.billing.quotas.Quotas.standing`."""

    def __init__(self, read: StandingOf, ttl_s: float) -> None:
        self._read = read
        self._ttl = timedelta(seconds=ttl_s)
        self._entries: dict[str, _Entry] = {}

    async def of(self, slug: str, now: datetime) -> Standing | None:
        """The tenant's standing at ``now`` (``None``: no billing account), cached."""
        entry = self._entries.get(slug)
        if entry is not None and entry.read_at <= now < entry.expires:
            return entry.standing
        found = await self._read(slug, now)
        expires = now + self._ttl
        if found is not None and found.until is not None:
            expires = min(expires, found.until)
        self._entries[slug] = _Entry(found, now, expires)
        return found

    async def alerts_on(self, slug: str, now: datetime) -> bool:
        """Whether the tenant's contacts may be texted now; ``True`` when unknown."""
        try:
            found = await self.of(slug, now)
        except Exception as error:
            logger.warning("standing of %s unreadable, alerts go out: %r", slug, error)
            return True
        return found is None or found.alerts

    def forget(self, slug: str) -> None:
        """Drop the tenant's entry (its billing account just changed)."""
        self._entries.pop(slug, None)

    async def texts_person_on(
        self, slug: str, now: datetime, kind: PersonText, *, scam: bool = False
    ) -> bool:
        """Whether a text of ``kind`` may go to the tenant's person now
        (:func:`runtime.billing.lifecycle.texts_person`); ``True`` when unknown."""
        try:
            found = await self.of(slug, now)
        except Exception as error:
            logger.warning("standing of %s unreadable, the person's text goes: %r", slug, error)
            return True
        return texts_person(found, kind, scam=scam)
