from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from sela_cli.registry import SERVICES
from sela_gateway import MIGRATIONS as GATEWAY_MIGRATIONS
from sela_kit.jobs import JOBS_METADATA
from sela_kit.messaging.tables import KIT_METADATA
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_testing.support import Servers, database_name_for_tests, migrate_for_tests
from tests.kit.support import KIT_SPEC, metadata

pytest_plugins = ["sela_testing.plugin"]


@pytest.fixture(scope="session")
async def sela_migrated(sela_servers: Servers) -> dict[str, str]:
    """Every service's test database, migrated once per session: service name -> URL."""
    return {spec.name: await migrate_for_tests(sela_servers, spec) for spec in SERVICES}


@pytest.fixture(scope="session")
async def kit_database_url(sela_servers: Servers) -> str:
    url = asyncpg_url(sela_servers.database_url, database_name_for_tests(KIT_SPEC.name))
    await ensure_database(url)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for meta in (metadata, KIT_METADATA, JOBS_METADATA):
            await conn.run_sync(meta.drop_all)
            await conn.run_sync(meta.create_all)
    await engine.dispose()
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def gateway_database_url(sela_servers: Servers) -> str:
    """The gateway's test database, migrated once per session."""
    url = asyncpg_url(sela_servers.database_url, "test_sela_gateway")
    await ensure_database(url)
    await upgrade(url, GATEWAY_MIGRATIONS)
    return url.render_as_string(hide_password=False)
