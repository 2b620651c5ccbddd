from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from sela_devservers import EmbeddedNats
from sela_kit.db import Database
from sela_kit.messaging.bus import Bus
from sela_kit.messaging.tables import KIT_METADATA
from sela_kit.migrations import ensure_database
from sela_kit.settings import asyncpg_url
from sela_testing.support import (
    Servers,
    ServiceHarness,
    database_name_for_tests,
    run_service,
    settings_for_tests,
)
from tests.kit.support import KIT_SPEC, TEST_STREAMS, metadata


@pytest.fixture(scope="session")
async def kit_database_url(sela_servers: Servers) -> str:
    url = asyncpg_url(sela_servers.database_url, database_name_for_tests(KIT_SPEC.name))
    await ensure_database(url)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for meta in (metadata, KIT_METADATA):
            await conn.run_sync(meta.drop_all)
            await conn.run_sync(meta.create_all)
    await engine.dispose()
    return url.render_as_string(hide_password=False)


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
    async with run_service(KIT_SPEC, settings) as harness:
        yield harness
