"""The outbox guarantees, on a real PostgreSQL and a real NATS server."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import select

from sela_devservers import EmbeddedNats
from sela_kit.db import Database
from sela_kit.messaging.bus import Bus
from sela_kit.messaging.outbox import OutboxRelay
from sela_kit.messaging.tables import OUTBOX
from tests.kit.messaging_helpers import (
    eventually,
    outbox_ids,
    pending_outbox,
    stream_message_ids,
)
from tests.kit.support import NOTES, TEST_STREAMS, count, write_note


async def write_notes(database: Database, n: int) -> None:
    for i in range(n):
        async with database.transaction() as session:
            await write_note(session, f"note {i}")


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(relay.run())
    try:
        yield task
    finally:
        relay.stop()
        await asyncio.wait_for(task, 10)


async def test_thousand_changes_while_nats_is_down_all_arrive_once(
    kit_db: Database, private_nats: EmbeddedNats
) -> None:
    bus = Bus(private_nats.url, "kittest", streams=TEST_STREAMS)
    await bus.start()  # NATS is not running yet: the bus keeps trying in the background
    relay = OutboxRelay(kit_db, bus, "kittest", batch_size=200, poll_seconds=0.1)
    try:
        async with running(relay):
            await write_notes(kit_db, 1000)
            await asyncio.sleep(0.5)
            assert not bus.ready
            assert await pending_outbox(kit_db) == 1000

            private_nats.start()

            async def drained() -> bool:
                return await pending_outbox(kit_db) == 0

            await eventually(drained, 60, "outbox drained")
        stored = await stream_message_ids(private_nats.url, "KITTEST")
        assert len(stored) == 1000
        assert set(stored) == await outbox_ids(kit_db)
    finally:
        await bus.close()


class CrashBeforeMarking(OutboxRelay):
    """A relay that dies after the broker acknowledged the batch, before recording it."""

    async def _mark_published(self, session, ids):  # type: ignore[no-untyped-def]
        raise RuntimeError("crashed after publishing")


async def test_relay_crash_after_publish_republishes_without_duplicates(
    kit_db: Database, private_nats: EmbeddedNats
) -> None:
    private_nats.start()
    bus = Bus(private_nats.url, "kittest", streams=TEST_STREAMS)
    await bus.start()
    assert await bus.wait_ready(10)
    try:
        await write_notes(kit_db, 50)
        crashing = CrashBeforeMarking(kit_db, bus, "kittest")
        with pytest.raises(RuntimeError, match="crashed after publishing"):
            await crashing.relay_once()
        assert len(await stream_message_ids(private_nats.url, "KITTEST")) == 50
        assert await pending_outbox(kit_db) == 50  # the marking was rolled back

        relay = OutboxRelay(kit_db, bus, "kittest")
        assert await relay.relay_once() == 50  # duplicate PubAcks count as published
        assert await pending_outbox(kit_db) == 0
        stored = await stream_message_ids(private_nats.url, "KITTEST")
        assert len(stored) == 50
        assert set(stored) == await outbox_ids(kit_db)
    finally:
        await bus.close()


async def test_rolled_back_transaction_leaves_no_outbox_row(kit_db: Database) -> None:
    async def change_then_fail() -> None:
        async with kit_db.transaction() as session:
            await write_note(session, "never")
            await session.flush()
            assert await count(session, OUTBOX) == 1
            raise ValueError("changed my mind")

    with pytest.raises(ValueError, match="changed my mind"):
        await change_then_fail()
    async with kit_db.transaction() as session:
        assert await count(session, OUTBOX) == 0
        assert await count(session, NOTES) == 0


async def test_publish_failure_is_retried_with_backoff(
    kit_db: Database, private_nats: EmbeddedNats
) -> None:
    private_nats.start()
    # A bus whose streams do not include the subject: JetStream has no responder for it.
    bus = Bus(private_nats.url, "kittest", streams=TEST_STREAMS[1:], publish_timeout=1.0)
    await bus.start()
    assert await bus.wait_ready(10)
    try:
        await write_notes(kit_db, 3)
        relay = OutboxRelay(kit_db, bus, "kittest")
        assert await relay.relay_once() == 0
        async with kit_db.transaction() as session:
            rows = (await session.execute(select(OUTBOX))).all()
        assert len(rows) == 3
        assert all(r.attempts == 1 and r.last_error and r.published_at is None for r in rows)
        assert all(r.next_attempt_at >= r.created_at for r in rows)
    finally:
        await bus.close()
