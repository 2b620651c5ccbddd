from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sela_indices.app import SPEC
from sela_testing.support import (
    Servers,
    ServiceHarness,
    identity_headers,
    run_service,
    settings_for_tests,
)


@pytest.fixture
async def indices(
    sela_servers: Servers, sela_migrated: dict[str, str]
) -> AsyncIterator[ServiceHarness]:
    """The indices service in-process; everything a test writes is rolled back."""
    settings = settings_for_tests(SPEC, sela_servers, database_url=sela_migrated["indices"])
    async with run_service(SPEC, settings) as harness:
        yield harness


STAFF = identity_headers("staff", subject="staff-1")
ANONYMOUS = identity_headers(kind="anonymous")
