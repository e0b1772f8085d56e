"""The shared runtime: one Litestar app answering Twilio for every tenant.

Organised by domain: ``screening`` (fraud scoring), ``tenants`` (the registry), ``storage``
(per-tenant data), ``routing`` (webhook → tenant, cached), ``telephony`` (Twilio: REST client,
signatures, TwiML, webhooks), ``calls`` (the call path), ``alerts`` (SMS outbox, consent) and
``web`` (the app factory, health, metrics, operator API). Settings: :mod:`runtime.settings`.
"""
