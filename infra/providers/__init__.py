"""Pulumi dynamic providers around the official twilio SDK and the tenant data layer.

Providers hold no state, clients or secrets: every method builds its client from its (secret)
inputs, so a provider pickles to nothing but a class reference.
"""
