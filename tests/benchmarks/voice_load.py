"""Load benchmark of the call path: the voice and transcription webhooks under Granian, on
PostgreSQL + Redis and on the embedded default (SQLite + in-process store), as ratios to a
fixed-TwiML ceiling measured in the same run and the same Granian + Litestar process.

Printed, in one run:

- req/s, p50 and p99 (wrk, closed loop, 32 connections) of the ceiling, of two further
  baselines (a handler that only reads, parses and signature-checks the form; one that also
  routes, screens and builds the voice TwiML, but does no network I/O at all), of the voice and
  transcription webhooks on both backends;
- worker CPU per request (Granian's processes, from ``/proc``), the number that does not depend
  on how busy the machine is;
- p99 at an offered open-loop load of 300 voice calls a second (vegeta, constant rate): at
  saturation, a closed-loop p99 is queueing, not processing;
- the cost of segment 400 of one call against its segment 1 (no growth with call length), and
  of the voice webhook with 1,000 more idle tenants registered (no growth with idle tenants);
- the ``/metrics`` latency buckets below 10 ms;
- the verdict: each of the issue's targets against this run's figure (``tests.benchmarks.checks``),
  ending non-zero when one fails.

Every request to a real webhook is distinct (a new call, or a new segment of a call) and
carries a valid Twilio signature for its tenant, pre-computed so the generators' cost stays
constant. Twilio's REST API (the voice webhook rings the person into the call's conference) is
a local responder answering the participant Twilio documents: the worker's cost of the request
is measured, Twilio's own is not.

Run: ``make bench`` or ``.venv/bin/python -m tests.benchmarks.voice_load [--seconds 8]``.
Not a test: it prints figures; the ratios within one run are the numbers to watch.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from litestar import Litestar, MediaType, Request, post
from litestar.exceptions import PermissionDeniedException
from twilio.request_validator import RequestValidator

from runtime.screening.engine import ScreeningSession
from runtime.screening.model import CallMeta
from runtime.storage import store_for_url
from runtime.telephony import paths, twiml
from runtime.telephony.signatures import SIGNATURE_HEADER, public_url, signature_valid
from runtime.tenants import Registry, TenantContact, TenantRecord, generate_key
from runtime.web.app import create_app as create_runtime_app
from runtime.web.state import runtime_of
from tests.benchmarks.checks import Checks
from tests.servers import free_port, postgres_server, redis_server

CEILING = "/bench/ceiling"
FORM_ONLY = "/bench/form"
NO_IO = "/bench/no-io"
FIXED_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip>sip:user@x.sip.twilio.com'
    "</Sip></Dial></Response>"
)
TENANTS = 20
IDLE_TENANTS = 500
# Distinct signed calls per wrk phase (more than a phase sends; LuaJIT allows 65,536 constants
# in a chunk, two per request).
CALLS_PER_PHASE = 30_000
TRANSCRIBED_CALLS = 200
SEGMENTS_PER_CALL = 100
LONG_CALL = 400  # segments of the call-length probe
OPEN_LOOP_RATE = 300
FORM_SIGNER_VAR = "ETHIQ_BENCH_FORM_TOKEN"
LEGIT_TEXT = "oui bonjour c'est ta soeur, on se voit dimanche pour le souper chez maman"

AnyRequest = Request[Any, Any, Any]


@post(CEILING, media_type=MediaType.XML, include_in_schema=False, exclude_from_csrf=True)
async def ceiling() -> str:
    return FIXED_TWIML


@post(FORM_ONLY, media_type=MediaType.XML, include_in_schema=False, exclude_from_csrf=True)
async def form_only(request: AnyRequest) -> str:
    """Baseline: read and parse the form, check its signature (one fixed token)."""
    form = await request.form()
    params = {str(k): str(v) for k, v in form.items()}
    url = public_url(runtime_of(request).settings.twilio.public_url, FORM_ONLY, "")
    token = os.environ[FORM_SIGNER_VAR]
    if not signature_valid(token, url, params, request.headers.get(SIGNATURE_HEADER)):
        raise PermissionDeniedException("invalid Twilio signature")
    return FIXED_TWIML


@post(NO_IO, media_type=MediaType.XML, include_in_schema=False, exclude_from_csrf=True)
async def no_io(request: AnyRequest) -> str:
    """Baseline: the voice webhook's work without network I/O: form, routing (the process's
    cache), the tenant's signature, screening from metadata, the conference TwiML."""
    runtime = runtime_of(request)
    form = await request.form()
    params = {str(k): str(v) for k, v in form.items()}
    tenant = (await runtime.directory.by_number(params["To"])).tenant
    if tenant is None:
        raise PermissionDeniedException("unknown tenant")
    url = public_url(runtime.settings.twilio.public_url, NO_IO, "")
    if not signature_valid(
        tenant.auth_token, url, params, request.headers.get(SIGNATURE_HEADER)
    ) or (params.get("AccountSid") != tenant.subaccount_sid):
        raise PermissionDeniedException("invalid Twilio signature")
    meta = CallMeta(
        from_=params.get("From"),
        to=params["To"],
        forwarded_from=None,
        stir_verstat=params.get("StirVerstat"),
        caller_name=None,
        caller_in_contacts=False,
        caller_velocity=1,
    )
    ScreeningSession(meta, tenant.language, runtime.settings.screening.sensitivity)
    base = runtime.settings.twilio.public_url
    return twiml.conference_twiml(
        call_sid=params["CallSid"],
        language=tenant.language,
        transcription_url=public_url(base, paths.TRANSCRIPTION, f"tenant={tenant.slug}"),
        dial_action_url=public_url(base, paths.DIAL_STATUS, f"tenant={tenant.slug}"),
    )


def create_app() -> Litestar:
    """The runtime app plus the baselines' routes, in one process (Granian's factory)."""
    app = create_runtime_app()
    for handler in (ceiling, form_only, no_io):
        app.register(handler)
    return app


# --- Twilio's REST API stand-in ------------------------------------------------------------


@contextmanager
def twilio_responder() -> Iterator[str]:
    """A loopback HTTP/1.1 server answering every request with the participant Twilio
    returns (201), keep-alive; its base URL."""
    ready = threading.Event()
    port = free_port()
    loop = asyncio.new_event_loop()
    body = json.dumps(
        {"call_sid": "CA" + "0" * 32, "conference_sid": "CF" + "0" * 32, "label": "person"}
    ).encode()
    answer = (
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                if length:
                    await reader.readexactly(int(length.group(1)))
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    stop = asyncio.Event()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        ready.set()
        async with server:
            await stop.wait()

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(5)


# --- tenants and signed requests -----------------------------------------------------------


def _tenant(index: int, prefix: str = "load") -> TenantRecord:
    slug = f"{prefix}-{index:04d}"
    return TenantRecord(
        slug=slug,
        phone_number=f"+1514{5 if prefix == 'load' else 6}{index + 100000:06d}",
        sip_address=f"sip:user_{index}@{slug}.sip.twilio.com",
        sip_username=f"user_{index}",
        subaccount_sid="AC" + uuid.uuid4().hex,
        auth_token=secrets.token_hex(16),
        language="fr-CA",
        region="CA-QC",
        contacts=(TenantContact("+15145550111", "Marie", 1, "fr-CA"),),
    )


async def _register(
    database_url: str, key: str, tenants: list[TenantRecord], schemas: bool
) -> None:
    registry = Registry.for_url(database_url, key)
    store = store_for_url(database_url)
    try:
        await registry.migrate()
        for tenant in tenants:
            await registry.upsert(tenant)
            if schemas:
                await store.ensure(tenant.slug)
    finally:
        await registry.close()
        await store.close()


@dataclass(frozen=True, slots=True)
class Signed:
    path: str  # with its query
    signature: str
    body: str


def _voice_params(tenant: TenantRecord, index: int) -> dict[str, str]:
    return {
        "CallSid": "CA" + uuid.uuid4().hex,
        "AccountSid": tenant.subaccount_sid,
        "From": f"+1438{index % 10_000_000:07d}",
        "To": tenant.phone_number,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "StirVerstat": "TN-Validation-Passed-B",
    }


def _sign(public: str, path: str, token: str, params: dict[str, str]) -> Signed:
    signature = RequestValidator(token).compute_signature(public + path, params)
    return Signed(path, signature, urlencode(params))


def _voice_calls(
    public: str, tenants: list[TenantRecord], count: int, path: str = paths.VOICE
) -> list[Signed]:
    return [
        _sign(public, path, t.auth_token, _voice_params(t, i))
        for i in range(count)
        for t in (tenants[i % len(tenants)],)
    ]


def _segment(
    public: str, tenant: TenantRecord, call_sid: str, sequence: int, text: str = LEGIT_TEXT
) -> Signed:
    params = {
        "AccountSid": tenant.subaccount_sid,
        "CallSid": call_sid,
        "TranscriptionEvent": "transcription-content",
        "TranscriptionData": json.dumps({"transcript": text, "confidence": 0.9}),
        "Final": "true",
        "Track": "inbound_track",
        "SequenceId": str(sequence),
        "Timestamp": "2026-12-01T12:00:00.000Z",
    }
    return _sign(public, f"{paths.TRANSCRIPTION}?tenant={tenant.slug}", tenant.auth_token, params)


def _wrk_script(path: Path, requests: list[Signed]) -> None:
    """Each of wrk's two threads cycles through its own half of ``requests``."""
    entries = ",\n".join(
        f'{{"{r.path}", "{r.signature}", "{r.body}"}}' for r in requests
    )  # urlencoded bodies and base64 signatures hold no quote or backslash
    path.write_text(
        "local requests = {\n" + entries + "\n}\n"
        "local threads = 0\n"
        "function setup(thread)\n"
        "  thread:set('id', threads)\n"
        "  threads = threads + 1\n"
        "end\n"
        "local half = math.floor(#requests / 2)\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = (i % half) + 1\n"
        "  local r = requests[id * half + i]\n"
        '  return wrk.format("POST", r[1], {["Content-Type"] = '
        '"application/x-www-form-urlencoded", ["X-Twilio-Signature"] = r[2]}, r[3])\n'
        "end\n"
    )


def _vegeta_targets(path: Path, base: str, requests: list[Signed]) -> None:
    with path.open("w") as out:
        for r in requests:
            target = {
                "method": "POST",
                "url": base + r.path,
                "body": base64.b64encode(r.body.encode()).decode(),
                "header": {
                    "Content-Type": ["application/x-www-form-urlencoded"],
                    "X-Twilio-Signature": [r.signature],
                },
            }
            out.write(json.dumps(target) + "\n")


# --- load generators and measurements ------------------------------------------------------


def _wrk(base: str, seconds: float, script: Path) -> dict[str, float]:
    """``base``: the URL (a script's requests may name their own path)."""
    command = ["wrk", "-t2", "-c32", f"-d{seconds:g}s", "--latency", "--timeout", "15s"]
    out = subprocess.run(
        [*command, "-s", str(script), base], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    latency = {
        pct: _ms(value) for pct, value in re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)", out, re.M)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "requests": float(total),
        "p50": latency["50"],
        "p99": latency["99"],
        "errors": float(non_2xx.group(1)) if non_2xx else 0.0,
    }


def _ms(value: str) -> float:
    number = float(re.sub(r"[a-z]+$", "", value))
    unit = re.search(r"[a-z]+$", value).group(0)  # type: ignore[union-attr]
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _vegeta(targets: Path, rate: int, seconds: int) -> dict[str, float]:
    vegeta = shutil.which("vegeta") or str(Path(sys.executable).parent / "vegeta")
    attack = subprocess.run(
        [
            vegeta,
            "attack",
            "-format=json",
            f"-targets={targets}",
            f"-rate={rate}/1s",
            f"-duration={seconds}s",
            "-timeout=15s",
        ],
        capture_output=True,
        check=True,
    ).stdout
    report = subprocess.run(
        [vegeta, "report", "-type=json"], input=attack, capture_output=True, check=True
    ).stdout
    parsed = json.loads(report)
    return {
        "rps": float(parsed["throughput"]),
        "p50": parsed["latencies"]["50th"] / 1e6,
        "p99": parsed["latencies"]["99th"] / 1e6,
        "errors": float(parsed["requests"]) * (1.0 - float(parsed["success"])),
    }


def _tree(root: int) -> list[int]:
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


def _cpu_s(root: int) -> float:
    """User + system CPU seconds of ``root`` and its descendants (Granian and its workers)."""
    ticks = 0
    for pid in _tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str

    def cpu_per_request_ms(self, figures: dict[str, float], cpu_s: float) -> float:
        return 1000.0 * cpu_s / max(figures["requests"], 1.0)


@contextmanager
def granian(env: dict[str, str], workers: int) -> Iterator[Server]:
    port = int(env["ETHIQ_PUBLIC_URL"].rsplit(":", 1)[1])
    process = subprocess.Popen(
        [
            Path(sys.executable).parent / "granian",
            "--interface",
            "asgi",
            "--factory",
            "--workers",
            str(workers),
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
        _wait_ready(f"{env['ETHIQ_PUBLIC_URL']}/health/ready", process)
        yield Server(process, env["ETHIQ_PUBLIC_URL"])
    finally:
        process.terminate()
        process.wait(timeout=60)


def _measured(server: Server, seconds: float, script: Path) -> dict[str, float]:
    before = _cpu_s(server.process.pid)
    figures = _wrk(server.base + CEILING, seconds, script)
    figures["cpu_ms"] = server.cpu_per_request_ms(figures, _cpu_s(server.process.pid) - before)
    return figures


def _post(client: httpx.Client, request: Signed) -> float:
    started = time.perf_counter()
    response = client.post(
        request.path,
        content=request.body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            SIGNATURE_HEADER: request.signature,
        },
    )
    elapsed = time.perf_counter() - started
    if response.status_code >= 300:
        sys.exit(f"{request.path}: {response.status_code} {response.text[:200]}")
    return elapsed


def _call_length(server: Server, public: str, tenant: TenantRecord) -> tuple[float, float]:
    """Median latency of segments 1-20 and of segments 381-400 of one call (sequential)."""
    call = _voice_calls(public, [tenant], 1)[0]
    sid = re.search(r"CallSid=(CA[0-9a-f]+)", call.body).group(1)  # type: ignore[union-attr]
    with httpx.Client(base_url=server.base, timeout=15) as client:
        _post(client, call)
        times = [_post(client, _segment(public, tenant, sid, n)) for n in range(1, LONG_CALL + 1)]
    return statistics.median(times[:20]) * 1000, statistics.median(times[-20:]) * 1000


def _transcribed(
    server: Server, public: str, tenants: list[TenantRecord], calls: int
) -> list[Signed]:
    """Answer ``calls`` calls (so they exist), then their segments: each wrk thread takes
    half of the calls, segment by segment."""
    answered = _voice_calls(public, tenants, calls)
    with httpx.Client(base_url=server.base, timeout=15) as client:
        for call in answered:
            _post(client, call)
    by_call = [
        (tenants[i % len(tenants)], re.search(r"CallSid=(CA[0-9a-f]+)", c.body).group(1))  # type: ignore[union-attr]
        for i, c in enumerate(answered)
    ]
    halves = (by_call[: calls // 2], by_call[calls // 2 :])
    return [
        _segment(public, tenant, sid, n)
        for half in halves
        for n in range(1, SEGMENTS_PER_CALL + 1)
        for tenant, sid in half
    ]


def _histogram_buckets(base: str) -> list[str]:
    """The ``le`` bounds under 10 ms of the voice webhook's latency histogram."""
    text = httpx.get(base + "/metrics", timeout=5).text
    bounds = re.findall(r'ethiq_webhook_seconds_bucket\{endpoint="voice",le="([\d.e+-]+)"\}', text)
    return [b for b in bounds if float(b) < 0.010]


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 240  # a loaded machine starts workers slowly
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


def _env(database_url: str, redis_url: str, key: str, twilio: str) -> dict[str, str]:
    port = free_port()
    return os.environ | {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ETHIQ_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "ETHIQ_REGISTRY_KEY": key,
        "ETHIQ_OUTBOX_WORKER": "0",
        # The load is a few tenants called without pause: measure the call path (the limit's
        # count included), not the busy tone past it.
        "ETHIQ_CALLS_PER_TENANT": str(10**9),
        "TWILIO_ACCOUNT_SID": "AC" + uuid.uuid4().hex,
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_API_BASE_URL": twilio,
        FORM_SIGNER_VAR: secrets.token_hex(16),
    }


# --- the run -------------------------------------------------------------------------------


Row = dict[str, float]


def _backend(
    label: str,
    env: dict[str, str],
    tenants: list[TenantRecord],
    workers: int,
    seconds: float,
    tmp: Path,
    *,
    full: bool,
) -> dict[str, Any]:
    """Every figure of one backend; ``full``: the baselines, the open-loop p99, the idle
    tenants and the call-length probe too."""
    public = env["ETHIQ_PUBLIC_URL"]
    results: dict[str, Any] = {}

    def script(name: str, requests: list[Signed]) -> Path:
        path = tmp / f"{label}-{name}.lua"
        _wrk_script(path, requests)
        return path

    fixed = tmp / "ceiling.lua"
    fixed.write_text('wrk.method = "POST"\n')
    voice_warm = script("voice-warm", _voice_calls(public, tenants, 4000))
    voice = script("voice", _voice_calls(public, tenants, CALLS_PER_PHASE))
    form = script(
        "form",
        [
            _sign(public, FORM_ONLY, env[FORM_SIGNER_VAR], _voice_params(tenants[0], i))
            for i in range(2000)
        ],
    )
    no_io_script = script("no-io", _voice_calls(public, tenants, 2000, NO_IO))
    with granian(env, workers) as server:
        _wrk(server.base + CEILING, 2, fixed)  # warm every worker
        _wrk(server.base, 2, voice_warm)
        results["ceiling"] = _measured(server, seconds, fixed)
        if full:
            results["form"] = _measured(server, seconds, form)
            results["no_io"] = _measured(server, seconds, no_io_script)
        results["voice"] = _measured(server, seconds, voice)
        segments = script("transcription", _transcribed(server, public, tenants, TRANSCRIBED_CALLS))
        results["transcription"] = _measured(server, seconds, segments)
        results["buckets"] = _histogram_buckets(server.base)
        if full:
            targets = tmp / f"{label}-open.jsonl"
            _vegeta_targets(
                targets, server.base, _voice_calls(public, tenants, OPEN_LOOP_RATE * 10)
            )
            results["open_loop"] = _vegeta(targets, OPEN_LOOP_RATE, 10)
            results["call_length"] = _call_length(server, public, tenants[1])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="Call path load benchmark")
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run tools/setup.sh (it installs Debian's wrk)")
    load = os.getloadavg()
    with (
        postgres_server() as pg,
        redis_server() as redis,
        twilio_responder() as twilio,
        tempfile.TemporaryDirectory() as tmp_dir,
    ):
        tmp = Path(tmp_dir)
        key = generate_key()
        tenants = [_tenant(i) for i in range(TENANTS)]
        asyncio.run(_register(pg.url, key, tenants, schemas=True))
        env = _env(pg.url, redis.url, key, twilio)
        postgres = _backend("pg", env, tenants, 2, args.seconds, tmp, full=True)

        idle = [_tenant(i, "idle") for i in range(IDLE_TENANTS)]
        asyncio.run(_register(pg.url, key, idle, schemas=False))
        idle_env = env | {"ETHIQ_PUBLIC_URL": f"http://127.0.0.1:{free_port()}"}
        with_idle = _backend("pg-idle", idle_env, tenants, 2, args.seconds, tmp, full=False)

        sqlite_url = f"sqlite:///{tmp}/embedded/ethiq.sqlite"
        asyncio.run(_register(sqlite_url, key, tenants, schemas=True))
        embedded_env = _env(sqlite_url, "", key, twilio)
        # The embedded default is one process (its store lives in it).
        embedded = _backend("sqlite", embedded_env, tenants, 1, args.seconds, tmp, full=False)
    _report(args.seconds, load, postgres, with_idle, embedded)
    _verdict(postgres, with_idle, embedded).finish()


def _report(
    seconds: float,
    load: tuple[float, float, float],
    postgres: dict[str, Any],
    with_idle: dict[str, Any],
    embedded: dict[str, Any],
) -> None:
    ceiling = postgres["ceiling"]
    print(
        f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; now "
        + " ".join(f"{v:.2f}" for v in os.getloadavg())
        + f"; {os.cpu_count()} CPUs"
    )
    print(f"wrk 2 threads / 32 connections, {seconds:g} s each, loopback")
    print(f"{'':<50}{'req/s':>8}{'ratio':>8}{'p50 ms':>8}{'p99 ms':>8}{'CPU ms':>8}{'non-2xx':>8}")
    rows = [
        ("ceiling: fixed TwiML (2 workers)", ceiling, ceiling),
        ("baseline: read, parse, check the signature", postgres["form"], ceiling),
        ("baseline: voice work, no network I/O", postgres["no_io"], ceiling),
        ("voice webhook, PostgreSQL+Redis", postgres["voice"], ceiling),
        ("transcription webhook, PostgreSQL+Redis", postgres["transcription"], ceiling),
        (f"voice, PostgreSQL+Redis, +{IDLE_TENANTS} idle tenants", with_idle["voice"], ceiling),
        ("ceiling, 1 worker (embedded run)", embedded["ceiling"], ceiling),
        ("voice webhook, embedded (SQLite, 1 worker)", embedded["voice"], ceiling),
        ("transcription webhook, embedded (1 worker)", embedded["transcription"], ceiling),
    ]
    for label, row, base in rows:
        print(
            f"{label:<50}{row['rps']:>8.0f}{row['rps'] / base['rps']:>8.1%}{row['p50']:>8.1f}"
            f"{row['p99']:>8.1f}{row['cpu_ms']:>8.2f}{row['errors']:>8.0f}"
        )
    open_loop = postgres["open_loop"]
    print(
        f"voice webhook, PostgreSQL+Redis, open loop at {OPEN_LOOP_RATE} req/s (vegeta): "
        f"p50 {open_loop['p50']:.1f} ms, p99 {open_loop['p99']:.1f} ms, "
        f"{open_loop['errors']:.0f} errors (target p99 <= 10 ms)"
    )
    first, last = postgres["call_length"]
    print(
        f"transcription, one call, PostgreSQL+Redis: segment 1-20 median {first:.2f} ms, "
        f"segment {LONG_CALL - 19}-{LONG_CALL} median {last:.2f} ms ({last / first:.2f}x)"
    )
    voice, idle = postgres["voice"], with_idle["voice"]
    print(
        f"voice with {IDLE_TENANTS} idle tenants: CPU {idle['cpu_ms'] / voice['cpu_ms']:.2f}x, "
        f"throughput {idle['rps'] / voice['rps']:.2f}x of {TENANTS} tenants alone"
    )
    buckets = ", ".join(postgres["buckets"]) or "none"
    print(f"/metrics voice latency buckets under 10 ms (s): {buckets}")


def _verdict(
    postgres: dict[str, Any], with_idle: dict[str, Any], embedded: dict[str, Any]
) -> Checks:
    """The issue's targets for the call path, each against this run's figures."""
    checks = Checks()
    ceiling = postgres["ceiling"]["rps"]
    for label, row, target in (
        ("voice webhook, PostgreSQL+Redis", postgres["voice"], 12.0),
        ("transcription webhook, PostgreSQL+Redis", postgres["transcription"], 12.0),
        ("voice webhook, embedded", embedded["voice"], 6.0),
        ("transcription webhook, embedded", embedded["transcription"], 6.0),
    ):
        checks.add(
            f"{label}, of the ceiling",
            round(100 * row["rps"] / ceiling, 1),
            ">=",
            target,
            unit=" %",
        )
    checks.add(
        "worker CPU per voice call, PostgreSQL+Redis",
        round(postgres["voice"]["cpu_ms"], 2),
        "<=",
        0.8,
        unit=" ms",
        detail=f"the ceiling's: {postgres['ceiling']['cpu_ms']:.2f} ms",
    )
    checks.add(
        f"voice p99 at an open-loop {OPEN_LOOP_RATE} req/s",
        round(postgres["open_loop"]["p99"], 1),
        "<=",
        10.0,
        unit=" ms",
    )
    checks.add("/metrics voice latency buckets under 10 ms", len(postgres["buckets"]), ">=", 1)
    first, last = postgres["call_length"]
    # "Alike": within the noise of a loaded machine, far from growing with the call.
    checks.add(
        f"segment {LONG_CALL} of a call, of its segment 1", round(last / first, 2), "<=", 1.5
    )
    checks.add(
        f"voice CPU with {IDLE_TENANTS} idle tenants, of {TENANTS} tenants alone",
        round(with_idle["voice"]["cpu_ms"] / postgres["voice"]["cpu_ms"], 2),
        "<=",
        1.5,
    )
    return checks


if __name__ == "__main__":
    main()
