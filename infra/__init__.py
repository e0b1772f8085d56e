"""Tenants as code: the Pulumi programs, their components and dynamic providers, the
reconciler. Only Pulumi code: local provisioning, the sandbox and benchmarks are development
tooling (:mod:`ethiq.local`, :mod:`ethiq.sandbox`, ``tests/benchmarks``)."""
