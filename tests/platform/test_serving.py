"""The runtime, its image and the platform agree on how the runtime is served: one port, the
container's bind address, the health path (all declared in ``runtime/serving.py``).

There is no container engine here, so the image itself is not built: its install step is
reproduced instead, in a fresh environment from the files the build context holds (the
``.dockerignore`` allow-list), with the runtime dependencies only, and its command answers the
health path the load balancer probes."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from runtime.serving import CONTAINER_HOST, LIVE_PATH, PORT, READY_PATH
from runtime.tenants import generate_key
from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
UV = Path(sys.prefix) / "bin" / "uv"


def _instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _env() -> dict[str, str]:
    found: dict[str, str] = {}
    for instruction, args in _instructions():
        if instruction == "ENV":
            found |= dict(pair.split("=", 1) for pair in shlex.split(args))
    return found


def test_the_image_serves_on_the_declared_port_and_address_as_a_user() -> None:
    instructions = _instructions()
    env = _env()
    assert env["ETHIQ_HOST"] == CONTAINER_HOST
    assert env["ETHIQ_PORT"] == str(PORT)
    assert ("EXPOSE", str(PORT)) in instructions
    [user] = [args for instruction, args in instructions if instruction == "USER"]
    assert user.isdigit()
    assert int(user) >= 1000  # never root
    [health] = [args for instruction, args in instructions if instruction == "HEALTHCHECK"]
    assert f"http://127.0.0.1:{PORT}{LIVE_PATH}" in health
    assert ("ENTRYPOINT", '["ethiq"]') in instructions
    assert ("CMD", '["serve"]') in instructions
    [base] = [args for instruction, args in instructions if instruction == "ARG"]
    assert re.fullmatch(r"PYTHON_IMAGE=python:\d+\.\d+\.\d+-slim-\w+", base)  # a pinned tag
    assert [a for i, a in instructions if i == "FROM"] == [
        "${PYTHON_IMAGE} AS build",
        "${PYTHON_IMAGE}",
    ]


@pytest.mark.skipif(not UV.exists(), reason="uv comes with the project's environment")
def test_the_image_install_runs_ethiq_serve_with_runtime_dependencies_only(tmp_path: Path) -> None:
    context = tmp_path / "context"
    allowed = [
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    for name in allowed:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            context.mkdir(exist_ok=True)
            shutil.copy2(source, context / name)
    venv = tmp_path / "opt-ethiq"
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, venv], check=True)
    install = [str(UV), "pip", "install", "-q", "--constraint", "requirements.lock", "."]
    subprocess.run(install, cwd=context, env={**os.environ, "VIRTUAL_ENV": str(venv)}, check=True)
    assert subprocess.run([venv / "bin" / "python", "-c", "import pytest"], check=False).returncode
    port = free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ETHIQ_", "DATABASE_", "REDIS"))
        },
        "ETHIQ_HOST": "127.0.0.1",  # as the image's 0.0.0.0 would, on loopback only
        "ETHIQ_PORT": str(port),
        "ETHIQ_REGISTRY_KEY": generate_key(),
    }
    work = tmp_path / "work"
    work.mkdir()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [venv / "bin" / "ethiq", "serve"],
        cwd=work,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        wait_for_port(port, server)
        answer = httpx.get(f"http://127.0.0.1:{port}{LIVE_PATH}", timeout=10)
        assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
        ready = httpx.get(f"http://127.0.0.1:{port}{READY_PATH}", timeout=10)
        assert (ready.status_code, ready.json()["status"]) == (200, "ready")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)  # a graceful stop, or the test fails (after a kill)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
            log.close()
    # Each line once: the runtime's logger used to reach Litestar's root handler as well.
    lines = (tmp_path / "serve.log").read_text().splitlines()
    migrations = [line for line in lines if "applied" in line and "migrations" in line]
    assert migrations
    assert len(migrations) == len({line.split("applied", 1)[1] for line in migrations})
