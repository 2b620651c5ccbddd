"""Registrations through the events service against plain inserts into the same database.

The service runs as its own process (``python -m sela_events serve``, outbox relay and mail
sender included) on embedded PostgreSQL and NATS. 64 concurrent clients register for one
meeting whose capacity is 90 % of the requests, so every registration takes the meeting's
lock and the last tenth meets a full meeting (waitlisted). The reference is 64 concurrent
connections inserting single rows into a table of the same database, in the same run.
After each service round the confirmed seats must equal the capacity exactly.
"""

from __future__ import annotations

import asyncio
import logging
import os
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
ROUNDS = 2  # service and reference alternate A B B A per round pair
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
        }
    )
    return env


def run(requests: int) -> BenchmarkResult:
    with tempfile.TemporaryDirectory(prefix="sela-bench-events-") as name:
        folder = Path(name)
        postgres = EmbeddedPostgres(folder / "postgres", fast=True)
        broker = EmbeddedNats(folder / "nats")
        server: subprocess.Popen[bytes] | None = None
        try:
            postgres.start()
            broker.start()
            port = free_port()
            env = _env(postgres.url, broker.url, port, folder)
            subprocess.run([sys.executable, "-m", "sela_events", "migrate"], env=env, check=True)
            server = subprocess.Popen(
                [sys.executable, "-m", "sela_events", "serve", "--port", str(port)],
                env=env,
                stdin=subprocess.DEVNULL,
            )
            url = asyncpg_url(postgres.url, DATABASE)
            dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
            return asyncio.run(_measure(requests, f"http://127.0.0.1:{port}", dsn))
        finally:
            if server is not None:
                server.terminate()
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
    deadline = time.monotonic() + 60
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
    http: aiohttp.ClientSession, base: str, meeting_id: str, requests: int
) -> tuple[float, Counter[str]]:
    anonymous = _headers()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    states: Counter[str] = Counter()
    tag = uuid.uuid4().hex[:8]

    async def client() -> None:
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
            async with http.post(
                f"{base}/meetings/{meeting_id}/registrations", json=body, headers=anonymous
            ) as response:
                if response.status != 201:
                    raise BenchmarkError(
                        f"registration {i}: {response.status} {await response.text()}"
                    )
                states[(await response.json())["state"]] += 1

    started = perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
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


async def _measure(requests: int, base: str, dsn: str) -> BenchmarkResult:
    capacity = requests * 9 // 10
    pool = await asyncpg.create_pool(dsn, min_size=CLIENTS, max_size=CLIENTS)
    assert pool is not None
    service_runs: list[tuple[float, int]] = []
    insert_runs: list[float] = []
    try:
        await pool.execute(
            "CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY, email text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        async with aiohttp.ClientSession() as http:
            await _wait_ready(http, base)
            # Warm-up, untimed: connection pools, prepared statements, imports.
            warm = await _meeting(http, base, 100)
            await _register(http, base, warm, 200)
            await _inserts(pool, 500)
            for _ in range(ROUNDS):
                for leg in ("service", "insert", "insert", "service"):
                    if leg == "service":
                        meeting_id = await _meeting(http, base, capacity)
                        # A fresh connection pool per leg: the server closes idle keep-alive
                        # connections while the other leg runs.
                        async with aiohttp.ClientSession(
                            connector=aiohttp.TCPConnector(limit=CLIENTS)
                        ) as leg_http:
                            seconds, states = await _register(leg_http, base, meeting_id, requests)
                        seats = await _confirmed_seats(pool, meeting_id)
                        if seats != capacity or states["confirmed"] != capacity:
                            raise BenchmarkError(
                                f"overbooking check failed: {seats} seats confirmed in the "
                                f"database, {states['confirmed']} answers, capacity {capacity}"
                            )
                        service_runs.append((seconds, states["confirmed"]))
                        logger.info("service: %s in %.2fs", dict(states), seconds)
                    else:
                        insert_runs.append(await _inserts(pool, requests))
    finally:
        await pool.close()

    confirmed_per_s = sum(c for _, c in service_runs) / sum(s for s, _ in service_runs)
    registrations_per_s = requests * len(service_runs) / sum(s for s, _ in service_runs)
    inserts_per_s = requests * len(insert_runs) / sum(insert_runs)
    return BenchmarkResult(
        name=NAME,
        measurements=[
            Measurement(
                name="confirmed registrations",
                unit="confirmed/s",
                value=confirmed_per_s,
                reference_name="single-row inserts",
                reference_value=inserts_per_s,
                reading="target >= 0.25 with zero overbooking (checked after every round)",
            ),
            Measurement(
                name="registrations answered",
                unit="requests/s",
                value=registrations_per_s,
                reference_name="single-row inserts",
                reference_value=inserts_per_s,
                reading="confirmed and waitlisted together",
            ),
        ],
        details={
            "clients": CLIENTS,
            "requests_per_round": requests,
            "capacity_per_round": capacity,
            "service_rounds_seconds": [round(s, 3) for s, _ in service_runs],
            "insert_rounds_seconds": [round(s, 3) for s in insert_runs],
            "overbooking": 0,
        },
    )
