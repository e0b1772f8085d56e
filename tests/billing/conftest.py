"""Stripe's own mock server (``stripe-mock``, built by setup) on a free loopback port.

stripe-mock answers every endpoint of Stripe's OpenAPI specification and validates each
request's parameters against it (unknown or malformed parameters fail as Stripe would), but
keeps no state: it answers with fixtures. Tests therefore prove that our calls are ones Stripe
accepts and that we read its answers right; state (accounts, events) is ours.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ethiq.sandbox.server import free_port

ROOT = Path(__file__).resolve().parents[2]
STRIPE_MOCK = ROOT / ".venv/bin/stripe-mock"
READY_TIMEOUT_S = 30.0


@pytest.fixture(scope="session")
def stripe_mock() -> Iterator[str]:
    """The base URL of a running stripe-mock."""
    if not STRIPE_MOCK.exists():
        pytest.fail("stripe-mock is missing: run `make setup`")
    port = free_port()
    process = subprocess.Popen(
        # Its HTTPS listener defaults to :12112, which a second test session on the machine
        # already holds: an empty port lets the system choose one.
        [str(STRIPE_MOCK), "-http-addr", f"127.0.0.1:{port}", "-https-addr", "127.0.0.1:"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"stripe-mock did not start: {err[-2000:]}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()
