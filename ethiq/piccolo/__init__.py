"""piccolo's command line for this project's apps, to write a migration after a table change::

    PICCOLO_CONF=ethiq.piccolo.conf piccolo migrations new storage --auto

(``tenants``, ``people`` or ``fleet`` for the platform database's apps). The apps live here,
with the development tooling, because nothing at run time reads them: the runtime applies each
app's migrations per engine (:mod:`runtime.storage.migrations`), and one app here lists tables
of packages the runtime's layers keep apart. The new file lands in the app's
``piccolo_migrations`` package of the runtime.
"""
