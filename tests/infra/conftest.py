"""The Pulumi mocks' event loop for the modules that run a program under them."""

from tests.pulumi_loops import pulumi_loop

__all__ = ["pulumi_loop"]
