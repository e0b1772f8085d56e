"""People: the protected person's onboarding, sign-in by magic link, and their web pages.

``onboarding`` (the state machine), ``links`` (magic links), ``service`` (:class:`People`),
``forwarding`` (carriers' codes), ``pages`` and ``operator`` (routes), ``web`` (app wiring).
Nothing is imported here: importing one module never pulls in the pages and their templates.
"""
