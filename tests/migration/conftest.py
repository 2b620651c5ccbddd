from __future__ import annotations

import pytest

from sela_gateway import MIGRATIONS
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_testing.support import Servers


@pytest.fixture(scope="session")
async def migration_gateway_database_url(sela_servers: Servers) -> str:
    """The gateway's test database (the same one tests/gateway uses), migrated."""
    url = asyncpg_url(sela_servers.database_url, "test_sela_gateway")
    await ensure_database(url)
    await upgrade(url, MIGRATIONS)
    return url.render_as_string(hide_password=False)
