"""The hand-written migrations create exactly the tables the models describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from sela_kit.jobs import JOBS_METADATA
from sela_kit.messaging.tables import KIT_METADATA
from sela_kit.models import new_metadata
from sela_migration.models import Base, load_models

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_migrations_match_models(sela_migrated: dict[str, str]) -> None:
    load_models()
    engine = create_async_engine(sela_migrated["migration"])

    # The kit's outbox and inbox are not in the service's metadata, nor alembic's own table.
    skip = set(KIT_METADATA.tables) | {"alembic_version"}

    def concerns_others(diff: Any) -> bool:
        item = diff[1] if isinstance(diff, tuple) else None
        table = getattr(item, "table", item)
        return getattr(table, "name", None) in skip

    # The service's tables and the kit's jobs table, as the migrations should have made them.
    expected = new_metadata()
    for table in (*Base.metadata.tables.values(), *JOBS_METADATA.tables.values()):
        table.to_metadata(expected)

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection)
        return [d for d in compare_metadata(context, expected) if not concerns_others(d)]

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
