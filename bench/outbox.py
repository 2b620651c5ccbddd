"""The transactional outbox against the broker it feeds.

Three measurements, each beside a reference taken in the same run on the same servers:

- relay throughput: ``OutboxRelay.relay_once`` draining a pre-filled outbox, against the same
  events published straight to JetStream with the same pipelining;
- fill rate: how fast ``record_event`` writes rows in large transactions (no reference, shown
  so the relay figure can be read against the cost of producing its input);
- write path: transactions writing a business row and its event, against transactions
  writing the business row alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import subprocess
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from nats.js.api import PubAck
from sqlalchemy import Column, DateTime, Table, Text, func, insert, select, text
from sqlalchemy.dialects.postgresql import UUID

from bench.report import BenchmarkError, BenchmarkResult, Measurement
from sela_contracts import EventContract, StreamSpec
from sela_devservers import EmbeddedNats, EmbeddedPostgres
from sela_devservers.nats import nats_server_binary
from sela_kit.context import child_traceparent
from sela_kit.db import Database
from sela_kit.messaging import KIT_METADATA, OUTBOX, Bus, OutboxRelay, record_event
from sela_kit.messaging.outbox import HEADER_EVENT_VERSION, HEADER_OCCURRED_AT, HEADER_SOURCE
from sela_kit.migrations import ensure_database
from sela_kit.models import new_metadata
from sela_kit.settings import asyncpg_url

logger = logging.getLogger("sela.bench.outbox")

NAME = "outbox"
SOURCE = "bench"
DATABASE = "sela_bench"
# The relay's default batch; the reference pipelines its publishes in batches of the same size.
BATCH = 200
# Large transactions, so the fill time goes to the inserts rather than to commits.
FILL_TRANSACTION = 5_000
# The write path alternates its two variants in rounds, so drift during the run (autovacuum,
# checkpoints, a busy neighbour) falls on both alike.
WRITE_ROUNDS = 4
WARMUP = 50

DIRECT_STREAM = StreamSpec("BENCH_DIRECT", ("bench.direct.>",))
OUTBOX_STREAM = StreamSpec("BENCH_OUTBOX", ("bench.outbox.>",))
# Same length as the outbox subject, so both sides send the same number of bytes.
DIRECT_SUBJECT = "bench.direct.recorded"

# Pads the payload to about 300 bytes of JSON, so the broker moves more than headers.
NOTE = "Registro de referencia para medir el relevo del outbox hacia JetStream. " * 3


class ItemRecorded(EventContract, subject="bench.outbox.recorded", version=1):
    item_id: str
    label: str
    quantity: int
    note: str


_metadata = new_metadata()
ITEMS = Table(
    "bench_items",
    _metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("label", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def make_event(i: int, item_id: uuid.UUID | None = None) -> ItemRecorded:
    return ItemRecorded(
        item_id=str(item_id or uuid.uuid4()), label=f"item {i:08d}", quantity=i, note=NOTE
    )


def encode(payload: Any) -> bytes:
    # Byte for byte what the relay sends for a row's JSONB payload.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def event_headers(event: EventContract) -> dict[str, str]:
    # The headers ``record_event`` stores with each row (no request id outside a request).
    return {
        HEADER_EVENT_VERSION: str(event.version),
        HEADER_OCCURRED_AT: datetime.now(UTC).isoformat(),
        HEADER_SOURCE: SOURCE,
        "traceparent": child_traceparent(None),
    }


def run(events: int) -> BenchmarkResult:
    with tempfile.TemporaryDirectory(prefix="sela-bench-") as folder:
        root = Path(folder)
        postgres = EmbeddedPostgres(root / "postgres", fast=True)
        broker = EmbeddedNats(root / "nats")
        try:
            # On the main thread: each server is bound to the life of the thread that spawns it.
            logger.info("starting embedded PostgreSQL and NATS in %s", root)
            postgres.start()
            broker.start()
            return asyncio.run(_measure(events, postgres.url, broker.url))
        finally:
            broker.stop()
            postgres.stop()


async def _measure(events: int, postgres_url: str, nats_url: str) -> BenchmarkResult:
    url = asyncpg_url(postgres_url, DATABASE)
    await ensure_database(url)
    database = Database(url, pool_size=4, application_name="sela-bench")
    bus = Bus(nats_url, SOURCE, streams=(DIRECT_STREAM, OUTBOX_STREAM))
    try:
        async with database.engine.begin() as conn:
            for metadata in (KIT_METADATA, _metadata):
                await conn.run_sync(metadata.create_all)
        await bus.start()
        if not await bus.wait_ready(30):
            raise BenchmarkError(f"NATS at {nats_url} did not become ready")

        logger.info("direct JetStream publish of %d events", events)
        direct = await _direct_publish(bus, events)
        logger.info("outbox fill and relay of %d events", events)
        fill_seconds, relay_seconds, batches = await _relay(database, bus, events)
        transactions = max(1, events // 10)
        logger.info("write path: %d transactions with and without the outbox", transactions)
        business_only, with_outbox = await _write_path(database, transactions)
        postgres_version = await _postgres_version(database)
    finally:
        await bus.close()
        await database.dispose()

    payload_bytes = len(encode(make_event(0).model_dump(mode="json")))
    return BenchmarkResult(
        name=NAME,
        measurements=[
            Measurement(
                name="relay throughput",
                unit="events/s",
                value=events / relay_seconds,
                reference_name="direct publish",
                reference_value=events / direct,
                reading="share of the broker's direct throughput the relay reaches",
            ),
            Measurement(
                name="outbox fill (record_event)",
                unit="events/s",
                value=events / fill_seconds,
                reading="input rate of the relay measurement; no reference",
            ),
            Measurement(
                name="write path with outbox",
                unit="commits/s",
                value=transactions / with_outbox,
                reference_name="business row only",
                reference_value=transactions / business_only,
                reading="share of write throughput kept when each change also records its event",
            ),
        ],
        details={
            "events": events,
            "payload_bytes": payload_bytes,
            "batch_size": BATCH,
            "direct_publish_seconds": direct,
            "outbox_fill_seconds": fill_seconds,
            "outbox_fill_transactions": -(-events // FILL_TRANSACTION),
            "relay_seconds": relay_seconds,
            "relay_batches": len(batches),
            # Whether a batch costs more while the backlog is long: the first batch claims from
            # all of it, the last from almost none.
            "relay_first_batch_ms": batches[0] * 1000,
            "relay_median_batch_ms": statistics.median(batches) * 1000,
            "relay_last_batch_ms": batches[-1] * 1000,
            "write_transactions": transactions,
            "write_rounds": WRITE_ROUNDS,
            "write_business_only_seconds": business_only,
            "write_with_outbox_seconds": with_outbox,
            "postgres": postgres_version,
            "postgres_settings": "fast (fsync, synchronous_commit and full_page_writes off)",
            "nats_server": _nats_version(),
        },
    )


# -- reference: direct publish ------------------------------------------------------------


async def _publish_pipelined(
    bus: Bus,
    payloads: Sequence[dict[str, Any]],
    headers: Sequence[dict[str, str]],
    ids: Sequence[str],
) -> None:
    # The relay's per-row work without the database: copy the headers, add the message id,
    # encode the payload, send a whole batch, then await its PubAcks in order.
    js = bus.js
    for offset in range(0, len(payloads), BATCH):
        futures: list[asyncio.Future[PubAck]] = []
        for i in range(offset, min(offset + BATCH, len(payloads))):
            message_headers = dict(headers[i])
            message_headers["Nats-Msg-Id"] = ids[i]
            futures.append(
                await js.publish_async(
                    DIRECT_SUBJECT,
                    encode(payloads[i]),
                    headers=message_headers,
                    wait_stall=bus.publish_timeout,
                )
            )
        for future in futures:
            await asyncio.wait_for(future, bus.publish_timeout)


async def _direct_publish(bus: Bus, events: int) -> float:
    """Seconds to publish ``events`` straight to JetStream."""
    built = [make_event(i) for i in range(events)]
    payloads = [event.model_dump(mode="json") for event in built]
    headers = [event_headers(event) for event in built]
    # Ids drawn in advance, as the relay finds them in its rows.
    ids = [str(uuid.uuid4()) for _ in built]

    # One untimed batch first: the first publishes pay for subject interest and buffers.
    warmup_ids = [str(uuid.uuid4()) for _ in range(min(BATCH, events))]
    await _publish_pipelined(bus, payloads[:BATCH], headers[:BATCH], warmup_ids)
    await bus.js.purge_stream(DIRECT_STREAM.name)

    started = perf_counter()
    await _publish_pipelined(bus, payloads, headers, ids)
    elapsed = perf_counter() - started

    stored = (await bus.js.stream_info(DIRECT_STREAM.name)).state.messages
    if stored != events:
        raise BenchmarkError(f"direct publish: stream holds {stored} messages, not {events}")
    # Leave the broker as empty as the relay will find it.
    await bus.js.purge_stream(DIRECT_STREAM.name)
    return elapsed


# -- outbox relay -------------------------------------------------------------------------


async def _fill_outbox(database: Database, events: int) -> None:
    for offset in range(0, events, FILL_TRANSACTION):
        async with database.transaction() as session:
            for i in range(offset, min(offset + FILL_TRANSACTION, events)):
                await record_event(session, make_event(i), source=SOURCE)


async def _drain(relay: OutboxRelay) -> tuple[int, list[float]]:
    """Events relayed until the outbox is empty, and the seconds each batch took."""
    relayed = 0
    batches: list[float] = []
    while True:
        started = perf_counter()
        published = await relay.relay_once()
        if not published:
            return relayed, batches
        batches.append(perf_counter() - started)
        relayed += published


async def _pending(database: Database) -> int:
    async with database.transaction() as session:
        pending = await session.scalar(
            select(func.count()).select_from(OUTBOX).where(OUTBOX.c.published_at.is_(None))
        )
    return int(pending or 0)


async def _relay(database: Database, bus: Bus, events: int) -> tuple[float, float, list[float]]:
    """Seconds to fill the outbox, seconds to relay it, and the seconds of each batch."""
    relay = OutboxRelay(database, bus, SOURCE, batch_size=BATCH)

    # An untimed batch end to end, so the relay's statements are prepared on the connection.
    await _fill_outbox(database, BATCH)
    await _drain(relay)
    async with database.engine.begin() as conn:
        await conn.execute(text("TRUNCATE outbox"))
    await bus.js.purge_stream(OUTBOX_STREAM.name)

    started = perf_counter()
    await _fill_outbox(database, events)
    fill_seconds = perf_counter() - started
    # Statistics as autovacuum would leave them after a bulk insert, so the claim query's
    # plan does not depend on whether autovacuum happened to pass before the timer starts.
    async with database.engine.begin() as conn:
        await conn.execute(text("ANALYZE outbox"))

    started = perf_counter()
    relayed, batches = await _drain(relay)
    relay_seconds = perf_counter() - started

    stored = (await bus.js.stream_info(OUTBOX_STREAM.name)).state.messages
    pending = await _pending(database)
    if stored != events or pending != 0 or relayed != events:
        raise BenchmarkError(
            f"outbox relay: {relayed} relayed, stream holds {stored}, {pending} rows pending; "
            f"expected {events}, {events} and 0"
        )
    return fill_seconds, relay_seconds, batches


# -- write path ---------------------------------------------------------------------------


async def _write_business_only(database: Database, i: int) -> None:
    async with database.transaction() as session:
        await session.execute(insert(ITEMS).values(id=uuid.uuid4(), label=f"item {i:08d}"))


async def _write_with_outbox(database: Database, i: int) -> None:
    async with database.transaction() as session:
        item_id = uuid.uuid4()
        await session.execute(insert(ITEMS).values(id=item_id, label=f"item {i:08d}"))
        await record_event(session, make_event(i, item_id), source=SOURCE)


async def _timed(
    write: Callable[[Database, int], Awaitable[None]], database: Database, first: int, count: int
) -> float:
    started = perf_counter()
    for i in range(first, first + count):
        await write(database, i)
    return perf_counter() - started


async def _write_path(database: Database, transactions: int) -> tuple[float, float]:
    """Seconds for ``transactions`` commits without, then with, an outbox row."""
    for write in (_write_business_only, _write_with_outbox):
        await _timed(write, database, 0, WARMUP)
    async with database.engine.begin() as conn:
        await conn.execute(text("TRUNCATE outbox, bench_items"))

    seconds = {_write_business_only: 0.0, _write_with_outbox: 0.0}
    done = 0
    for round_ in range(WRITE_ROUNDS):
        count = (transactions - done) // (WRITE_ROUNDS - round_)
        order = [_write_business_only, _write_with_outbox]
        if round_ % 2:
            order.reverse()
        for write in order:
            seconds[write] += await _timed(write, database, done, count)
        done += count

    async with database.transaction() as session:
        items = await session.scalar(select(func.count()).select_from(ITEMS))
        rows = await session.scalar(select(func.count()).select_from(OUTBOX))
    if items != 2 * transactions or rows != transactions:
        raise BenchmarkError(
            f"write path: {items} business rows and {rows} outbox rows, "
            f"expected {2 * transactions} and {transactions}"
        )
    return seconds[_write_business_only], seconds[_write_with_outbox]


# -- environment --------------------------------------------------------------------------


async def _postgres_version(database: Database) -> str:
    async with database.transaction() as session:
        return str(await session.scalar(text("SELECT current_setting('server_version')")))


def _nats_version() -> str:
    try:
        done = subprocess.run(
            [nats_server_binary(), "--version"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip().removeprefix("nats-server: ")
