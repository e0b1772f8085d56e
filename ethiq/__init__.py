"""Ethiq: phone-fraud screening as code. The command line lives in :mod:`ethiq.cli`; beside it,
the development tooling: the Twilio sandbox (:mod:`ethiq.sandbox`), local provisioning
(:mod:`ethiq.local`) and the demo."""
