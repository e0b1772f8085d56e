"""The one backoff policy for every retry Ethiq makes itself.

Attempt ``n`` (from 0) waits ``base_s · 2ⁿ``, at most ``max_s``; with ``jitter`` the wait is a
uniform draw in ``[0, that]`` ("full jitter", which spreads out clients that failed together).
Who uses it:

- Twilio, provisioning: :func:`infra.providers.retry.call_twilio` (20429, 5xx, lost responses;
  jittered, a lookup before retrying any write);
- Twilio, alert SMS: :class:`runtime.alerts.outbox.Outbox` schedules the next attempt of an
  alert at ``now + delay`` (no jitter: a row's due time is what the operator API shows);
- Pulumi, a locked stack: ``infra.reconcile.worker`` waits and retries the update (jittered:
  two reconcilers that collided on a lock do not collide again);
- Stripe: the official SDK retries its own requests (``max_network_retries`` in
  :class:`runtime.billing.StripeGateway`), honouring ``Stripe-Should-Retry`` with the same
  idempotency key; a second layer here would multiply the attempts;
- SMTP: mail is not retried in-line; :class:`runtime.email.MailError` reaches the caller, which
  says so (an enrolment answers 502: enrolled, the welcome email not sent).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True)
class Backoff:
    attempts: int
    base_s: float
    max_s: float
    jitter: bool = True

    def delay(self, attempt: int) -> float:
        """How long to wait after failed attempt ``attempt`` (0 for the first)."""
        ceiling = min(self.max_s, self.base_s * 2**attempt)
        return random.uniform(0, ceiling) if self.jitter else ceiling  # noqa: S311
