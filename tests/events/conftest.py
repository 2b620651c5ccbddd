from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sela_events.app import SPEC
from sela_events.settings import EventsSettings
from sela_testing.support import Servers, ServiceHarness, run_service, settings_for_tests


@pytest.fixture
def events_settings(
    sela_servers: Servers, sela_migrated: dict[str, str], tmp_path: Path
) -> EventsSettings:
    settings = settings_for_tests(
        SPEC,
        sela_servers,
        database_url=sela_migrated["events"],
        jobs_enabled=False,
        mail_dir=tmp_path / "mail",
        db_pool_size=20,
    )
    assert isinstance(settings, EventsSettings)
    return settings


@pytest.fixture
async def events(events_settings: EventsSettings) -> AsyncIterator[ServiceHarness]:
    """The service in a rolled-back transaction."""
    async with run_service(SPEC, events_settings) as harness:
        yield harness


@pytest.fixture
async def live_events(events_settings: EventsSettings) -> AsyncIterator[ServiceHarness]:
    """The service committing for real (concurrency needs separate connections)."""
    async with run_service(SPEC, events_settings, isolated=False) as harness:
        yield harness


@pytest.fixture(scope="session")
async def gateway_database_url(sela_servers: Servers) -> str:
    """The gateway's test database (the same one tests/gateway uses), migrated."""
    from sela_gateway import MIGRATIONS
    from sela_kit.migrations import ensure_database, upgrade
    from sela_kit.settings import asyncpg_url

    url = asyncpg_url(sela_servers.database_url, "test_sela_gateway")
    await ensure_database(url)
    await upgrade(url, MIGRATIONS)
    return url.render_as_string(hide_password=False)
