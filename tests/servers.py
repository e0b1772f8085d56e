"""Real PostgreSQL and Redis servers for tests: free loopback ports, data in temp dirs.

Written here rather than taken from pytest-postgresql/pytest-redis because CI runs as root, and
PostgreSQL refuses to run as root: the server must be started as the unprivileged ``postgres``
user that Debian's package creates, with a data directory that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Server",
    "create_database",
    "frozen",
    "postgres_server",
    "redis_server",
    "server_pids",
]

READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    data: Path | None = None  # PostgreSQL's data directory
    pid: int | None = None  # Redis's process (or another server's, e.g. the Twilio sandbox)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def server_pids(server: Server) -> list[int]:
    """The server's processes: PostgreSQL's postmaster first, then every backend and worker;
    otherwise ``pid`` and its children (e.g. Granian's workers)."""
    if server.pid is not None:
        return _descendants(server.pid)
    if server.data is None:
        raise ValueError("not a server started by this module")
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    return _descendants(postmaster)


@contextmanager
def frozen(server: Server) -> Iterator[None]:
    """SIGSTOP every process of ``server`` (a stalled database or cache: connections stay open,
    nothing answers), SIGCONT them on exit."""
    stopped: list[int] = []
    try:
        for pid in server_pids(server):  # the postmaster first: it forks no backend meanwhile
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
        yield
    finally:
        for pid in stopped:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    """Poll until something accepts connections on ``port`` (readiness, not timing)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before it was ready")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {READY_TIMEOUT_S}s")


def _pg_bindir() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: p.parts)
    if not candidates:
        raise RuntimeError("PostgreSQL server not installed: run tools/setup.sh (or `make setup`)")
    return candidates[-1].parent


def _as_postgres_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package provides the `postgres` user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server(*settings: str) -> Iterator[Server]:
    """A PostgreSQL server; ``settings`` are extra ``name=value`` server settings."""
    bindir = _pg_bindir()
    # Under /tmp (not pytest's 0700 tmp dir) so that the postgres user can reach it.
    root = Path(tempfile.mkdtemp(prefix="ethiq-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    port = free_port()
    try:
        subprocess.run(
            _as_postgres_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ]
            ),
            check=True,
            capture_output=True,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
        options += "".join(f" -c {setting}" for setting in settings)
        subprocess.run(
            _as_postgres_user(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(root / "server.log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        yield Server(url=f"postgresql://postgres@127.0.0.1:{port}/postgres", port=port, data=data)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres_user(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
                ),
                check=False,
                capture_output=True,
            )
        shutil.rmtree(root, ignore_errors=True)


def create_database(server: Server, name: str) -> Server:
    """A new, empty database on ``server`` (same port); left for the server's end to remove."""
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            f'CREATE DATABASE "{name}"',
        ],
        check=True,
        capture_output=True,
    )
    return Server(
        url=f"postgresql://postgres@127.0.0.1:{server.port}/{name}",
        port=server.port,
        data=server.data,
    )


@contextmanager
def redis_server() -> Iterator[Server]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("Redis server not installed: run tools/setup.sh (or `make setup`)")
    root = Path(tempfile.mkdtemp(prefix="ethiq-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(root),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--logfile",
            str(root / "server.log"),
        ],
    )
    try:
        wait_for_port(port, process)
        yield Server(url=f"redis://127.0.0.1:{port}/0", port=port, pid=process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


STRIPE_MOCK = Path(__file__).resolve().parents[1] / ".venv/bin/stripe-mock"
STRIPE_READY_TIMEOUT_S = 30.0


@contextmanager
def stripe_mock_server() -> Iterator[str]:
    """The base URL of a running stripe-mock, Stripe's own mock server (built by setup): it
    answers every endpoint of Stripe's OpenAPI specification and validates each request's
    parameters against it, but keeps no state (it answers with fixtures)."""
    if not STRIPE_MOCK.exists():
        raise RuntimeError("stripe-mock is missing: run `make setup`")
    port = free_port()
    process = subprocess.Popen(
        # Its HTTPS listener defaults to :12112, which a second test session on the machine
        # already holds: an empty port lets the system choose one.
        [str(STRIPE_MOCK), "-http-addr", f"127.0.0.1:{port}", "-https-addr", "127.0.0.1:"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + STRIPE_READY_TIMEOUT_S
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"stripe-mock did not start: {err[-2000:]}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()
