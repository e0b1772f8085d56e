"""A minimal SMTP server on loopback for ``ethiq demo --serve``: it accepts every message and
hands it to a callback (the demo prints the sign-in links), so the pages' emails work without
a mail relay. Enough of RFC 5321 for one client (the runtime's ``aiosmtplib``): EHLO/HELO,
MAIL, RCPT, DATA (dot-unstuffed), RSET, NOOP, QUIT; no TLS, no authentication, loopback only.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage

__all__ = ["running_mail_sink"]

_MAX_BYTES = 1_000_000


async def _session(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    deliver: Callable[[EmailMessage], None],
) -> None:
    def say(line: str) -> None:
        writer.write(line.encode("ascii") + b"\r\n")

    say("220 ethiq-demo ESMTP")
    try:
        while line := await reader.readline():
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                say("250-ethiq-demo")
                say("250 8BITMIME")
            elif verb in {"HELO", "MAIL", "RCPT", "RSET", "NOOP"}:
                say("250 OK")
            elif verb == "DATA":
                say("354 end with <CRLF>.<CRLF>")
                await writer.drain()
                lines: list[bytes] = []
                size = 0
                while (data := await reader.readline()) not in {b".\r\n", b".\n", b""}:
                    size += len(data)
                    if size <= _MAX_BYTES:
                        lines.append(data[1:] if data.startswith(b"..") else data)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                if isinstance(message, EmailMessage):
                    deliver(message)
                say("250 OK: queued")
            elif verb == "QUIT":
                say("221 bye")
                await writer.drain()
                break
            else:
                say("502 command not implemented")
            await writer.drain()
    finally:
        writer.close()


@contextmanager
def running_mail_sink(deliver: Callable[[EmailMessage], None]) -> Iterator[int]:
    """Serve SMTP on 127.0.0.1 (a free port, yielded) in a thread until the block ends."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []

    async def start() -> asyncio.Server:
        server = await asyncio.start_server(
            lambda r, w: _session(r, w, deliver), host="127.0.0.1", port=0
        )
        port.append(server.sockets[0].getsockname()[1])
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(start())
        ready.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()

    thread = threading.Thread(target=run, name="demo-mail-sink", daemon=True)
    thread.start()
    ready.wait(10.0)
    try:
        yield port[0]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10.0)
