"""Pulumi dynamic providers around the official twilio SDK and the tenant data layer.

Providers hold no state, clients or secrets: every method builds its client from its (secret)
inputs, so a provider pickles to nothing but a class reference.
"""

from typing import Final

from infra.providers.errors import install as _install_clean_errors

__all__ = ["DRIFTED_SECRETS"]

# An output only ``read`` sets: the secret fields whose live value differs from the state's, by
# name. The engine shows secrets blinded, so a refresh could not say which one drifted;
# ``ethiq drift`` shows each as "(secret) → (secret)". Create and update never keep it.
DRIFTED_SECRETS: Final = "drifted_secrets"

_install_clean_errors()
