"""Route handlers: Twilio's API (one module per resource family) and the control API."""

from __future__ import annotations

__all__: list[str] = []
