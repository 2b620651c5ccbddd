"""Registrations through the events service against plain inserts into the same database.

The service runs as its own processes on embedded PostgreSQL and NATS, as deployed: serving
processes (``python -m sela_events serve``, outbox relay included) and one process of event
consumers, the mail sender (``python -m sela_events consumers``); it is measured once with one
serving process, once with two replicas on the same database (the clients alternate between
them), since replicas are how the service scales and its seat rules hold across them.
64 concurrent clients register for one meeting whose capacity is 90 % of the requests, so
every registration takes the meeting's lock and the last tenth meets a full meeting
(waitlisted). The reference is 64 concurrent connections inserting single rows into a table
of the same database, in the same run. A third leg, the floor (``bench.http_floor``), sends the
same bodies with the same clients to one FastAPI route that validates them and inserts one row:
the share of the insert rate that any service written this way keeps on this machine, to read
the registration figures against. After each service round the confirmed seats must
equal the capacity exactly, and the next leg starts only once the round's events are
published and its mails written, so the background work of one leg never slows the next
(that drain time is reported too).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from time import perf_counter
from typing import Any

import aiohttp
import asyncpg

from bench.report import BenchmarkError, BenchmarkResult, Measurement
from sela_devservers import EmbeddedNats, EmbeddedPostgres, free_port
from sela_kit.identity import Identity, sign_identity
from sela_kit.settings import asyncpg_url

logger = logging.getLogger("sela.bench.events")

NAME = "events"
DATABASE = "sela_events_bench"
CLIENTS = 64
ROUNDS = 2  # legs per round: one process, two replicas, inserts, inserts, two, one
REPLICAS = (1, 2)
MAIL_SENDER = "events-mail-sender"
SECRET = "sela-bench-internal-secret-of-enough-length"  # noqa: S105


def _env(postgres_url: str, nats_url: str, port: int, folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SELA_EVENTS_DATABASE_URL": asyncpg_url(postgres_url, DATABASE).render_as_string(
                hide_password=False
            ),
            "SELA_EVENTS_NATS_URL": nats_url,
            "SELA_INTERNAL_SECRET": SECRET,
            "SELA_EVENTS_PORT": str(port),
            "SELA_EVENTS_JOBS_ENABLED": "false",
            "SELA_EVENTS_DB_POOL_SIZE": "20",
            "SELA_EVENTS_DB_MAX_OVERFLOW": "10",
            "SELA_EVENTS_MAIL_DIR": str(folder / "mail"),
            "SELA_EVENTS_LOG_LEVEL": "WARNING",
            # Mails are sent by the consumers process, off the CPU of the serving ones.
            "SELA_EVENTS_CONSUMERS_IN_PROCESS": "false",
        }
    )
    return env


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def run(requests: int) -> BenchmarkResult:
    # A terminated benchmark still stops its service processes (the finally below): left
    # running without their database they would spin on reconnection errors.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="sela-bench-events-") as name:
        folder = Path(name)
        postgres = EmbeddedPostgres(folder / "postgres", fast=True)
        broker = EmbeddedNats(folder / "nats")
        servers: list[subprocess.Popen[bytes]] = []
        try:
            postgres.start()
            broker.start()
            ports = [free_port() for _ in range(max(REPLICAS))]
            env = _env(postgres.url, broker.url, ports[0], folder)
            subprocess.run([sys.executable, "-m", "sela_events", "migrate"], env=env, check=True)
            url = asyncpg_url(postgres.url, DATABASE)
            dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
            floor_port = free_port()
            servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.http_floor",
                        "--port",
                        str(floor_port),
                        "--dsn",
                        dsn,
                    ],
                    stdin=subprocess.DEVNULL,
                )
            )
            for port in ports:
                servers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "sela_events", "serve", "--port", str(port)],
                        env=_env(postgres.url, broker.url, port, folder),
                        stdin=subprocess.DEVNULL,
                    )
                )
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            pids = [server.pid for server in servers]
            mailer = subprocess.Popen(
                [sys.executable, "-m", "sela_events", "consumers"],
                env=env,
                stdin=subprocess.DEVNULL,
            )
            servers.append(mailer)
            floor = f"http://127.0.0.1:{floor_port}"
            return asyncio.run(_measure(requests, bases, pids, mailer.pid, dsn, floor))
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                try:
                    server.wait(15)
                except subprocess.TimeoutExpired:
                    server.kill()
            broker.stop()
            postgres.stop()


def _headers(*roles: str) -> dict[str, str]:
    identity = (
        Identity(kind="user", subject="bench", roles=frozenset(roles)) if roles else Identity()
    )
    return {"X-Sela-Identity": sign_identity(identity, SECRET, ttl=3600)}


async def _wait_ready(http: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + 300  # a loaded machine can take minutes to import
    while time.monotonic() < deadline:
        try:
            async with http.get(f"{base}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise BenchmarkError("the events service did not become ready")


async def _meeting(http: aiohttp.ClientSession, base: str, capacity: int) -> str:
    staff = _headers("staff")
    body = {
        "code": f"BENCH-{uuid.uuid4().hex[:10]}",
        "title": {"en": "Benchmark meeting"},
        "type": "regional_meeting",
        "start_at": "2040-01-10T09:00:00",
        "end_at": "2040-01-11T18:00:00",
        "capacity": capacity,
    }
    async with http.post(f"{base}/meetings", json=body, headers=staff) as response:
        if response.status != 201:
            raise BenchmarkError(f"creating the meeting: {response.status} {await response.text()}")
        meeting_id = str((await response.json())["id"])
    async with http.post(
        f"{base}/meetings/{meeting_id}/status", json={"status": "registration_open"}, headers=staff
    ) as response:
        if response.status != 200:
            raise BenchmarkError(f"opening the meeting: {response.status}")
    return meeting_id


async def _register(
    http: aiohttp.ClientSession,
    bases: list[str],
    meeting_id: str,
    requests: int,
    path: str | None = None,
) -> tuple[float, Counter[str]]:
    target = path or f"/meetings/{meeting_id}/registrations"
    anonymous = _headers()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    states: Counter[str] = Counter()
    tag = uuid.uuid4().hex[:8]

    async def client(base: str) -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            body: dict[str, Any] = {
                "first_name": f"Bench{i}",
                "last_name": "Participant",
                "email": f"p{i}-{tag}@example.org",
                "category": "delegation",
                "country": "VEN",
            }
            async with http.post(f"{base}{target}", json=body, headers=anonymous) as response:
                if response.status != 201:
                    raise BenchmarkError(
                        f"registration {i}: {response.status} {await response.text()}"
                    )
                states[(await response.json())["state"]] += 1

    started = perf_counter()
    await asyncio.gather(*(client(bases[n % len(bases)]) for n in range(CLIENTS)))
    return perf_counter() - started, states


async def _inserts(pool: asyncpg.Pool, rows: int) -> float:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(rows):
        queue.put_nowait(i)

    async def client() -> None:
        async with pool.acquire() as conn:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await conn.execute(
                    "INSERT INTO bench_rows (id, email) VALUES ($1, $2)",
                    uuid.uuid4(),
                    f"r{i}@example.org",
                )

    started = perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return perf_counter() - started


async def _confirmed_seats(pool: asyncpg.Pool, meeting_id: str) -> int:
    value = await pool.fetchval(
        "SELECT coalesce(sum(seats), 0) FROM registrations "
        "WHERE meeting_id = $1 AND state = 'confirmed'",
        uuid.UUID(meeting_id),
    )
    return int(value)


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system) the service processes used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return float("nan")
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


async def _drained(pool: asyncpg.Pool) -> float:
    """Wait until every event is published and every mail written; the seconds it took."""
    started = perf_counter()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        pending = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        mails = await pool.fetchval(
            "SELECT count(*) FROM outbox WHERE subject = 'events.notification.requested'"
        )
        sent = await pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", MAIL_SENDER)
        if pending == 0 and sent >= mails:
            return perf_counter() - started
        await asyncio.sleep(0.05)
    raise BenchmarkError("the outbox or the mail sender did not catch up within 300 s")


async def _measure(
    requests: int, all_bases: list[str], pids: list[int], mailer: int, dsn: str, floor: str
) -> BenchmarkResult:
    capacity = requests * 9 // 10
    pool = await asyncpg.create_pool(dsn, min_size=CLIENTS, max_size=CLIENTS)
    assert pool is not None
    service_runs: dict[int, list[tuple[float, int]]] = {n: [] for n in REPLICAS}
    drains: dict[int, list[float]] = {n: [] for n in REPLICAS}
    cpu: dict[int, list[float]] = {n: [] for n in REPLICAS}
    mail_cpu: dict[int, list[float]] = {n: [] for n in REPLICAS}
    insert_runs: list[float] = []
    floor_runs: list[float] = []
    base = all_bases[0]
    try:
        await pool.execute(
            "CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY, email text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        async with aiohttp.ClientSession() as http:
            for each in all_bases:
                await _wait_ready(http, each)
            # Warm-up, untimed: connection pools, prepared statements, imports.
            warm = await _meeting(http, base, 100)
            await _register(http, all_bases, warm, 200)
            await _drained(pool)
            await _inserts(pool, 500)
            await _wait_ready(http, floor)
            await _register(http, [floor], "", 500, "/rows")
            # 0: the reference; -1: the floor
            legs = [*REPLICAS, 0, -1, -1, 0, *reversed(REPLICAS)]
            for _ in range(ROUNDS):
                for replicas in legs:
                    if replicas > 0:
                        bases = all_bases[:replicas]
                        meeting_id = await _meeting(http, base, capacity)
                        cpu_before = _cpu_seconds(pids)
                        mail_before = _cpu_seconds([mailer])
                        # A fresh connection pool per leg: the server closes idle keep-alive
                        # connections while the other leg runs.
                        async with aiohttp.ClientSession(
                            connector=aiohttp.TCPConnector(limit=CLIENTS)
                        ) as leg_http:
                            seconds, states = await _register(leg_http, bases, meeting_id, requests)
                        seats = await _confirmed_seats(pool, meeting_id)
                        if seats != capacity or states["confirmed"] != capacity:
                            raise BenchmarkError(
                                f"overbooking check failed: {seats} seats confirmed in the "
                                f"database, {states['confirmed']} answers, capacity {capacity}"
                            )
                        service_runs[replicas].append((seconds, states["confirmed"]))
                        drains[replicas].append(await _drained(pool))
                        cpu[replicas].append(_cpu_seconds(pids) - cpu_before)
                        mail_cpu[replicas].append(_cpu_seconds([mailer]) - mail_before)
                        logger.info(
                            "service, %d process(es): %s in %.2fs, drained %.2fs later, "
                            "%.2f ms of serving and %.2f ms of mail-sender CPU per registration",
                            replicas,
                            dict(states),
                            seconds,
                            drains[replicas][-1],
                            1000 * cpu[replicas][-1] / requests,
                            1000 * mail_cpu[replicas][-1] / requests,
                        )
                    elif replicas == 0:
                        insert_runs.append(await _inserts(pool, requests))
                    else:
                        async with aiohttp.ClientSession(
                            connector=aiohttp.TCPConnector(limit=CLIENTS)
                        ) as leg_http:
                            seconds, _ = await _register(leg_http, [floor], "", requests, "/rows")
                        floor_runs.append(seconds)
    finally:
        await pool.close()

    inserts_per_s = requests * len(insert_runs) / sum(insert_runs)
    measurements: list[Measurement] = [
        Measurement(
            name="floor: one FastAPI route inserting one row",
            unit="requests/s",
            value=requests * len(floor_runs) / sum(floor_runs),
            reference_name="single-row inserts",
            reference_value=inserts_per_s,
            reading="the most of the insert rate a Python HTTP service keeps here",
        )
    ]
    for replicas in REPLICAS:
        runs = service_runs[replicas]
        seconds = sum(s for s, _ in runs)
        confirmed = sum(c for _, c in runs)
        label = "one process" if replicas == 1 else f"{replicas} replicas"
        measurements += [
            Measurement(
                name=f"confirmed registrations, {label}",
                unit="confirmed/s",
                value=confirmed / seconds,
                reference_name="single-row inserts",
                reference_value=inserts_per_s,
                reading="target >= 0.25 with zero overbooking (checked after every round)",
            ),
            Measurement(
                name=f"registrations answered, {label}",
                unit="requests/s",
                value=requests * len(runs) / seconds,
                reference_name="single-row inserts",
                reference_value=inserts_per_s,
                reading="confirmed and waitlisted together",
            ),
            Measurement(
                name=f"confirmed with events and mails out, {label}",
                unit="confirmed/s",
                value=confirmed / (seconds + sum(drains[replicas])),
                reference_name="single-row inserts",
                reference_value=inserts_per_s,
                reading="until the outbox is empty and every mail written",
            ),
        ]
    return BenchmarkResult(
        name=NAME,
        measurements=measurements,
        details={
            "clients": CLIENTS,
            "requests_per_round": requests,
            "capacity_per_round": capacity,
            "service_rounds_seconds": {
                str(n): [round(s, 3) for s, _ in runs] for n, runs in service_runs.items()
            },
            "drain_seconds": {str(n): [round(s, 3) for s in d] for n, d in drains.items()},
            # CPU per registration of the serving processes (HTTP, batches, outbox relay) and
            # of the mail sender's process, separately: the figures that move least when
            # other work loads the machine.
            "service_cpu_ms_per_registration": {
                str(n): [round(1000 * c / requests, 2) for c in d] for n, d in cpu.items()
            },
            "mail_sender_cpu_ms_per_registration": {
                str(n): [round(1000 * c / requests, 2) for c in d] for n, d in mail_cpu.items()
            },
            "insert_rounds_seconds": [round(s, 3) for s in insert_runs],
            "floor_rounds_seconds": [round(s, 3) for s in floor_runs],
            "overbooking": 0,
        },
    )
