"""Ethiq: phone-fraud screening as code. The command line lives in :mod:`ethiq.cli`."""
