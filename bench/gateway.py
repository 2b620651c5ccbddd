"""The gateway's hot path against a plain reverse proxy and against no proxy at all.

The same public GET (a service's ``/healthz``) is driven with ``wrk`` three ways in one run,
on the same service process:

- direct: straight at the service;
- nginx: through nginx as a plain keep-alive reverse proxy, the reference for what a proxy
  hop costs on this machine;
- gateway: through the SELA gateway with an API key, so authentication, the route policy,
  rate limiting (shared store on), request ids, trace context and the signed identity header
  are all on the measured path. API-key requests are never served from the gateway's cache.

A fourth leg, the same GET anonymously through the gateway, is answered from its response
cache: it is reported for information and compared with nothing.

Beside wrk's figures, each leg reports the CPU time per request of the service, of the proxy
and of wrk, and how much CPU went to anything else on the machine: all of them share its
cores, so a throughput ratio is only readable next to where the cores went.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sela_gateway
from bench.report import BenchmarkError, BenchmarkResult, Measurement
from sela_devservers import EmbeddedNats, EmbeddedPostgres, free_port
from sela_gateway.auth.schemas import ApiKeyCreate
from sela_gateway.auth.service import create_api_key
from sela_gateway.settings import GatewaySettings
from sela_kit.db import Database
from sela_kit.identity import Identity, sign_identity
from sela_kit.settings import asyncpg_url

logger = logging.getLogger("sela.bench.gateway")

NAME = "gateway"
# Only for this run's throw-away servers.
INTERNAL_SECRET = "sela-bench-internal-secret-0123456789abcdef"  # noqa: S105
TOKEN_SECRET = "sela-bench-token-secret-0123456789abcdef01"  # noqa: S105
SERVICE = "indices"
SERVICE_PATH = "/healthz"
GATEWAY_PATH = f"/api/v1/{SERVICE}{SERVICE_PATH}"
# High enough never to refuse during a run, so the limiter does all its work and says yes.
RATE_LIMIT = 100_000_000
WRK_THREADS = 2
WARMUP_SECONDS = 2
STARTUP_SECONDS = 60.0
STOP_SECONDS = 15.0
# The gateway signs each identity for 60 s; the pre-signed token of the other legs must
# outlive the whole run instead.
TOKEN_TTL = 3600

THROUGHPUT_TARGET = 0.6
ADDED_P99_TARGET_MS = 2.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

WRK_INSTALL = "install it with `apt-get install -y wrk` (Debian/Ubuntu)"
NGINX_INSTALL = "install it with `apt-get install -y nginx-light` (or `nginx`)"

# Exact percentiles from wrk's histogram, rather than the rounded figures of its --latency text.
WRK_DONE_SCRIPT = """\
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "SELA-WRK {\\"requests\\": %d, \\"duration_us\\": %d, \\"bytes\\": %d, " ..
    "\\"p50_us\\": %d, \\"p90_us\\": %d, \\"p99_us\\": %d, \\"mean_us\\": %.1f, " ..
    "\\"max_us\\": %d, \\"connect_errors\\": %d, \\"read_errors\\": %d, " ..
    "\\"write_errors\\": %d, \\"status_errors\\": %d, \\"timeouts\\": %d}\\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""
WRK_LINE = re.compile(r"^SELA-WRK (\{.*\})$", re.MULTILINE)
WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")

NGINX_CONF = """\
worker_processes auto;
daemon off;
error_log {root}/error.log warn;
pid {root}/nginx.pid;

events {{
    worker_connections 4096;
}}

http {{
    access_log off;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;

    upstream svc {{
        server 127.0.0.1:{upstream_port};
        keepalive 64;
    }}

    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://svc;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Sela-Identity "{token}";
        }}
    }}
}}
"""


class MissingToolError(BenchmarkError):
    """A program the benchmark drives is not installed: nothing was measured."""


@dataclass(frozen=True)
class Leg:
    """One way of reaching the same GET, and the headers wrk sends on it."""

    key: str
    name: str
    url: str
    headers: Mapping[str, str]
    # The process between wrk and the service, whose CPU time is charged to the leg.
    proxy: str | None = None


@dataclass(frozen=True)
class LegResult:
    key: str
    name: str
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    non_2xx_3xx: int
    socket_errors: int
    # CPU time per request, from /proc: where the machine's cores went during the leg.
    service_cpu_us: float | None
    proxy_cpu_us: float | None
    wrk_cpu_us: float
    # CPU the machine spent on anything but this run's processes, in % of one core: load
    # from elsewhere that took cores from the measured processes.
    other_cpu_percent: float | None


@dataclass(frozen=True)
class Stack:
    """The running servers: where each leg points, and what a leg needs to be sent."""

    direct_url: str
    nginx_url: str | None
    gateway_url: str
    api_key: str
    token: str
    processes: Processes


def run(seconds: int, connections: int, gateway_workers: int = 1) -> BenchmarkResult:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise MissingToolError(f"wrk is not installed; {WRK_INSTALL}")
    nginx = nginx_binary()
    if nginx is None:
        logger.warning("nginx is not installed; the nginx leg is skipped (%s)", NGINX_INSTALL)
    with (
        tempfile.TemporaryDirectory(prefix="sela-bench-") as folder,
        running(Path(folder), nginx, gateway_workers) as stack,
    ):
        legs = [
            Leg(
                "direct",
                "direct",
                stack.direct_url + SERVICE_PATH,
                {"X-Sela-Identity": stack.token},
            )
        ]
        if stack.nginx_url is not None:
            legs.append(Leg("nginx", "nginx", stack.nginx_url + SERVICE_PATH, {}, "nginx"))
        legs += [
            Leg(
                "gateway",
                "gateway",
                stack.gateway_url + GATEWAY_PATH,
                {"X-API-Key": stack.api_key},
                "gateway",
            ),
            Leg(
                "gateway_cached",
                "gateway, anonymous (cached)",
                stack.gateway_url + GATEWAY_PATH,
                {},
                "gateway",
            ),
        ]
        check_legs(legs)
        script = Path(folder) / "done.lua"
        script.write_text(WRK_DONE_SCRIPT)
        results: dict[str, LegResult] = {}
        for leg in legs:
            logger.info("%s: %d s warm-up, then %d s", leg.name, WARMUP_SECONDS, seconds)
            drive(wrk, script, leg, WARMUP_SECONDS, connections, stack.processes)
            results[leg.key] = drive(wrk, script, leg, seconds, connections, stack.processes)
    logger.info("\n%s", leg_table(list(results.values())))
    return _result(results, seconds, connections, wrk, nginx)


def _result(
    results: dict[str, LegResult],
    seconds: int,
    connections: int,
    wrk: str,
    nginx: str | None,
) -> BenchmarkResult:
    direct = results["direct"]
    via_nginx = results.get("nginx")
    gateway = results["gateway"]
    cached = results["gateway_cached"]
    added_p99_us = (gateway.p99_ms - direct.p99_ms) * 1000
    measurements = [
        Measurement(
            name="gateway throughput vs nginx",
            unit="req/s",
            value=gateway.requests_per_second,
            reference_name="nginx",
            reference_value=via_nginx.requests_per_second if via_nginx else None,
            reading=(
                f"share of a plain reverse proxy's throughput; target ≥ {THROUGHPUT_TARGET}"
                if via_nginx
                else f"no reference: nginx is not installed ({NGINX_INSTALL})"
            ),
        ),
        Measurement(
            name="gateway throughput vs direct",
            unit="req/s",
            value=gateway.requests_per_second,
            reference_name="direct",
            reference_value=direct.requests_per_second,
            reading="share of the service's own throughput kept behind the gateway",
        ),
        Measurement(
            name="gateway added p99 latency",
            unit="µs",
            value=added_p99_us,
            reading=(
                f"gateway p99 − direct p99 (lower is better); target ≤ "
                f"{ADDED_P99_TARGET_MS * 1000:,.0f} µs"
            ),
        ),
        Measurement(
            name="gateway, anonymous (cached)",
            unit="req/s",
            value=cached.requests_per_second,
            reference_name="direct",
            reference_value=direct.requests_per_second,
            reading="answered from the gateway's cache, the service untouched; information only",
        ),
    ]
    if via_nginx is not None:
        measurements.insert(
            2,
            Measurement(
                name="nginx throughput vs direct",
                unit="req/s",
                value=via_nginx.requests_per_second,
                reference_name="direct",
                reference_value=direct.requests_per_second,
                reading="share of the service's own throughput kept behind nginx",
            ),
        )
    details: dict[str, Any] = {
        "path": GATEWAY_PATH,
        "seconds": seconds,
        "warmup_seconds": WARMUP_SECONDS,
        "connections": connections,
        "wrk_threads": WRK_THREADS,
        "wrk": _version([wrk, "-v"]),
        "nginx": _version([nginx, "-v"]) if nginx else "not installed",
        "cpu": cpu_model(),
        # The commit alone does not say which gateway ran when its code is being changed.
        "gateway_source_sha256": gateway_source_digest(),
        "gateway_over_nginx": (
            gateway.requests_per_second / via_nginx.requests_per_second if via_nginx else None
        ),
        "gateway_over_direct": gateway.requests_per_second / direct.requests_per_second,
        "gateway_added_p99_ms": added_p99_us / 1000,
    }
    for result in results.values():
        for field, value in asdict(result).items():
            if field not in ("key", "name"):
                details[f"{result.key}_{field}"] = value
    return BenchmarkResult(name=NAME, measurements=measurements, details=details)


def leg_table(results: Sequence[LegResult]) -> str:
    header = (
        "leg",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "non-2xx",
        "CPU µs/req: service",
        "proxy",
        "wrk",
        "other CPU %",
    )
    rows = [header] + [
        (
            r.name,
            f"{r.requests_per_second:,.0f}",
            f"{r.p50_ms:.2f}",
            f"{r.p90_ms:.2f}",
            f"{r.p99_ms:.2f}",
            str(r.non_2xx_3xx),
            _micros(r.service_cpu_us),
            _micros(r.proxy_cpu_us),
            _micros(r.wrk_cpu_us),
            _micros(r.other_cpu_percent),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _micros(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


# -- the servers --------------------------------------------------------------------------


@contextmanager
def running(root: Path, nginx: str | None, gateway_workers: int = 1) -> Iterator[Stack]:
    """PostgreSQL, NATS, the service, nginx in front of it and the gateway, all stopped at
    the end, also on failure."""
    postgres = EmbeddedPostgres(root / "postgres", fast=True)
    broker = EmbeddedNats(root / "nats")
    processes = Processes(root)
    with ExitStack() as cleanup:
        # On the main thread: each server is bound to the life of the thread that spawns it.
        logger.info("starting embedded PostgreSQL and NATS in %s", root)
        cleanup.callback(postgres.stop)
        postgres.start()
        cleanup.callback(broker.stop)
        broker.start()
        cleanup.callback(processes.stop)

        env = _environment(postgres.url, broker.url)
        for package in ("sela_indices", "sela_gateway"):
            _migrate(package, env, root)
        gateway_settings = GatewaySettings(
            database_url=asyncpg_url(postgres.url, "sela_gateway").render_as_string(
                hide_password=False
            ),
            nats_url=broker.url,
            internal_secret=INTERNAL_SECRET,
            token_secret=TOKEN_SECRET,
            environment="development",
        )
        prefix, api_key = asyncio.run(_create_api_key(gateway_settings))
        token = sign_identity(
            # What the gateway vouches for on the keyed leg, so the header is as long.
            Identity(
                kind="api_key",
                subject=prefix,
                name="bench",
                roles=frozenset({"partner"}),
                scopes=frozenset({f"{SERVICE}:read"}),
            ),
            INTERNAL_SECRET,
            ttl=TOKEN_TTL,
        )

        service_port = free_port()
        service_url = f"http://127.0.0.1:{service_port}"
        processes.start(
            "service",
            [sys.executable, "-m", "sela_indices", "serve", "--port", str(service_port)],
            env,
        )
        gateway_port = free_port()
        gateway_url = f"http://127.0.0.1:{gateway_port}"
        processes.start(
            "gateway",
            [sys.executable, "-m", "sela_gateway", "serve", "--port", str(gateway_port)],
            {
                **env,
                "SELA_GATEWAY_UPSTREAMS": json.dumps({SERVICE: {"url": service_url}}),
                "SELA_GATEWAY_TOKEN_SECRET": TOKEN_SECRET,
                "SELA_GATEWAY_RATE_LIMIT_API_KEY_PER_MINUTE": str(RATE_LIMIT),
                "SELA_GATEWAY_RATE_LIMIT_ANONYMOUS_PER_MINUTE": str(RATE_LIMIT),
                "SELA_GATEWAY_WORKERS": str(gateway_workers),
            },
        )
        nginx_url = None
        if nginx is not None:
            nginx_port = free_port()
            nginx_url = f"http://127.0.0.1:{nginx_port}"
            folder = root / "nginx"
            conf = _nginx_conf(folder, service_port, nginx_port, token)
            processes.start(
                "nginx",
                [nginx, "-e", str(folder / "error.log"), "-c", str(conf), "-p", str(folder)],
                os.environ,
            )

        _wait_ready(processes, "service", service_url + "/readyz")
        _wait_ready(processes, "gateway", gateway_url + "/readyz")
        _wait_rate_limit_store(gateway_url)
        if nginx_url is not None:
            _wait_ready(processes, "nginx", nginx_url + SERVICE_PATH)
        yield Stack(service_url, nginx_url, gateway_url, api_key, token, processes)


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found is None and os.access("/usr/sbin/nginx", os.X_OK):
        found = "/usr/sbin/nginx"
    return found


def _environment(postgres_url: str, nats_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # A developer's own settings must not leak into the measured processes.
        if not key.startswith("SELA_")
    }
    env.update(
        {
            "SELA_ENVIRONMENT": "development",
            "SELA_DATABASE_URL": postgres_url,
            "SELA_NATS_URL": nats_url,
            "SELA_INTERNAL_SECRET": INTERNAL_SECRET,
            "SELA_LOG_LEVEL": "WARNING",
            "SELA_INDICES_LOG_LEVEL": "WARNING",
            "SELA_GATEWAY_LOG_LEVEL": "WARNING",
        }
    )
    return env


def _migrate(package: str, env: dict[str, str], root: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", package, "migrate"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise BenchmarkError(f"{package} migrate failed:\n{done.stderr[-2000:]}")


async def _create_api_key(settings: GatewaySettings) -> tuple[str, str]:
    """The new key's prefix, and the key itself."""
    database = Database(settings.sqlalchemy_url, pool_size=1, application_name="sela-bench")
    try:
        async with database.transaction() as session:
            stored, key = await create_api_key(
                session,
                ApiKeyCreate(name="bench", owner="bench", scopes=[f"{SERVICE}:read"]),
                created_by="bench",
            )
    finally:
        await database.dispose()
    return stored.prefix, key


def _nginx_conf(folder: Path, upstream_port: int, port: int, token: str) -> Path:
    folder.mkdir()
    conf = folder / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(root=folder, upstream_port=upstream_port, port=port, token=token)
    )
    return conf


class Processes:
    """The measured server processes, each in a session of its own so that stopping one
    reaches every process it spawned."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._running: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, command: Sequence[str], env: Mapping[str, str]) -> None:
        log_path = self.root / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                env=dict(env),
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._running.append((name, process, log_path))

    def check(self) -> None:
        """Fail with the process's last words if one of them has exited."""
        for name, process, log_path in self._running:
            if process.poll() is not None:
                raise BenchmarkError(
                    f"{name} exited with status {process.returncode}:\n{_log_tail(log_path)}"
                )

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by each process and everything in its session (nginx's
        workers); empty where there is no /proc."""
        if not Path("/proc/self/stat").exists():
            return {}
        leaders = {process.pid: name for name, process, _ in self._running}
        used = dict.fromkeys(leaders.values(), 0.0)
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Fields after the command name, which may itself hold spaces and parentheses.
            fields = stat[stat.rindex(")") + 2 :].split()
            name = leaders.get(int(fields[3]))
            if name is not None:
                used[name] += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        return used

    def stop(self) -> None:
        while self._running:
            _, process, _ = self._running.pop()
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig, timeout in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, 5.0)):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
    # Children may outlive a leader that exited on its own.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _get(url: str, headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                (response.read()),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def _wait_ready(processes: Processes, name: str, url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        processes.check()
        try:
            status, _, body = _get(url)
        except OSError as exc:
            last = str(exc)
        else:
            if status == 200:
                return
            last = f"{status} {body[:200]!r}"
        time.sleep(0.2)
    raise BenchmarkError(f"{name} not ready after {STARTUP_SECONDS:.0f} s at {url}: {last}")


def _wait_rate_limit_store(gateway_url: str) -> None:
    # Readiness tolerates a missing store; the measurement must not, or the limiter would
    # count locally and the keyed leg would skip the shared store's work.
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        status, _, body = _get(gateway_url + "/status")
        if status == 200 and json.loads(body).get("rate_limit_store") == "ok":
            return
        time.sleep(0.2)
    raise BenchmarkError("the gateway's rate-limit store (NATS KV) did not become available")


def check_legs(legs: Sequence[Leg]) -> None:
    """Each leg answers 200 before anything is timed, through the path it claims to take."""
    answers: dict[str, dict[str, str]] = {}
    # Twice over: the anonymous answer is in the cache by the second round, which must serve
    # it from there and still send keyed requests to the service.
    for _ in range(2):
        for leg in legs:
            status, headers, body = _get(leg.url, leg.headers)
            if status != 200:
                raise BenchmarkError(f"{leg.name}: GET {leg.url} answered {status}: {body[:300]!r}")
            if leg.proxy == "gateway":
                missing = [h for h in ("x-request-id", "ratelimit-limit") if h not in headers]
                if missing:
                    raise BenchmarkError(f"{leg.name}: the answer lacks {', '.join(missing)}")
            answers[leg.key] = headers
    if "x-cache" in answers["gateway"]:
        raise BenchmarkError("gateway: a request with an API key was answered from the cache")
    if answers["gateway_cached"].get("x-cache") != "hit":
        raise BenchmarkError("gateway, anonymous: a repeated GET was not served from the cache")


# -- wrk ----------------------------------------------------------------------------------


def drive(
    wrk: str, script: Path, leg: Leg, seconds: int, connections: int, processes: Processes
) -> LegResult:
    command = [
        wrk,
        f"-t{min(WRK_THREADS, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
    ]
    for key, value in leg.headers.items():
        command += ["-H", f"{key}: {value}"]
    command.append(leg.url)
    cpu_before = processes.cpu_seconds()
    wrk_before = _children_cpu_seconds()
    own_before = _own_cpu_seconds()
    busy_before = _machine_busy_seconds()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    busy = _machine_busy_seconds()
    own = _own_cpu_seconds() - own_before
    wrk_cpu = _children_cpu_seconds() - wrk_before
    cpu = {name: used - cpu_before[name] for name, used in processes.cpu_seconds().items()}
    processes.check()
    found = WRK_LINE.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise BenchmarkError(
            f"{leg.name}: wrk failed (status {done.returncode}):\n{done.stdout}{done.stderr}"
        )
    logger.debug("%s:\n%s", leg.name, done.stdout)
    stats: dict[str, float] = json.loads(found.group(1))
    printed = WRK_NON_2XX.search(done.stdout)
    duration = stats["duration_us"] / 1e6
    requests = max(1, int(stats["requests"]))
    result = LegResult(
        key=leg.key,
        name=leg.name,
        requests=int(stats["requests"]),
        seconds=duration,
        requests_per_second=stats["requests"] / duration,
        p50_ms=stats["p50_us"] / 1000,
        p90_ms=stats["p90_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
        mean_ms=stats["mean_us"] / 1000,
        max_ms=stats["max_us"] / 1000,
        non_2xx_3xx=max(int(stats["status_errors"]), int(printed.group(1)) if printed else 0),
        socket_errors=int(
            stats["connect_errors"]
            + stats["read_errors"]
            + stats["write_errors"]
            + stats["timeouts"]
        ),
        service_cpu_us=cpu["service"] / requests * 1e6 if cpu else None,
        proxy_cpu_us=cpu[leg.proxy] / requests * 1e6 if cpu and leg.proxy else None,
        wrk_cpu_us=wrk_cpu / requests * 1e6,
        other_cpu_percent=(
            max(0.0, busy - busy_before - own - wrk_cpu - sum(cpu.values())) / duration * 100
            if busy is not None and busy_before is not None and cpu
            else None
        ),
    )
    # A throughput that includes refusals or broken connections measures something else.
    if result.non_2xx_3xx or result.socket_errors:
        raise BenchmarkError(
            f"{leg.name}: {result.non_2xx_3xx} non-2xx/3xx responses and "
            f"{result.socket_errors} socket errors out of {result.requests} requests"
        )
    return result


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _machine_busy_seconds() -> float | None:
    """CPU seconds all cores have been busy since boot (steal included: a neighbour's)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


# -- environment --------------------------------------------------------------------------


def gateway_source_digest() -> str:
    """A short digest of the gateway package's Python sources and route policy."""
    package = Path(sela_gateway.__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.json")]):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cpu_model() -> str:
    try:
        with Path("/proc/cpuinfo").open() as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _version(command: Sequence[str | None]) -> str:
    try:
        done = subprocess.run(
            [str(part) for part in command],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    output = (done.stdout + done.stderr).strip()
    return output.splitlines()[0] if output else "unknown"
