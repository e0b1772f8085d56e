"""People: the protected person's onboarding and sign-in by magic link.

``onboarding`` (the state machine), ``links`` (magic links), ``service`` (:class:`People`),
``forwarding`` (carriers' codes), ``i18n`` (the pages' and emails' texts), ``templates/``. Their
routes are in the web layer: :mod:`runtime.web.pages`, :mod:`runtime.web.people_operator`,
wired by :mod:`runtime.web.people`. Nothing is imported here.

Exceptions (each also a built-in, so callers may catch either)::

    ValueError
    ├── BadLink         a sign-in link malformed, forged, expired or already used (links)
    └── StepOutOfOrder  an onboarding step completed before the steps it follows (onboarding)
    LookupError
    └── UnknownTenant   no tenant with this slug in the registry (service)
"""
