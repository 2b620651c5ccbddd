"""Whole-system drills: the platform as `sela up` runs it, exercised through the gateway.

Run with `make drills` (they are deselected from the ordinary `pytest` run by the `drill`
marker). One platform is started for the whole drill session; each drill leaves it healthy.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.drills.platform import Platform, new_platform
from tests.drills.report import record, recorded, report_path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures = recorded()
    if figures:
        terminalreporter.section("drill figures")
        terminalreporter.write_line(f"(also in {report_path()})")
        terminalreporter.write_line(json.dumps(figures, indent=2, sort_keys=True, default=str))


@pytest.fixture(scope="session")
def platform_process() -> Iterator[Platform]:
    # An earlier run's figures must not pass for this run's.
    report_path().unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="sela-drills-") as folder:
        platform = new_platform(Path(folder))
        try:
            started = time.monotonic()
            platform.start()
            record("platform", {"start_seconds": round(time.monotonic() - started, 1)})
            yield platform
        finally:
            platform.stop()


@pytest.fixture(scope="session")
async def platform(platform_process: Platform) -> Platform:
    async with httpx.AsyncClient(base_url=platform_process.gateway, timeout=30) as client:
        await platform_process.sign_in(client)
    return platform_process


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    # Idle connections are dropped well before the servers' own keep-alive timeout (5 s), so
    # a request never races the server closing the connection it is sent on.
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=60, limits=limits) as client:
        yield client
    platform.alive()
