"""What operators see of the runtime: error tracking (Sentry) with scrubbing.

Prometheus metrics live in ``runtime.metrics``; the alert rules and the dashboard that read them
are in ``ops/`` (see docs/operations.md).
"""

from __future__ import annotations

from runtime.observability.errors import init_error_tracking, scrub_event

__all__ = ["init_error_tracking", "scrub_event"]
