"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from ethiq.sandbox.server import free_port

WAIT_S = 20.0


class Inbox:
    """Messages received by the SMTP server, parsed."""

    def __init__(self) -> None:
        self._messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append(message)
        return "250 OK"

    def messages(self, to: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self._messages if m["To"] == to]

    def wait(self, to: str, subject: str, count: int = 1) -> EmailMessage:
        """The ``count``-th message to ``to`` whose subject contains ``subject`` (polls until it
        arrives: delivery is asynchronous, this is readiness, not timing)."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            found = [m for m in self.messages(to) if subject in str(m["Subject"])]
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no email {subject!r} #{count} to {to} within {WAIT_S}s")


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None, "a plain-text part"
    assert html is not None, "an HTML part"
    return str(text.get_content()), str(html.get_content())


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
