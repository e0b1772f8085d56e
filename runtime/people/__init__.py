"""People: the protected person's onboarding and sign-in by magic link.

``onboarding`` (the state machine), ``links`` (magic links), ``service`` (:class:`People`),
``forwarding`` (carriers' codes), ``i18n`` (the pages' and emails' texts), ``templates/``. Their
routes are in the web layer: :mod:`runtime.web.pages`, :mod:`runtime.web.people_operator`,
wired by :mod:`runtime.web.people`. Nothing is imported here.
"""
