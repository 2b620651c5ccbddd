"""Loading the Penn World Table through the indices loader, against a plain COPY of the same
rows; and serving one indicator for Latin America and the Caribbean over 60 years.

- load: ``observations.service.load`` on the PWT 10.01 file (parse, validate, stage with
  COPY, merge as a vintage, events to the outbox, commit), against ``COPY`` of the rows it
  stores straight into the same ``observation`` table (same indexes and constraints), each on
  an empty table, alternated over rounds, best round of each;
- query: ``GET /observations?format=csv`` and the SDMX-ML data query of one indicator for the
  33 LAC countries, 1960-2019, through the service's ASGI app, against the plain SQL select of
  the same rows (medians).
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import text

from bench.report import BenchmarkError, BenchmarkResult, Measurement
from sela_devservers import EmbeddedNats, EmbeddedPostgres
from sela_indices.app import SPEC
from sela_indices.loaders.parse import parse_file
from sela_indices.loaders.validate import OBSERVATION_SCHEMA, validate
from sela_indices.observations import service
from sela_indices.reference.service import membership_table
from sela_indices.settings import IndicesSettings
from sela_kit.app import create_app
from sela_kit.db import Database
from sela_kit.identity import Identity, sign_identity
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.paths import shared_data
from sela_kit.settings import asyncpg_url

logger = logging.getLogger("sela.bench.indices")

NAME = "indices"
DATABASE = "sela_bench_indices"
ROUNDS = 3
QUERY_REPEATS = 20
INDICATOR = "PWT.pop"


def run() -> BenchmarkResult:
    folder = shared_data("macro")
    if folder is None or not (folder / "pwt10.01.csv.gz").exists():
        raise BenchmarkError("../shared/data/macro/pwt10.01.csv.gz is not on this machine")
    content = gzip.decompress((folder / "pwt10.01.csv.gz").read_bytes())
    with tempfile.TemporaryDirectory(prefix="sela-bench-indices-") as tmp:
        root = Path(tmp)
        postgres = EmbeddedPostgres(root / "postgres", fast=True)
        broker = EmbeddedNats(root / "nats")
        try:
            logger.info("starting embedded PostgreSQL and NATS in %s", root)
            postgres.start()
            broker.start()
            return asyncio.run(_measure(content, postgres.url, broker.url))
        finally:
            broker.stop()
            postgres.stop()


async def _empty(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(text("TRUNCATE observation, vintage, outbox CASCADE"))


async def _copy_reference(database: Database, content: bytes) -> tuple[float, int]:
    """COPY of exactly the rows the loader stores, with a vintage of its own."""
    async with database.transaction() as session:
        ref = await service.reference(session)
    rows = validate(parse_file(content), ref).observations
    columns = [*OBSERVATION_SCHEMA, "vintage_id", "valid_from"]
    async with database.transaction() as session:
        vintage_id = (
            await session.execute(
                text(
                    "INSERT INTO vintage (layout, sha256, summary) VALUES ('pwt', 'ref', '{}') "
                    "RETURNING id"
                )
            )
        ).scalar_one()
    now = datetime.now(UTC)
    records = [(*row, vintage_id, now) for row in rows.iter_rows()]
    started = perf_counter()
    async with database.transaction() as session:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        assert raw.driver_connection is not None
        await raw.driver_connection.copy_records_to_table(
            "observation", records=records, columns=columns
        )
    return perf_counter() - started, len(records)


async def _loader(database: Database, content: bytes) -> tuple[float, int]:
    started = perf_counter()
    async with database.transaction() as session:
        report = await service.load(session, content, filename="pwt10.01.csv")
    return perf_counter() - started, report.new


async def _median(call: Callable[[], Awaitable[object]]) -> float:
    await call()
    times = []
    for _ in range(QUERY_REPEATS):
        started = perf_counter()
        await call()
        times.append(perf_counter() - started)
    return statistics.median(times)


async def _measure(content: bytes, postgres_url: str, nats_url: str) -> BenchmarkResult:
    url = asyncpg_url(postgres_url, DATABASE)
    await ensure_database(url)
    await upgrade(url, SPEC.migrations)
    database = Database(url, pool_size=4, application_name="sela-bench")
    copy_times: list[float] = []
    load_times: list[float] = []
    stored = 0
    try:
        for round_ in range(ROUNDS):
            logger.info("round %d: COPY reference, then the loader", round_ + 1)
            await _empty(database)
            seconds, stored = await _copy_reference(database, content)
            copy_times.append(seconds)
            await _empty(database)
            seconds, new = await _loader(database, content)
            if new != stored:
                raise BenchmarkError(f"the loader stored {new} rows, the reference {stored}")
            load_times.append(seconds)
        async with database.transaction() as session:
            lac = sorted(
                {m.country for m in (await membership_table(session)).rows if m.mechanism == "LAC"}
            )
        settings = IndicesSettings(
            database_url=url.render_as_string(hide_password=False),
            nats_url=nats_url,
            environment="development",
        )
        app = create_app(SPEC, settings, run_background=False)
        header = {"X-Sela-Identity": sign_identity(Identity(), settings.secret)}
        params = {"indicator": INDICATOR, "area": ",".join(lac), "start": "1960", "end": "2019"}
        sdmx_path = f"/sdmx/data/DF_DEMOGRAPHICS/A.{'+'.join(lac)}.PWT_pop"
        sql = text(
            "SELECT o.area, o.period, o.value, o.status FROM observation o "
            "JOIN indicator i ON i.id = o.indicator_id WHERE i.code = :code "
            "AND o.area = ANY(:areas) AND o.valid_to IS NULL AND o.period_start "
            "BETWEEN '1960-01-01' AND '2019-12-31' ORDER BY o.area, o.period_start"
        )
        async with (
            LifespanManager(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://indices", headers=header
            ) as client,
        ):
            csv = await client.get("/observations", params={**params, "format": "csv"})
            xml = await client.get(sdmx_path, params={"startPeriod": "1960", "endPeriod": "2019"})
            if csv.status_code != 200 or xml.status_code != 200:
                raise BenchmarkError(f"queries failed: {csv.status_code} {xml.status_code}")
            rows = csv.text.count("\n") - 1

            async def plain() -> object:
                async with database.engine.connect() as conn:
                    return (await conn.execute(sql, {"code": INDICATOR, "areas": lac})).all()

            sql_seconds = await _median(plain)
            csv_seconds = await _median(
                lambda: client.get("/observations", params={**params, "format": "csv"})
            )
            xml_seconds = await _median(
                lambda: client.get(sdmx_path, params={"startPeriod": "1960", "endPeriod": "2019"})
            )
    finally:
        await database.dispose()
    copy_best, load_best = min(copy_times), min(load_times)
    return BenchmarkResult(
        name=NAME,
        measurements=[
            Measurement(
                name="PWT load through the loader",
                unit="rows/s",
                value=stored / load_best,
                reference_name="COPY of the same rows",
                reference_value=stored / copy_best,
                reading="share of COPY's rate the validated, versioned load reaches (target 0.3)",
            ),
            Measurement(
                name="one indicator, LAC, 60 years as CSV",
                unit="queries/s",
                value=1 / csv_seconds,
                reference_name="plain SQL select",
                reference_value=1 / sql_seconds,
                reading="HTTP + formatting cost over the bare query",
            ),
            Measurement(
                name="same as SDMX-ML 2.1",
                unit="queries/s",
                value=1 / xml_seconds,
                reference_name="plain SQL select",
                reference_value=1 / sql_seconds,
                reading="HTTP + SDMX rendering cost over the bare query",
            ),
        ],
        details={
            "rows": stored,
            "cells_in_file": parse_file(content).cells.height,
            "rounds": ROUNDS,
            "copy_seconds": copy_times,
            "load_seconds": load_times,
            "query_rows": rows,
            "query_repeats": QUERY_REPEATS,
            "sql_ms": sql_seconds * 1000,
            "csv_ms": csv_seconds * 1000,
            "sdmx_ml_ms": xml_seconds * 1000,
            "sdmx_ml_bytes": len(xml.content),
            "postgres_settings": "fast (fsync, synchronous_commit and full_page_writes off)",
        },
    )
