from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sela_gateway import MIGRATIONS
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_ports.app import SPEC
from sela_testing.support import Servers, ServiceHarness, run_service, settings_for_tests

UPLOAD_LIMIT = 4096


@pytest.fixture
async def ports(
    sela_servers: Servers, sela_migrated: dict[str, str], tmp_path: Path
) -> AsyncIterator[ServiceHarness]:
    """The ports service on its migrated test database, each test rolled back."""
    settings = settings_for_tests(
        SPEC,
        sela_servers,
        database_url=sela_migrated["ports"],
        storage_dir=tmp_path / "files",
        max_upload_bytes=UPLOAD_LIMIT,
    )
    async with run_service(SPEC, settings) as harness:
        yield harness


@pytest.fixture(scope="session")
async def ports_gateway_database_url(sela_servers: Servers) -> str:
    """The gateway's test database (the same one the gateway tests use), migrated."""
    url = asyncpg_url(sela_servers.database_url, "test_sela_gateway")
    await ensure_database(url)
    await upgrade(url, MIGRATIONS)
    return url.render_as_string(hide_password=False)
