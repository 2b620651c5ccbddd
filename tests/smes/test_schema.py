"""Migration 0002 creates exactly the directory tables the models describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from sela_smes.directory import models
from sela_smes.models import Base

pytestmark = pytest.mark.asyncio(loop_scope="session")

DIRECTORY_TABLES = {
    m.__tablename__
    for m in (
        models.Enterprise,
        models.Contact,
        models.Claim,
        models.AuditEntry,
        models.Niche,
        models.NicheRun,
        models.Attendance,
    )
}


async def test_directory_migration_matches_models(sela_migrated: dict[str, str]) -> None:
    engine = create_async_engine(sela_migrated["smes"])
    directory = MetaData(naming_convention=Base.metadata.naming_convention)
    for name in DIRECTORY_TABLES:
        Base.metadata.tables[name].to_metadata(directory)

    def ours(diff: Any) -> bool:
        # ("add_table", Table), ("add_column", schema, "table", Column), [("modify_type", ...)]
        first = diff[0] if isinstance(diff, list) else diff
        for part in first[1:]:
            if isinstance(part, str) and part in DIRECTORY_TABLES:
                return True
            table = getattr(part, "table", part)
            if getattr(table, "name", None) in DIRECTORY_TABLES:
                return True
        return False

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection)
        return [d for d in compare_metadata(context, directory) if ours(d)]

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
