from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sela_devservers import EmbeddedNats
from sela_kit.db import Database
from sela_kit.messaging.bus import Bus
from sela_testing.support import (
    Servers,
    ServiceHarness,
    run_service,
    settings_for_tests,
)
from tests.kit.support import KIT_SPEC, TEST_STREAMS


@pytest.fixture
async def kit_db(kit_database_url: str) -> AsyncIterator[Database]:
    """The kit test database with real commits, emptied before each test."""
    database = Database(kit_database_url, pool_size=5)
    async with database.engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE outbox, inbox, kittest_notes, kittest_effects, kittest_codes")
        )
    yield database
    await database.dispose()


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A NATS server of this test alone (started by the test), so it may be stopped at will."""
    server = EmbeddedNats(tmp_path / "nats")
    yield server
    server.stop()


@pytest.fixture
async def shared_bus(sela_servers: Servers) -> AsyncIterator[Bus]:
    bus = Bus(sela_servers.nats_url, "kittest", streams=TEST_STREAMS)
    await bus.start()
    assert await bus.wait_ready(10)
    yield bus
    await bus.close()


@pytest.fixture
async def kit_service(
    kit_database_url: str, sela_servers: Servers
) -> AsyncIterator[ServiceHarness]:
    """The kit test service in-process, each test inside a rolled-back transaction."""
    settings = settings_for_tests(KIT_SPEC, sela_servers, database_url=kit_database_url)
    database = Database(kit_database_url, pool_size=1)
    async with database.engine.begin() as conn:
        # Other tests (the gateway's) commit notes through this service for real.
        await conn.execute(
            text("TRUNCATE outbox, inbox, kittest_notes, kittest_effects, kittest_codes")
        )
    await database.dispose()
    async with run_service(KIT_SPEC, settings) as harness:
        yield harness
