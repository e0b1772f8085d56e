"""The shared runtime: one Litestar app answering Twilio for every tenant.

Organised by domain: ``screening`` (fraud scoring), and, as they land, ``telephony``, ``alerts``,
``tenants`` and ``web``.
"""
