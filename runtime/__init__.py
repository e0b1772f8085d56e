"""The shared runtime: one Litestar app answering Twilio for every tenant.

Three layers, checked by the import contracts in ``pyproject.toml`` (``lint-imports``):

- ``web``: the app factory and every HTTP controller (Twilio's and Stripe's webhooks, the
  people's pages, the operator API, health and metrics); nothing imports it.
- domains: ``people`` (onboarding), ``billing``, ``alerts`` (SMS outbox, consent), ``calls``
  (the call path), ``routing`` (webhook → tenant, cached), ``tenants`` (the registry).
- adapters, which know no domain or web code: ``telephony`` (Twilio: REST client, signatures,
  TwiML, webhook paths), ``email`` (SMTP), ``storage`` (per-tenant data), ``observability``,
  ``metrics``; and, under everything, :mod:`runtime.settings` and ``screening`` (the pure
  scoring core).
"""
