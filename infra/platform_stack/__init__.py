"""The shared platform (one stack, pulumi-aws): network, the runtime on ECS Fargate behind an
https load balancer, PostgreSQL, Redis, secrets, the 5xx alarm and the CI runner that applies
tenant stacks from inside the network.

This package is a program module without its own ``Pulumi.yaml``: a platform project points its
``main`` at this directory (the root ``Pulumi.yaml`` is the tenant project). Pulumi puts a
program's directory first on ``sys.path``, so no module here (nor this package, inside
``infra/``) may share a standard library module's name: not ``platform``, not ``secrets``.
"""
