"""Tenants as code: the Pulumi program, its components and dynamic providers."""
