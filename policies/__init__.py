"""The CrossGuard policy pack. Rules are plain functions in :mod:`policies.rules`; the pack in
``__main__.py`` only wires them to Pulumi so that tests can call them directly."""
