"""The hand-written IPPALC migration creates exactly the tables the models describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from sela_smes.ippalc import models
from sela_smes.models import Base

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_migration_matches_models(sela_migrated: dict[str, str]) -> None:
    assert models.Edition.__tablename__ in Base.metadata.tables
    engine = create_async_engine(sela_migrated["smes"])

    def ours(diff: Any) -> bool:
        first = diff[0] if isinstance(diff, list) else diff
        if first[0] in ("add_table", "remove_table"):
            name = first[1].name
        elif first[0].endswith(("_index", "_constraint", "_fk")):
            name = first[1].table.name
        else:  # add_column, remove_column, modify_*: (kind, schema, table, ...)
            name = first[2]
        return str(name).startswith("ippalc_")

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection)
        return [d for d in compare_metadata(context, Base.metadata) if ours(d)]

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
