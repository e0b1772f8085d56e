"""Run the sandbox in a Granian subprocess on a free loopback port (tests and the demo)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from ethiq.sandbox.client import SandboxControl
from ethiq.sandbox.settings import SandboxSettings

__all__ = ["SandboxHandle", "SandboxStartError", "free_port", "running_sandbox"]

READY_TIMEOUT_S = 90.0  # a loaded machine (CI, shared cores) starts Granian slowly
STOP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.05


class SandboxStartError(RuntimeError):
    """The sandbox process exited or never became ready; the message carries its log's tail."""


@dataclass(frozen=True)
class SandboxHandle:
    """A running sandbox: where it listens, the parent credentials, and its control client."""

    base_url: str
    account_sid: str
    auth_token: str
    control: SandboxControl
    log_path: Path
    pid: int


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_ready(
    process: subprocess.Popen[bytes], base_url: str, account_sid: str, log_path: Path
) -> None:
    """Poll the health endpoint until this very sandbox (our account sid) answers."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(timeout=1.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SandboxStartError(
                    f"sandbox exited with code {process.returncode}:\n{_tail(log_path)}"
                )
            try:
                answer = http.get(f"{base_url}/_sandbox/health")
                if answer.status_code == 200 and answer.json().get("account_sid") == account_sid:  # noqa: PLR2004
                    return
            except httpx.TransportError:
                pass
            time.sleep(POLL_INTERVAL_S)
    raise SandboxStartError(f"sandbox not ready within {READY_TIMEOUT_S}s:\n{_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def running_sandbox(
    port: int | None = None,
    *,
    host: str = "127.0.0.1",
    account_sid: str | None = None,
    auth_token: str | None = None,
    keep_log: bool = False,
) -> Iterator[SandboxHandle]:
    """Start ``ethiq sandbox`` (Granian) in a subprocess, wait until it answers, stop it at exit.

    Parent credentials are generated unless given. The process's output goes to a temporary log
    file (``handle.log_path``), removed at exit unless ``keep_log``; a failed start raises
    :class:`SandboxStartError` with the log's tail.
    """
    defaults = SandboxSettings()
    settings = SandboxSettings(
        account_sid=account_sid or defaults.account_sid,
        auth_token=auth_token or defaults.auth_token,
    )
    port = port or free_port(host)
    base_url = f"http://{host}:{port}"
    # Credentials travel in the environment, never on the command line (visible in ps).
    env = {
        **os.environ,
        "TWILIO_ACCOUNT_SID": settings.account_sid,
        "TWILIO_AUTH_TOKEN": settings.auth_token,
    }
    log_fd, log_name = tempfile.mkstemp(prefix="ethiq-sandbox-", suffix=".log")
    log_path = Path(log_name)
    with os.fdopen(log_fd, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ethiq.sandbox", "--host", host, "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_ready(process, base_url, settings.account_sid, log_path)
        with SandboxControl(base_url, settings.account_sid, settings.auth_token) as control:
            yield SandboxHandle(
                base_url=base_url,
                account_sid=settings.account_sid,
                auth_token=settings.auth_token,
                control=control,
                log_path=log_path,
                pid=process.pid,
            )
    finally:
        _stop(process)
        if not keep_log:
            log_path.unlink(missing_ok=True)
