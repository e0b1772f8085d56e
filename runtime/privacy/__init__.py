"""Privacy rights: a person's data export and erasure, and transcript retention per region.

``service`` (:class:`~runtime.privacy.service.Privacy`: what is exported, erased, purged,
with an audit row each time), ``jobs`` (the worker's erasure and retention jobs). Its tables
(erasure requests, the audit: ``tables``, read alone by ``asked``) are migrated with the people's
piccolo app; the routes are the people's
pages (:mod:`runtime.web.pages`). Nothing is imported here.
"""
