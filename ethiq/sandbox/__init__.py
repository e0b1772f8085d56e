"""Local Twilio sandbox: a stateful stand-in for Twilio's REST API (2010-04-01) for tests and demos.

It serves Twilio's real paths, so production code reaches it only through the official ``twilio``
SDK with a rewritten base URL. Every request and response is checked against Twilio's published
OpenAPI contract when the document is available. A development tool, never a production fallback.

Entry points: ``ethiq sandbox`` (CLI), :func:`ethiq.sandbox.server.running_sandbox` (tests, demo),
:func:`ethiq.sandbox.app.create_app` (the Litestar app factory served by Granian).
"""

from __future__ import annotations

__all__: list[str] = []
