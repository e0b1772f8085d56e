"""Load benchmark of the voice webhook under Granian (2 workers), PostgreSQL and Redis.

Beside it, in the same run and the same Granian + Litestar process, the ceiling: a handler that
answers a fixed TwiML string with no screening, no signature, no storage. wrk (Debian's package)
is the load generator on loopback; every request to the real webhook is a distinct call with a
valid Twilio signature for its tenant, pre-computed so the generator's cost stays constant.

Run: ``make bench`` or ``.venv/bin/python -m tests.benchmarks.voice_load [--seconds 10]``.
Not a test: it prints figures, and the ratio to the ceiling is the number to watch.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
from litestar import Litestar, MediaType, post
from twilio.request_validator import RequestValidator

from runtime.storage import store_for_url
from runtime.telephony.paths import VOICE
from runtime.tenants import Registry, TenantContact, TenantRecord, generate_key
from runtime.web.app import create_app as create_runtime_app
from tests.servers import free_port, postgres_server, redis_server

CEILING = "/bench/ceiling"
FIXED_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip>sip:user@x.sip.twilio.com'
    "</Sip></Dial></Response>"
)
TENANTS = 20
REQUESTS = 20_000  # distinct signed calls, cycled by wrk


@post(CEILING, media_type=MediaType.XML, include_in_schema=False)
async def ceiling() -> str:
    return FIXED_TWIML


def create_app() -> Litestar:
    """The runtime app plus the ceiling route, in one process (Granian's factory)."""
    app = create_runtime_app()
    app.register(ceiling)
    return app


async def _register(database_url: str, key: str) -> list[TenantRecord]:
    registry = Registry.for_url(database_url, key)
    store = store_for_url(database_url)
    tenants = []
    try:
        await registry.migrate()
        for index in range(TENANTS):
            slug = f"load-{index:03d}"
            tenant = TenantRecord(
                slug=slug,
                phone_number=f"+1514555{index + 1000:04d}",
                sip_address=f"sip:user_{slug}@{slug}.sip.twilio.com",
                sip_username=f"user_{slug}",
                subaccount_sid="AC" + uuid.uuid4().hex,
                auth_token=secrets.token_hex(16),
                language="fr-CA",
                region="CA-QC",
                contacts=(TenantContact("+15145550111", "Marie", 1, "fr-CA"),),
            )
            await registry.upsert(tenant)
            await store.ensure(slug)
            tenants.append(tenant)
    finally:
        await registry.close()
        await store.close()
    return tenants


def _lua_script(path: Path, public_url: str, tenants: list[TenantRecord]) -> None:
    """A wrk script cycling through pre-signed voice webhooks, each a new call."""
    lines = []
    for index in range(REQUESTS):
        tenant = tenants[index % len(tenants)]
        params = {
            "CallSid": "CA" + uuid.uuid4().hex,
            "AccountSid": tenant.subaccount_sid,
            "From": f"+1438555{index % 10_000:04d}",
            "To": tenant.phone_number,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            "StirVerstat": "TN-Validation-Passed-B",
        }
        signature = RequestValidator(tenant.auth_token).compute_signature(
            public_url + VOICE, params
        )
        lines.append(f'{{"{signature}", "{urlencode(params)}"}}')
    path.write_text(
        "local requests = {\n" + ",\n".join(lines) + "\n}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = (i % #requests) + 1\n"
        "  local r = requests[i]\n"
        '  return wrk.format("POST", nil, {["Content-Type"] = '
        '"application/x-www-form-urlencoded", ["X-Twilio-Signature"] = r[1]}, r[2])\n'
        "end\n"
    )


def _wrk(url: str, seconds: int, script: Path) -> dict[str, float]:
    command = [
        "wrk",
        "-t2",
        "-c32",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "15s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = {
        pct: _ms(value) for pct, value in re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)", out, re.M)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50": latency["50"],
        "p99": latency["99"],
        "errors": float(non_2xx.group(1)) if non_2xx else 0.0,
    }


def _ms(value: str) -> float:
    number = float(re.sub(r"[a-z]+$", "", value))
    unit = re.search(r"[a-z]+$", value).group(0)  # type: ignore[union-attr]
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description="Voice webhook load benchmark")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run tools/setup.sh (it installs Debian's wrk)")

    with postgres_server() as pg, redis_server() as redis, tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        public = f"http://127.0.0.1:{port}"
        key = generate_key()
        tenants = asyncio.run(_register(pg.url, key))
        script = Path(tmp) / "voice.lua"
        _lua_script(script, public, tenants)
        fixed = Path(tmp) / "ceiling.lua"
        fixed.write_text('wrk.method = "POST"\n')
        env = os.environ | {
            "DATABASE_URL": pg.url,
            "REDIS_URL": redis.url,
            "ETHIQ_PUBLIC_URL": public,
            "ETHIQ_REGISTRY_KEY": key,
            "ETHIQ_OUTBOX_WORKER": "0",
            # The load is a few tenants called without pause: measure the call path (the
            # limit's count included), not the busy tone past it.
            "ETHIQ_CALLS_PER_TENANT": str(10**9),
            "TWILIO_ACCOUNT_SID": "AC" + uuid.uuid4().hex,
            "TWILIO_AUTH_TOKEN": "unused",
        }
        server = subprocess.Popen(
            [
                Path(sys.executable).parent / "granian",
                "--interface",
                "asgi",
                "--factory",
                "--workers",
                "2",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "tests.benchmarks.voice_load:create_app",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        try:
            _wait_ready(f"{public}/health/ready", server)
            _wrk(public + CEILING, 2, fixed)  # warm both workers
            _wrk(public + VOICE, 2, script)
            ceiling_figures = _wrk(public + CEILING, args.seconds, fixed)
            voice = _wrk(public + VOICE, args.seconds, script)
        finally:
            server.terminate()
            server.wait(timeout=15)

    print(f"Granian 2 workers, wrk 2 threads / 32 connections, {args.seconds}s each, loopback")
    print(f"{'':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>9}")
    for label, row in (
        ("ceiling (fixed TwiML)", ceiling_figures),
        ("voice webhook (PostgreSQL+Redis)", voice),
    ):
        print(
            f"{label:<34}{row['rps']:>10.0f}{row['p50']:>10.1f}{row['p99']:>10.1f}"
            f"{row['errors']:>9.0f}"
        )
    print(f"voice webhook throughput = {voice['rps'] / ceiling_figures['rps']:.0%} of the ceiling")


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"granian exited with {server.returncode}")
        try:
            checks = httpx.get(url, timeout=2).json()["checks"]
            # No job worker runs here (ETHIQ_OUTBOX_WORKER=0): the call path's own are enough.
            if checks["database"]["status"] == checks["store"]["status"] == "up":
                return
        except (httpx.TransportError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    sys.exit("the runtime did not become ready")


if __name__ == "__main__":
    main()
