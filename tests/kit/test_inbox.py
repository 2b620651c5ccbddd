"""The inbox guarantees: effects once, consumption across broker restarts, dead letters."""

from __future__ import annotations

import asyncio
import uuid

import nats
import pytest

from sela_devservers import EmbeddedNats
from sela_kit.db import Database
from sela_kit.messaging.bus import Bus
from sela_kit.messaging.inbox import ConsumerRunner, ConsumerSpec, InboundEvent, dead_letter_summary
from sela_kit.messaging.outbox import HEADER_EVENT_VERSION
from sela_kit.metrics import INBOX_DUPLICATES
from tests.kit.messaging_helpers import eventually
from tests.kit.support import EFFECTS, TEST_STREAMS, NoteWritten, count, record_effect


async def publish_note(
    bus: Bus, note_id: str, *, message_id: str | None = None, payload: bytes | None = None
) -> None:
    event = NoteWritten(note_id=note_id, text="hello")
    await bus.publish(
        event.subject,
        payload if payload is not None else event.model_dump_json().encode(),
        {"Nats-Msg-Id": message_id or str(uuid.uuid4()), HEADER_EVENT_VERSION: "1"},
    )


async def effects(database: Database) -> int:
    async with database.transaction() as session:
        return await count(session, EFFECTS)


def note_consumer(name: str) -> ConsumerSpec:
    return ConsumerSpec(
        name=name, subjects=("kittest.note.written",), handler=record_effect, stream="KITTEST"
    )


async def test_same_message_delivered_twice_applies_once(
    kit_db: Database, private_nats: EmbeddedNats
) -> None:
    private_nats.start()
    bus = Bus(private_nats.url, "kittest", streams=TEST_STREAMS)
    runner = ConsumerRunner(note_consumer("effects-once"), kit_db, bus, "kittest", ack_wait=1.0)
    await bus.start()
    assert await bus.wait_ready(10)
    try:
        await publish_note(bus, "n-1")
        sub = await bus.js.pull_subscribe_bind(durable="effects-once", stream="KITTEST")
        first = (await sub.fetch(1, timeout=5))[0]
        # The effect commits but the acknowledgement never reaches the broker.
        assert await runner.apply(runner.decode(first)) is True
        second = (await sub.fetch(1, timeout=10))[0]  # redelivered after ack_wait
        assert second.metadata.num_delivered == 2
        before = INBOX_DUPLICATES.labels("kittest", "effects-once")._value.get()
        await runner.handle(second)
        assert INBOX_DUPLICATES.labels("kittest", "effects-once")._value.get() == before + 1
        assert await effects(kit_db) == 1
        await asyncio.sleep(1.5)
        info = await bus.js.consumer_info("KITTEST", "effects-once")
        assert info.num_ack_pending == 0
        assert info.num_pending == 0
    finally:
        await bus.close()


@pytest.mark.parametrize("wipe", [False, True], ids=["same-store", "state-lost"])
async def test_consumer_keeps_consuming_after_nats_restarts(
    kit_db: Database, private_nats: EmbeddedNats, wipe: bool
) -> None:
    """After a restart the bus ensures streams and consumers again: even a broker that lost
    its state gets them back and the consumer goes on."""
    private_nats.start()
    bus = Bus(private_nats.url, "kittest", streams=TEST_STREAMS)
    runner = ConsumerRunner(note_consumer("survivor"), kit_db, bus, "kittest")
    await bus.start()
    assert await bus.wait_ready(10)
    task = asyncio.create_task(runner.run())

    async def applied(n: int) -> bool:
        return await effects(kit_db) == n

    try:
        await publish_note(bus, "before-restart")
        await eventually(lambda: applied(1), 10, "first event applied")
        generation = bus.generation
        private_nats.restart(wipe=wipe)

        async def reconnected() -> bool:
            return bus.ready and bus.generation > generation

        await eventually(reconnected, 20, "bus reconnected and topology ensured")
        await publish_note(bus, "after-restart")
        await eventually(lambda: applied(2), 20, "event after the restart applied")
    finally:
        runner.stop()
        await asyncio.wait_for(task, 10)
        await bus.close()


async def dead_letters(url: str) -> list[dict[str, object]]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info("DEAD_LETTERS")
        if info.state.messages == 0:
            return []
        sub = await js.pull_subscribe("dlq.>", stream="DEAD_LETTERS")
        messages = await sub.fetch(info.state.messages, timeout=5)
        return [dead_letter_summary(m.headers or {}, m.data) for m in messages]
    finally:
        await nc.close()


async def test_failing_message_goes_to_dead_letters_with_its_error(
    kit_db: Database, private_nats: EmbeddedNats
) -> None:
    async def always_fails(session: object, event: InboundEvent) -> None:
        raise RuntimeError(f"cannot handle {event.message_id}")

    private_nats.start()
    bus = Bus(private_nats.url, "kittest", streams=TEST_STREAMS)
    spec = ConsumerSpec(
        name="fragile",
        subjects=("kittest.note.written",),
        handler=always_fails,
        stream="KITTEST",
        max_deliver=3,
    )
    runner = ConsumerRunner(spec, kit_db, bus, "kittest")
    await bus.start()
    assert await bus.wait_ready(10)
    task = asyncio.create_task(runner.run())
    try:
        await publish_note(bus, "poison", message_id="poison-1")
        await publish_note(bus, "garbage", message_id="garbage-1", payload=b'{"note_id": 5}')

        async def both_dead() -> bool:
            return len(await dead_letters(private_nats.url)) == 2

        await eventually(both_dead, 30, "two dead letters")
        letters = {str(d["message_id"]): d for d in await dead_letters(private_nats.url)}
        assert letters["poison-1"]["deliveries"] == 3
        assert "RuntimeError: cannot handle poison-1" in str(letters["poison-1"]["error"])
        assert letters["poison-1"]["consumer"] == "fragile"
        # A payload no contract accepts cannot improve with retries: dead-lettered at once.
        assert letters["garbage-1"]["deliveries"] == 1
        assert "ValidationError" in str(letters["garbage-1"]["error"])
        assert await effects(kit_db) == 0
        info = await bus.js.consumer_info("KITTEST", "fragile")
        assert info.num_ack_pending == 0
    finally:
        runner.stop()
        await asyncio.wait_for(task, 10)
        await bus.close()
