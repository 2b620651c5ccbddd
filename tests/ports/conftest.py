from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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
