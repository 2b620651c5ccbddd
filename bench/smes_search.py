"""Directory search with facets through the smes service against the same full-text query run
directly in PostgreSQL.

200,000 generated listings (``sela_smes.demo.generate``) are copied into the service's
database on embedded PostgreSQL; the service runs as its own process (``python -m sela_smes
serve``). 16 concurrent clients send searches — a word in Spanish, English or Portuguese typed
without accents, some with a country or size filter — and each response carries a page of 20,
the total and the five facets. The reference, in the same run and on the same database, is the
page query alone (match, rank, order, limit) sent over 16 asyncpg connections. Latency: p50
and p95 in milliseconds; ratio = service / direct, lower is better.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from time import perf_counter
from typing import Any

import aiohttp
import asyncpg

from bench.report import BenchmarkError, BenchmarkResult, Measurement
from sela_devservers import EmbeddedNats, EmbeddedPostgres, free_port
from sela_kit.identity import Identity, sign_identity
from sela_kit.settings import asyncpg_url

logger = logging.getLogger("sela.bench.smes_search")

NAME = "smes_search"
DATABASE = "sela_smes_bench"
LISTINGS = 200_000
CLIENTS = 16
REQUESTS = 800  # per measurement, after WARMUP
WARMUP = 64
SECRET = "sela-bench-internal-secret-of-enough-length"  # noqa: S105
QUERIES: list[dict[str, str]] = [
    {"q": "cafe"},
    {"q": "chocolates", "country": "PER"},
    {"q": "software"},
    {"q": "confeccoes"},
    {"q": "muebles madera"},
    {"q": "cosmetica natural", "size": "micro"},
    {"q": "seafood"},
    {"q": "logistica portuaria", "country": "PAN,COL"},
    {"q": "vinos"},
    {"q": "maquinaria agricola"},
]
DIRECT_SQL = """
WITH q AS (
  SELECT websearch_to_tsquery('sela_es', $1) || websearch_to_tsquery('sela_en', $1)
      || websearch_to_tsquery('sela_pt', $1) || websearch_to_tsquery('sela_simple', $1)
      || to_tsquery('sela_simple', $2) AS query
)
SELECT e.id, e.legal_name, ts_rank_cd(e.search, q.query) AS rank
FROM smes_enterprises e, q
WHERE e.consent_listed AND e.erased_at IS NULL AND e.search @@ q.query
  AND ($3::varchar[] IS NULL OR e.country_iso3 = ANY($3))
  AND ($4::varchar IS NULL OR e.size_class = $4)
ORDER BY rank DESC, e.id DESC
LIMIT 21
"""


def _env(postgres_url: str, nats_url: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SELA_SMES_DATABASE_URL": asyncpg_url(postgres_url, DATABASE).render_as_string(
                hide_password=False
            ),
            "SELA_SMES_NATS_URL": nats_url,
            "SELA_INTERNAL_SECRET": SECRET,
            "SELA_SMES_PORT": str(port),
            "SELA_SMES_DB_POOL_SIZE": str(CLIENTS),
            "SELA_SMES_DB_MAX_OVERFLOW": "4",
            "SELA_SMES_LOG_LEVEL": "WARNING",
        }
    )
    return env


def run() -> BenchmarkResult:
    with tempfile.TemporaryDirectory(prefix="sela-bench-smes-") as name:
        folder = Path(name)
        postgres = EmbeddedPostgres(folder / "postgres", fast=True)
        broker = EmbeddedNats(folder / "nats")
        server: subprocess.Popen[bytes] | None = None
        try:
            postgres.start()
            broker.start()
            port = free_port()
            env = _env(postgres.url, broker.url, port)
            subprocess.run([sys.executable, "-m", "sela_smes", "migrate"], env=env, check=True)
            url = asyncpg_url(postgres.url, DATABASE)
            dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
            loaded = asyncio.run(_load(dsn))
            server = subprocess.Popen(
                [sys.executable, "-m", "sela_smes", "serve", "--port", str(port)],
                env=env,
                stdin=subprocess.DEVNULL,
            )
            result = asyncio.run(_measure(f"http://127.0.0.1:{port}", dsn))
            result.details["load_seconds"] = loaded
            return result
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(15)
                except subprocess.TimeoutExpired:
                    server.kill()
            broker.stop()
            postgres.stop()


async def _load(dsn: str) -> float:
    from sela_smes.demo import generate

    started = perf_counter()
    rows = list(generate(LISTINGS, seed=2024))
    columns = list(rows[0][0])
    conn = await asyncpg.connect(dsn)
    try:
        for start in range(0, len(rows), 20_000):
            chunk = rows[start : start + 20_000]
            await conn.copy_records_to_table(
                "smes_enterprises",
                records=[tuple(e[c] for c in columns) for e, _ in chunk],
                columns=columns,
            )
        await conn.execute("ANALYZE smes_enterprises")
    finally:
        await conn.close()
    seconds = perf_counter() - started
    logger.info("%d listings loaded in %.1f s", LISTINGS, seconds)
    return seconds


def _headers() -> dict[str, str]:
    return {"X-Sela-Identity": sign_identity(Identity(), SECRET, ttl=3600)}


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
    raise BenchmarkError("the smes service did not become ready")


async def _concurrently(count: int, one: Any) -> list[float]:
    """``count`` calls of ``one(i)`` over CLIENTS workers; each call's seconds."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    timings: list[float] = []

    async def worker() -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            began = perf_counter()
            await one(i)
            timings.append(perf_counter() - began)

    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    return timings


def _percentiles(timings: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(timings, n=100)
    return cuts[49] * 1000, cuts[94] * 1000


async def _measure(base: str, dsn: str) -> BenchmarkResult:
    headers = _headers()
    totals: dict[str, int] = {}
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=CLIENTS), headers=headers
    ) as http:
        await _wait_ready(http, base)

        async def search(i: int) -> None:
            params = {**QUERIES[i % len(QUERIES)], "limit": "20"}
            async with http.get(f"{base}/enterprises", params=params) as response:
                if response.status != 200:
                    raise BenchmarkError(f"search answered {response.status}")
                body = await response.json()
                if not body["facets"]["country"]:
                    raise BenchmarkError(f"no facets for {params}")
                totals[params["q"]] = body["total"]

        await _concurrently(WARMUP, search)
        service = await _concurrently(REQUESTS, search)

    pool = await asyncpg.create_pool(dsn, min_size=CLIENTS, max_size=CLIENTS)
    assert pool is not None
    try:

        async def direct(i: int) -> None:
            query = QUERIES[i % len(QUERIES)]
            words = [w for w in query["q"].split() if w.isalnum()]
            countries = query["country"].split(",") if "country" in query else None
            rows = await pool.fetch(
                DIRECT_SQL, query["q"], f"{words[-1]}:*", countries, query.get("size")
            )
            if not rows:
                raise BenchmarkError(f"the direct query found nothing for {query}")

        await _concurrently(WARMUP, direct)
        reference = await _concurrently(REQUESTS, direct)
    finally:
        await pool.close()

    s50, s95 = _percentiles(service)
    d50, d95 = _percentiles(reference)
    reading = "lower is better; the service also counts the total and five facets"
    return BenchmarkResult(
        name=NAME,
        measurements=[
            Measurement("search p50 (service, facets)", "ms", s50, "direct SQL p50", d50, reading),
            Measurement("search p95 (service, facets)", "ms", s95, "direct SQL p95", d95, reading),
            Measurement(
                "searches per second (service)",
                "req/s",
                len(service) / sum(service) * CLIENTS,
                "direct SQL per second",
                len(reference) / sum(reference) * CLIENTS,
                "higher is better",
            ),
        ],
        details={"listings": LISTINGS, "clients": CLIENTS, "requests": REQUESTS, "totals": totals},
    )
