from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sela_gateway import MIGRATIONS
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_smes.app import SPEC
from sela_testing.support import Servers, ServiceHarness, run_service, settings_for_tests


@pytest.fixture
async def smes(
    sela_servers: Servers, sela_migrated: dict[str, str]
) -> AsyncIterator[ServiceHarness]:
    """The smes service on its migrated test database, each test rolled back."""
    settings = settings_for_tests(SPEC, sela_servers, database_url=sela_migrated["smes"])
    async with run_service(SPEC, settings) as harness:
        yield harness


@pytest.fixture(scope="session")
async def smes_gateway_database_url(sela_servers: Servers) -> str:
    """The gateway's test database (the same one the gateway tests use), migrated."""
    url = asyncpg_url(sela_servers.database_url, "test_sela_gateway")
    await ensure_database(url)
    await upgrade(url, MIGRATIONS)
    return url.render_as_string(hide_password=False)
