from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from sela_devservers import free_port
from sela_gateway import MIGRATIONS
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_smes.app import SPEC
from sela_testing.support import Servers, ServiceHarness, run_service, settings_for_tests


def smes_settings(servers: Servers, url: str, **overrides: Any) -> Any:
    return settings_for_tests(
        SPEC,
        servers,
        database_url=url,
        # Nothing listens there unless a test says otherwise: matching goes on without
        # product-space proximities.
        indices_url=overrides.pop("indices_url", f"http://127.0.0.1:{free_port()}"),
        indices_timeout_seconds=2.0,
        **overrides,
    )


@pytest.fixture
async def smes(
    sela_servers: Servers, sela_migrated: dict[str, str]
) -> AsyncIterator[ServiceHarness]:
    """The smes service on its migrated test database, each test rolled back."""
    async with run_service(SPEC, smes_settings(sela_servers, sela_migrated["smes"])) as harness:
        yield harness


@pytest.fixture(scope="session")
async def smes_gateway_database_url(sela_servers: Servers) -> str:
    """The gateway's test database (the one the gateway tests use), migrated."""
    url = asyncpg_url(sela_servers.database_url, "test_sela_gateway")
    await ensure_database(url)
    await upgrade(url, MIGRATIONS)
    return url.render_as_string(hide_password=False)
