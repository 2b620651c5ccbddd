"""Revision 0001 creates exactly what the models describe, and goes down and up again."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

import sela_gateway.auth.models  # noqa: F401
from sela_gateway import MIGRATIONS
from sela_gateway.models import Base
from sela_kit.migrations import downgrade, ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_testing.support import Servers

AUTH_TABLES = {"users", "api_keys", "refresh_tokens"}


def table_of(difference: Any) -> str | None:
    if isinstance(difference, list):  # modify_* operations come grouped per column
        difference = difference[0]
    kind, *rest = difference
    if kind in ("add_table", "remove_table"):
        return str(rest[0].name)
    if kind in ("add_column", "remove_column") or kind.startswith("modify_"):
        return str(rest[1])
    table = getattr(rest[0], "table", None)
    return None if table is None else str(table.name)


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    found = compare_metadata(context, Base.metadata)
    # Other tables of the gateway are their own revisions' concern.
    return [d for d in found if table_of(d) in AUTH_TABLES or table_of(d) is None]


def tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migration_matches_models_and_reverses(sela_servers: Servers) -> None:
    url = asyncpg_url(sela_servers.database_url, "test_sela_gateway_auth_migration")
    await ensure_database(url)
    engine = create_async_engine(url)
    try:
        await upgrade(url, MIGRATIONS)
        async with engine.connect() as conn:
            assert await conn.run_sync(differences) == []
            assert await conn.run_sync(tables) >= AUTH_TABLES
        await downgrade(url, MIGRATIONS, "base")
        async with engine.connect() as conn:
            assert not AUTH_TABLES & await conn.run_sync(tables)
        await upgrade(url, MIGRATIONS)
        async with engine.connect() as conn:
            assert await conn.run_sync(differences) == []
    finally:
        await engine.dispose()
