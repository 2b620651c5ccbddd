"""The demo loads the 2020 edition and computes its networks once; a second run finds them."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, text

from sela_kit.db import Database
from sela_migration.demo import REAL_SLUG, load_demo
from sela_migration.network.models import NetworkMeasures
from sela_migration.stocks.models import Dataset
from sela_testing.support import Servers
from tests.migration.support import LONG_2020, shared_file
from tests.migration.test_service import migration_settings

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_demo_loads_2020_and_is_idempotent(
    sela_servers: Servers, sela_migrated: dict[str, str]
) -> None:
    shared_file(LONG_2020)
    settings = migration_settings(sela_servers, sela_migrated["migration"])
    database = Database(settings.sqlalchemy_url)
    try:
        summary = await load_demo(settings)
        assert "undesa-2020: 75600 stocks, 232 areas, years 1990–2020" in summary
        started = time.monotonic()
        assert await load_demo(settings) == summary
        assert time.monotonic() - started < 5
        async with database.transaction() as session:
            dataset = await session.scalar(select(Dataset).where(Dataset.slug == REAL_SLUG))
            assert dataset is not None
            mine = NetworkMeasures.dataset_id == dataset.id
            count = await session.scalar(
                select(func.count()).select_from(NetworkMeasures).where(mine)
            )
            assert count == 14
            lac = await session.scalar(
                select(NetworkMeasures).where(
                    mine, NetworkMeasures.year == 2020, NetworkMeasures.scope == "lac"
                )
            )
            assert lac is not None
            assert lac.summary["nodes"] == 48
    finally:
        async with database.transaction() as session:
            await session.execute(text("DELETE FROM datasets WHERE slug = :s"), {"s": REAL_SLUG})
            await session.execute(text("DELETE FROM jobs WHERE submitted_by = 'demo'"))
            await session.execute(
                text("DELETE FROM outbox WHERE subject = 'migration.network.computed'")
            )
        await database.dispose()
