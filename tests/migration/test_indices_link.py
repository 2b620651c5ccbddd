"""Correlation with development indicators read from the real indices service over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import delete, text

from sela_indices.app import SPEC as INDICES
from sela_indices.observations import service as observations
from sela_kit.app import create_app
from sela_kit.db import Database
from sela_kit.messaging.tables import OUTBOX
from sela_migration.app import SPEC
from sela_migration.demo import generated_long_csv
from sela_migration.jobs.models import Job
from sela_testing.support import Servers, run_service
from tests.gateway.proxy_support import UpstreamServer
from tests.indices.platform_support import committed_database, indices_settings
from tests.indices.support import macro_file
from tests.migration.test_service import finished, migration_settings, staff, upload

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def indices_service(
    sela_servers: Servers, sela_migrated: dict[str, str]
) -> AsyncIterator[UpstreamServer]:
    """The indices service on a real port with the World Bank population series loaded."""
    content = macro_file("wdi2018_SP.POP.TOTL.csv").read_bytes()
    url = await committed_database(sela_servers)
    database = Database(url)
    try:
        async with database.transaction() as session:
            await observations.load(session, content, filename="population.csv")
    finally:
        await database.dispose()
    server = UpstreamServer(create_app(INDICES, indices_settings(sela_servers, url)))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_correlation_reads_population_from_the_indices_service(
    sela_servers: Servers, sela_migrated: dict[str, str], indices_service: UpstreamServer
) -> None:
    settings = migration_settings(sela_servers, sela_migrated["migration"]).model_copy(
        update={"indices_url": indices_service.url}
    )
    slug = f"t-{uuid.uuid4().hex[:8]}"
    async with run_service(SPEC, settings, isolated=False, run_background=True) as service:
        try:
            assert (await upload(service.client, slug, generated_long_csv())).status_code == 201
            started = await service.client.post(
                "/networks/computations", headers=staff(), json={"dataset": slug}
            )
            assert (await finished(service.client, started.json()))["status"] == "done"
            correlated = await service.client.post(
                "/correlations",
                headers=staff(),
                json={
                    "dataset": slug,
                    "years": [2015],
                    "indicators": ["SP.POP.TOTL"],
                    "fallback_to_pwt": False,
                },
            )
            assert correlated.status_code == 202, correlated.text
            job: dict[str, Any] = await finished(service.client, correlated.json())
            assert job["status"] == "done", job
            assert job["result"]["source"] == "indices"
            rows = job["result"]["correlations"]
            assert rows
            assert all(r["indicator"] == "SP.POP.TOTL" and r["n"] >= 10 for r in rows)
        finally:
            async with service.database.transaction() as session:
                await session.execute(text("DELETE FROM datasets WHERE slug = :s"), {"s": slug})
                await session.execute(delete(Job))
                await session.execute(delete(OUTBOX))
