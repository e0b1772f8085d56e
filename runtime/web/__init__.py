"""The web layer: the app factory and every controller (Twilio's and Stripe's webhooks, the
people's pages, the operator API, health and metrics), and the mapping of errors to HTTP.

It depends on the domains; no domain or adapter imports it (``lint-imports``).
"""

from __future__ import annotations
