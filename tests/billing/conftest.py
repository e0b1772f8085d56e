"""The billing tests' Stripe: stripe-mock, started once per session (``tests/servers.py``).

stripe-mock validates each request's parameters against Stripe's OpenAPI specification
(unknown or malformed parameters fail as Stripe would) but keeps no state: it answers with
fixtures. Tests therefore prove that our calls are ones Stripe accepts and that we read its
answers right; state (accounts, events) is ours.
"""
