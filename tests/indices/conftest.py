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


def staff() -> dict[str, str]:
    """Headers of a staff member, signed now (gateway identities expire within minutes)."""
    return identity_headers("staff", subject="staff-1")


def anonymous() -> dict[str, str]:
    return identity_headers(kind="anonymous")
