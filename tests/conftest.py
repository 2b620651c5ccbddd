from __future__ import annotations

import pytest

from sela_cli.registry import SERVICES
from sela_testing.support import Servers, migrate_for_tests

pytest_plugins = ["sela_testing.plugin"]


@pytest.fixture(scope="session")
async def sela_migrated(sela_servers: Servers) -> dict[str, str]:
    """Every service's test database, migrated once per session: service name -> URL."""
    return {spec.name: await migrate_for_tests(sela_servers, spec) for spec in SERVICES}
